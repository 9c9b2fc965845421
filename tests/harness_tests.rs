//! The real-server harness itself: every endpoint of the standard testbed greets, speaks
//! TLS through `openssl s_client`, holds its profile (strong: TLS 1.2-1.3 only; weak:
//! TLS 1.0 and 1024-bit DHE, no TLS 1.3), and is gone, PIDs and ports, after drop.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mxray_tests::net::{self, REMOTE_SOURCE};
use mxray_tests::process::alive;
use mxray_tests::{
    CertSet, CertSpec, Endpoint, KeyType, OpensslServer, Protocol, Testbed, TlsProfile, Validity,
};

const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs `openssl s_client -brief` against `endpoint` with `args`, feeding `input` on stdin
/// (with `-ign_eof` when `input` is not empty, so the server's answer is read before the
/// end). Returns (success, stdout + stderr). Killed after [`CLIENT_TIMEOUT`].
fn s_client(endpoint: &Endpoint, args: &[&str], input: &str) -> (bool, String) {
    let mut cmd = Command::new("openssl");
    cmd.args(["s_client", "-brief", "-connect", &endpoint.addr.to_string()]);
    if let Some(proto) = endpoint.protocol.starttls() {
        cmd.args(["-starttls", proto]);
    }
    if !input.is_empty() {
        cmd.arg("-ign_eof");
    }
    cmd.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("openssl s_client starts (cargo xtask setup)");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let _ = stdin.write_all(input.as_bytes());
    drop(stdin);
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if start.elapsed() > CLIENT_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("s_client {args:?} against {endpoint} hung for {CLIENT_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut text = String::new();
    let _ = child.stdout.take().expect("stdout").read_to_string(&mut text);
    let _ = child.stderr.take().expect("stderr").read_to_string(&mut text);
    (status.success() && text.contains("CONNECTION ESTABLISHED"), text)
}

/// The command that makes the server close the connection.
fn quit(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Imap | Protocol::Imaps => "a LOGOUT\r\n",
        _ => "QUIT\r\n",
    }
}

fn version_of(text: &str) -> Option<&str> {
    text.lines().find_map(|l| l.strip_prefix("Protocol version: "))
}

fn first_line_from(source: std::net::Ipv4Addr, addr: SocketAddr) -> String {
    let stream = net::connect_from(source, addr, CLIENT_TIMEOUT).expect("connect");
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stream), &mut line).expect("greeting");
    line
}

fn check_endpoint(e: &Endpoint) -> Vec<String> {
    let mut failures = Vec::new();
    let mut check = |ok: bool, what: &str, text: &str| {
        if !ok {
            failures.push(format!("{e}: {what}\n{text}"));
        }
    };
    // Greeting (STARTTLS ports only; the implicit ones start with TLS).
    let greeting = match e.protocol {
        Protocol::Smtp | Protocol::Submission => Some("220 mail.test.example ESMTP"),
        Protocol::Imap => Some("* OK"),
        Protocol::Pop3 => Some("+OK"),
        _ => None,
    };
    if let Some(prefix) = greeting {
        let line = net::read_line(e.addr, CLIENT_TIMEOUT).unwrap_or_else(|err| format!("{err:#}"));
        check(line.starts_with(prefix), &format!("greeting should start with {prefix:?}"), &line);
    }
    // Default handshake, plus a command after TLS that the server answers.
    let (ok, text) = s_client(e, &[], quit(e.protocol));
    check(ok, "default handshake", &text);
    let (ok13, text13) = s_client(e, &["-tls1_3"], "");
    let (ok10, text10) = s_client(e, &["-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"], "");
    match e.profile {
        TlsProfile::Strong => {
            check(ok && version_of(&text) == Some("TLSv1.3"), "strong default is TLS 1.3", &text);
            check(ok13, "strong accepts TLS 1.3", &text13);
            check(!ok10, "strong refuses TLS 1.0", &text10);
            let (ok, text) = s_client(e, &["-tls1_2", "-cipher", "AES128-SHA:@SECLEVEL=0"], "");
            check(!ok, "strong refuses RSA key exchange with CBC", &text);
            let (ok, text) = s_client(e, &["-tls1_2"], "");
            check(ok && text.contains("Ciphersuite: ECDHE-"), "strong TLS 1.2 is ECDHE", &text);
        }
        TlsProfile::Weak => {
            check(ok && version_of(&text) == Some("TLSv1.2"), "weak default is TLS 1.2", &text);
            check(!ok13, "weak refuses TLS 1.3", &text13);
            check(ok10 && version_of(&text10) == Some("TLSv1"), "weak accepts TLS 1.0", &text10);
            let (ok, text) = s_client(e, &["-tls1_2", "-cipher", "DHE-RSA-AES128-SHA:@SECLEVEL=0"], "");
            check(ok && text.contains("Temp Key: DH, 1024 bits"), "weak serves 1024-bit DHE", &text);
            let (ok, text) = s_client(e, &["-tls1_2", "-cipher", "AES128-SHA:@SECLEVEL=0"], "");
            check(ok && text.contains("Ciphersuite: AES128-SHA"), "weak serves RSA key exchange", &text);
        }
        TlsProfile::Custom => {}
    }
    // What is offered after TLS.
    match e.protocol {
        Protocol::Submission | Protocol::Smtps => {
            let (ok, text) = s_client(e, &[], "EHLO client.test\r\nQUIT\r\n");
            check(ok && text.contains("250-AUTH PLAIN LOGIN"), "AUTH offered after TLS", &text);
        }
        Protocol::Imap | Protocol::Imaps => {
            let (ok, text) = s_client(e, &[], "a CAPABILITY\r\na LOGOUT\r\n");
            check(ok && text.contains("AUTH=PLAIN"), "AUTH=PLAIN offered after TLS", &text);
        }
        _ => {}
    }
    failures
}

#[test]
fn the_standard_testbed_serves_tls_on_every_endpoint_and_holds_its_profiles() {
    let bed = Testbed::standard().unwrap_or_else(|e| panic!("{e:#}"));
    eprintln!(
        "testbed: certificates in {:?}, servers up in {:?} (postfix {:?}, dovecot {:?})",
        bed.certs_in(),
        bed.started_in(),
        bed.postfix.iter().map(|p| p.started_in()).collect::<Vec<_>>(),
        bed.dovecot.iter().map(|d| d.started_in()).collect::<Vec<_>>(),
    );
    let endpoints = bed.endpoints();
    assert_eq!(endpoints.len(), 14, "{endpoints:#?}");
    for e in &endpoints {
        assert!(e.addr.ip().is_loopback(), "{e}");
    }
    assert_eq!(bed.endpoint("smtp-strong").unwrap().to_string().split(' ').nth(2), Some("smtp"));

    // Each endpoint's checks in its own thread: s_client runs dominate the time.
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = endpoints.iter().map(|e| s.spawn(move || check_endpoint(e))).collect();
        handles.into_iter().flat_map(|h| h.join().expect("no panic")).collect()
    });
    assert!(failures.is_empty(), "{} failures:\n\n{}", failures.len(), failures.join("\n\n"));

    // Plaintext SMTP: STARTTLS offered on smtp; submission refuses MAIL before TLS.
    let strong_pf = &bed.postfix[0];
    assert!(strong_pf.connect_count() >= 1, "{}", strong_pf.log());

    // Dovecot: from 127.0.0.1 the login counts as secured; from 127.0.0.2 it does not.
    let imap = bed.endpoint("imap-strong").unwrap();
    let local = first_line_from(net::LOOPBACK, imap.addr);
    let remote = first_line_from(REMOTE_SOURCE, imap.addr);
    assert!(local.contains("AUTH=PLAIN") && !local.contains("LOGINDISABLED"), "{local}");
    assert!(remote.contains("LOGINDISABLED") && !remote.contains("AUTH=PLAIN"), "{remote}");

    // Stopping: every PID gone, every port closed.
    let pids = bed.pids();
    assert_eq!(pids.len(), 6, "2 Postfix masters, their 2 SASL Dovecots, 2 Dovecots");
    assert!(pids.iter().all(|p| alive(*p)), "{pids:?}");
    let dirs: Vec<_> = bed.postfix.iter().map(|p| p.dir().to_owned()).collect();
    let t0 = Instant::now();
    drop(bed);
    eprintln!("testbed: stopped in {:?}", t0.elapsed());
    for pid in &pids {
        assert!(!alive(*pid), "PID {pid} still runs after drop");
    }
    for e in &endpoints {
        assert!(!net::is_listening(e.addr.port()), "{e} still listens after drop");
    }
    for d in &dirs {
        assert!(!d.exists(), "{} not removed", d.display());
    }
}

#[test]
fn smtp_offers_starttls_in_plaintext_and_submission_insists_on_it() {
    let bed = Testbed::builder().postfix(TlsProfile::Strong).start().unwrap_or_else(|e| panic!("{e:#}"));
    let talk = |addr: SocketAddr, lines: &str| {
        let mut stream = net::connect_from(REMOTE_SOURCE, addr, CLIENT_TIMEOUT).unwrap();
        stream.write_all(lines.as_bytes()).unwrap();
        let mut text = String::new();
        let _ = stream.read_to_string(&mut text);
        text
    };
    let smtp = talk(bed.postfix[0].smtp_addr(), "EHLO client.test\r\nQUIT\r\n");
    assert!(smtp.contains("250-STARTTLS") && !smtp.contains("AUTH"), "{smtp}");
    let sub =
        talk(bed.postfix[0].submission_addr(), "EHLO client.test\r\nMAIL FROM:<a@b.example>\r\nQUIT\r\n");
    assert!(sub.contains("250-STARTTLS") && !sub.contains("AUTH"), "{sub}");
    assert!(sub.contains("530 5.7.0 Must issue a STARTTLS command first"), "{sub}");
    // The log names the source address of every connection.
    assert!(
        mxray_tests::process::wait_until(Duration::from_secs(5), || bed.postfix[0]
            .log()
            .contains("[127.0.0.2]")),
        "{}",
        bed.postfix[0].log()
    );
}

#[test]
fn openssl_servers_take_arbitrary_arguments_and_certificates_cover_the_later_cases() {
    mxray_tests::require_tools().unwrap_or_else(|e| panic!("{e:#}"));
    let dir = mxray_tests::WorkDir::new("certs-test").unwrap();
    let mut certs = CertSet::standard(dir.path()).unwrap();
    let sha1 = certs
        .issue(
            &CertSpec::leaf("sha1", "old.test.example").key(KeyType::Rsa(1024)).digest("sha1").self_signed(),
        )
        .unwrap();
    let expired =
        certs.issue(&CertSpec::leaf("expired", CertSet::HOST).validity(Validity::days(-30, -1))).unwrap();
    certs.issue(&CertSpec::leaf("wrong-name", "www.other.example")).unwrap();
    certs.issue(&CertSpec::ca("intermediate", "mxray test intermediate")).unwrap();
    let via = certs
        .issue(&CertSpec::leaf("via-int", CertSet::HOST).key(KeyType::EcP384).issued_by("intermediate"))
        .unwrap();
    let text = |path: &std::path::Path| {
        let out =
            Command::new("openssl").args(["x509", "-noout", "-text", "-in"]).arg(path).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let t = text(&sha1.cert);
    assert!(t.contains("sha1WithRSAEncryption") && t.contains("(1024 bit)"), "{t}");
    let t = text(&certs.get(CertSet::RSA).unwrap().cert);
    assert!(t.contains("DNS:mail.test.example, DNS:localhost, IP Address:127.0.0.1"), "{t}");
    let verify = |cert: &std::path::Path, untrusted: Option<&std::path::Path>| {
        let mut cmd = Command::new("openssl");
        cmd.arg("verify").arg("-CAfile").arg(&certs.get(CertSet::CA).unwrap().cert);
        if let Some(u) = untrusted {
            cmd.arg("-untrusted").arg(u);
        }
        let out = cmd.arg(cert).output().unwrap();
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    };
    assert!(verify(&certs.get(CertSet::ECDSA).unwrap().cert, None).contains(": OK"));
    assert!(verify(&expired.cert, None).contains("certificate has expired"));
    assert!(verify(&via.cert, None).contains("unable to get local issuer certificate"));
    assert!(verify(&via.cert, Some(&via.chain)).contains(": OK"));
    assert_eq!(std::fs::read_to_string(&via.chain).unwrap().matches("BEGIN CERTIFICATE").count(), 2);

    // s_server with TLS 1.3 only, serving the chain without its intermediate.
    let mut server = OpensslServer::start("tls13", &via, &["-tls1_3"]).unwrap();
    let e = server.endpoint();
    let (ok, out) = s_client(&e, &[], "");
    assert!(ok && version_of(&out) == Some("TLSv1.3"), "{out}");
    let (ok, out) = s_client(&e, &["-tls1_2"], "");
    assert!(!ok, "{out}");
    let pid = server.pid();
    server.stop().unwrap();
    assert!(!alive(pid) && !net::is_listening(e.addr.port()));
}

#[test]
fn postfix_listens_on_another_loopback_address_with_a_chosen_smtp_port() {
    use mxray_tests::{Postfix, PostfixOptions, WorkDir};
    let dir = WorkDir::new("harness-address").unwrap();
    let certs = CertSet::standard(dir.path()).unwrap();
    let (a, b) = (std::net::Ipv4Addr::new(127, 0, 0, 2), std::net::Ipv4Addr::new(127, 0, 0, 3));
    let port = net::free_port_on_all(&[a, b]).unwrap();
    let options = PostfixOptions::new(TlsProfile::Strong).on_address(a).with_smtp_port(port).named("at2");
    let mut postfix = Postfix::start(&options, &certs).unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(postfix.smtp_addr(), SocketAddr::from((a, port)));
    for e in postfix.endpoints() {
        assert_eq!(e.addr.ip(), a, "{e}");
        assert!(net::is_listening_on(a, e.addr.port()), "{e}");
        assert!(!net::is_listening_on(net::LOOPBACK, e.addr.port()), "{e}: also on 127.0.0.1");
    }
    assert!(postfix.endpoints().iter().all(|e| e.name.ends_with("-at2")));
    let main_cf = std::fs::read_to_string(postfix.dir().join("conf/main.cf")).unwrap();
    // inet_interfaces must name an interface address (lo has only 127.0.0.1/8).
    assert!(main_cf.contains("proxy_interfaces = 127.0.0.2\n"), "{main_cf}");
    // A client from another loopback source is in mynetworks (127.0.0.0/8) and greeted.
    assert!(first_line_from(REMOTE_SOURCE, postfix.smtp_addr()).starts_with("220 "));
    // The port is still free on 127.0.0.3: a second MX can take it.
    assert!(std::net::TcpListener::bind((b, port)).is_ok());
    let pid = postfix.master_pid();
    postfix.stop().unwrap();
    assert!(!alive(pid));
    assert!(!net::is_listening_on(a, port));
}

#[test]
fn dovecot_on_another_loopback_address_sees_127_0_0_1_clients_as_remote() {
    use mxray_tests::{Dovecot, DovecotOptions, WorkDir};
    let dir = WorkDir::new("harness-dovecot-address").unwrap();
    let mut certs = CertSet::empty(dir.path()).unwrap();
    certs.issue(&CertSpec::ca(CertSet::CA, "mxray test CA").self_signed()).unwrap();
    for (name, key) in [(CertSet::RSA, KeyType::Rsa(2048)), (CertSet::ECDSA, KeyType::EcP256)] {
        certs.issue(&CertSpec::leaf(name, "mail.test.example").key(key)).unwrap();
    }
    let ip = std::net::Ipv4Addr::new(127, 0, 0, 3);
    let options = DovecotOptions::new(TlsProfile::Strong).on_address(ip);
    let mut dovecot = Dovecot::start(&options, &certs).unwrap_or_else(|e| panic!("{e:#}"));
    for e in dovecot.endpoints() {
        assert_eq!(e.addr.ip(), ip, "{e}");
        assert!(net::is_listening_on(ip, e.addr.port()), "{e}");
    }
    // A plain connection comes from 127.0.0.1, not Dovecot's own 127.0.0.3: remote.
    let imap = dovecot.addr(Protocol::Imap).unwrap();
    let greeting = net::read_line(imap, CLIENT_TIMEOUT).unwrap();
    assert!(greeting.contains("LOGINDISABLED") && !greeting.contains("AUTH=PLAIN"), "{greeting}");
    let pid = dovecot.master_pid();
    dovecot.stop().unwrap();
    assert!(!alive(pid));
}
