//! The sending-MTA simulation (`mxray_core::mta_profiles`) against real servers, checked
//! against real clients that do not come from mxray.
//!
//! - Servers: `openssl s_server` offering only what some or all common MTAs cannot use
//!   (TLS 1.3 with only `TLS_AES_128_CCM_8_SHA256`; the same beside a normal TLS 1.2; TLS 1.2
//!   with only ECDHE-ARIA256-GCM-SHA384 (RSA); TLS 1.3 with only `ffdhe2048`), each scanned by mxray.
//! - Ground truth per profile: the Postfix profile is replayed with `openssl s_client` given
//!   its exact TLS 1.2 suite list (`:@SECLEVEL=0`, as Postfix's hello with anonymous suites
//!   and SHA-1 schemes shows it runs), TLS 1.3 suites and groups (its signature schemes are
//!   OpenSSL's defaults at that level, the same set); the Exim profile is GnuTLS itself,
//!   `gnutls-cli --priority NORMAL`. The simulation must say "negotiates" exactly when the
//!   real client completes a handshake, with the same version (and, for s_client, suite).
//! - The same clients through STARTTLS, as MTAs: a small SMTP front on loopback announces
//!   STARTTLS and splices the connection to the s_server after its `220`; Postfix's own
//!   client TLS engine (`posttls-finger -l may`, Postfix's defaults from an empty main.cf)
//!   must get exactly what the s_client replay got (version and suite), and
//!   `gnutls-cli --starttls-proto smtp` must succeed exactly when plain gnutls-cli does.
//! - STARTTLS without a working handshake: a small SMTP server on loopback that announces
//!   STARTTLS, answers it with 220 and then sends a fatal `handshake_failure` alert to every
//!   ClientHello. mxray must report `mail.starttls_no_handshake` (and not `no_common_mta`),
//!   and a real `openssl s_client -starttls smtp` must fail against it too.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use mxray_core::grade::{self, MailContext, Verdict};
use mxray_core::mta_profiles::{self, EXIM_GNUTLS, MtaOutcome, POSTFIX};
use mxray_core::probe::ScanConfig;
use mxray_core::registry::{CipherCode, NamedGroup};
use mxray_core::report::{CertContext, EndpointReport};
use mxray_core::starttls::{self, Outcome, Protocol};
use mxray_core::target::{Service, Target};
use mxray_core::x509::TrustStore;
use mxray_net::scan::{EndpointScan, ScanOptions, scan_endpoint};
use mxray_tests::{CertSet, Issued, OpensslServer, WorkDir};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("tokio runtime")
}

fn scan(addr: SocketAddr, dialogue: Option<starttls::Config>) -> EndpointScan {
    let options = ScanOptions::new(addr.port(), dialogue, ScanConfig { server_name: None, sslv2: false });
    runtime().block_on(scan_endpoint(addr, options))
}

/// OpenSSL's name for a group of the Postfix profile.
fn openssl_group(g: NamedGroup) -> &'static str {
    match g.0 {
        0x001D => "X25519",
        0x001E => "X448",
        0x0017 => "P-256",
        0x0018 => "P-384",
        0x0019 => "P-521",
        other => panic!("no OpenSSL name for group {other:#06x}"),
    }
}

/// What a real client got: `None` when the handshake failed, else (version, suite name).
type Real = Option<(String, String)>;

/// The Postfix profile replayed by `openssl s_client`.
fn postfix_client(addr: SocketAddr) -> Real {
    let names = |suites: &[mxray_core::registry::CipherSuite]| -> Vec<&'static str> {
        suites.iter().filter_map(|&s| CipherCode::Tls(s).info().and_then(|i| i.openssl)).collect()
    };
    let tls12 = names(POSTFIX.suites);
    assert_eq!(tls12.len(), POSTFIX.suites.len(), "every Postfix suite has an OpenSSL name");
    let groups: Vec<&str> = POSTFIX.groups.iter().map(|&g| openssl_group(g)).collect();
    let out = Command::new("openssl")
        .args(["s_client", "-connect", &addr.to_string()])
        .args(["-cipher", &format!("{}:@SECLEVEL=0", tls12.join(":"))])
        .args(["-ciphersuites", &names(POSTFIX.tls13_suites).join(":")])
        .args(["-groups", &groups.join(":")])
        .stdin(Stdio::null())
        .output()
        .expect("openssl s_client runs");
    let text = String::from_utf8_lossy(&out.stdout);
    // "New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384" or "New, (NONE), Cipher is (NONE)".
    let line = text.lines().find(|l| l.starts_with("New, "))?;
    let (version, suite) = line.trim_start_matches("New, ").split_once(", Cipher is ")?;
    (suite != "(NONE)").then(|| (version.to_owned(), suite.to_owned()))
}

/// The Exim profile: GnuTLS with `NORMAL`.
fn gnutls_client(addr: SocketAddr) -> Real {
    let out = Command::new("gnutls-cli")
        .args([
            "--priority",
            "NORMAL",
            "--insecure",
            "--port",
            &addr.port().to_string(),
            &addr.ip().to_string(),
        ])
        .stdin(Stdio::null())
        .output()
        .expect("gnutls-cli runs (gnutls-bin; `cargo xtask setup`)");
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || !text.contains("Handshake was completed") {
        return None;
    }
    // "- Description: (TLS1.3-X.509)-(ECDHE-X25519)-(RSA-PSS-RSAE-SHA256)-(AES-256-GCM)"
    let description = text.lines().find_map(|l| l.strip_prefix("- Description: "))?.to_owned();
    let version = description.trim_start_matches('(').split('-').next()?.replace("TLS1.", "TLSv1.");
    Some((version, description))
}

/// The simulation of `profile` must agree with the real client.
fn agrees(case: &str, o: &MtaOutcome, real: &Real, compare_suite: bool) {
    assert!(o.certain, "{case}: {}: the scan should tell everything here: {:?}", o.profile, o.note);
    assert_eq!(o.negotiates, real.is_some(), "{case}: {}: simulated {o:?}, real client {real:?}", o.profile);
    if let Some((version, suite)) = real {
        assert_eq!(o.version.as_deref(), Some(version.as_str()), "{case}: {}", o.profile);
        if compare_suite {
            let openssl = o.suite.and_then(CipherCode::info).and_then(|i| i.openssl);
            assert_eq!(openssl, Some(suite.as_str()), "{case}: {}", o.profile);
        }
    }
}

struct Case {
    name: &'static str,
    args: &'static [&'static str],
    /// Expected (postfix, exim-gnutls) negotiates.
    want: (bool, bool),
    /// The rule expected on port 25.
    rule: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "tls13-ccm8-only",
        args: &["-tls1_3", "-ciphersuites", "TLS_AES_128_CCM_8_SHA256"],
        want: (false, false),
        rule: "mail.no_common_mta",
    },
    Case {
        name: "tls13-ccm8-beside-tls12",
        args: &[
            "-ciphersuites",
            "TLS_AES_128_CCM_8_SHA256",
            "-cipher",
            "ECDHE-RSA-AES128-GCM-SHA256",
            "-no_tls1",
            "-no_tls1_1",
        ],
        want: (false, false),
        rule: "mail.no_common_mta",
    },
    Case {
        name: "tls12-aria-only",
        args: &["-tls1_2", "-cipher", "ECDHE-ARIA256-GCM-SHA384"],
        want: (true, false),
        rule: "mail.some_mtas_fail",
    },
    Case {
        name: "tls13-ffdhe-only",
        args: &["-tls1_3", "-groups", "ffdhe2048"],
        want: (false, true),
        rule: "mail.some_mtas_fail",
    },
];

#[test]
fn the_simulation_agrees_with_real_clients_on_restricted_servers() {
    let dir = WorkDir::new("mta-profiles-real").expect("work dir");
    let certs = CertSet::standard(dir.path()).expect("test certificates");
    let cert: Issued = certs.get(CertSet::RSA).expect("RSA leaf").clone();
    // posttls-finger reads main.cf from MAIL_CONFIG: an empty one gives Postfix's defaults.
    let config = WorkDir::new("mta-profiles-postfix").expect("work dir");
    std::fs::write(config.join("main.cf"), "").expect("main.cf");
    for case in CASES {
        let server = OpensslServer::start(case.name, &cert, case.args).unwrap_or_else(|e| panic!("{e:#}"));
        let addr = server.addr();
        let scanned = scan(addr, None);
        assert!(scanned.errors.is_empty(), "{}: {:?}", case.name, scanned.errors);
        let outcomes = mta_profiles::simulate(&scanned.findings);
        let postfix = outcomes.iter().find(|o| o.profile == POSTFIX.id).expect("postfix outcome");
        let exim = outcomes.iter().find(|o| o.profile == EXIM_GNUTLS.id).expect("exim outcome");
        let real_postfix = postfix_client(addr);
        let real_exim = gnutls_client(addr);
        // The same through STARTTLS with the real MTA client engines.
        let front = StarttlsFront::start(AfterStarttls::Splice(addr));
        let finger = posttls_finger(front.addr, &config);
        let gnutls_smtp = gnutls_starttls(front.addr);
        drop(front);
        drop(server);
        assert_eq!(finger, real_postfix, "{}: posttls-finger and the s_client replay differ", case.name);
        assert_eq!(
            gnutls_smtp,
            real_exim.is_some(),
            "{}: gnutls-cli with and without STARTTLS differ",
            case.name
        );
        agrees(case.name, postfix, &real_postfix, true);
        agrees(case.name, exim, &real_exim, false);
        assert_eq!((postfix.negotiates, exim.negotiates), case.want, "{}: {outcomes:#?}", case.name);
        // Graded as an MX on port 25, the matching rule fires and names the failing MTAs.
        let grading = grade::grade(&scanned.findings, None, &MailContext::new(Service::Smtp));
        let finding = grading
            .findings
            .iter()
            .find(|f| f.id == case.rule)
            .unwrap_or_else(|| panic!("{}: no {} in {:#?}", case.name, case.rule, grading.findings));
        for o in outcomes.iter().filter(|o| !o.negotiates) {
            assert!(
                finding.message.contains(o.name),
                "{}: {} not named: {}",
                case.name,
                o.profile,
                finding.message
            );
        }
        let want_verdict = if case.want == (false, false) { Verdict::Fail } else { Verdict::Weak };
        assert_eq!(grading.mail.verdict, want_verdict, "{}: {:?}", case.name, grading.mail.reasons);
    }
}

/// What [`StarttlsFront`] does after its `220` to STARTTLS.
#[derive(Clone, Copy)]
enum AfterStarttls {
    /// Answers whatever hello comes with a fatal `handshake_failure` alert.
    Alert,
    /// Does not go ahead: answers STARTTLS with `454 TLS not available`.
    Refuse,
    /// Splices the connection to this TLS server (an `openssl s_server`), so that real SMTP
    /// clients (posttls-finger, gnutls-cli) can STARTTLS into it.
    Splice(SocketAddr),
}

/// A small SMTP server on loopback that announces STARTTLS and accepts it, then does
/// [`AfterStarttls`]. Stops when dropped.
struct StarttlsFront {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl StarttlsFront {
    fn start(after: AfterStarttls) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local address");
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if flag.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(conn) = conn {
                    std::thread::spawn(move || {
                        let _ = Self::serve(conn, after);
                    });
                }
            }
        });
        Self { addr, stop, thread: Some(thread) }
    }

    fn serve(conn: TcpStream, after: AfterStarttls) -> std::io::Result<()> {
        conn.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut writer = conn.try_clone()?;
        let mut reader = BufReader::new(conn);
        writer.write_all(b"220 front.test ESMTP\r\n")?;
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            let command = line.trim().to_ascii_uppercase();
            if command.starts_with("EHLO") {
                writer.write_all(b"250-front.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n")?;
            } else if command == "STARTTLS" && matches!(after, AfterStarttls::Refuse) {
                writer.write_all(b"454 4.7.0 TLS not available due to local problem\r\n")?;
            } else if command == "STARTTLS" {
                writer.write_all(b"220 2.0.0 Ready to start TLS\r\n")?;
                break;
            } else if command == "QUIT" {
                writer.write_all(b"221 2.0.0 Bye\r\n")?;
                return Ok(());
            } else {
                writer.write_all(b"250 2.0.0 Ok\r\n")?;
            }
        }
        match after {
            AfterStarttls::Refuse => {}
            AfterStarttls::Alert => {
                // Whatever hello comes (its first bytes suffice), a fatal alert.
                let mut first = [0u8; 5];
                reader.read_exact(&mut first)?;
                writer.write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28])?;
            }
            AfterStarttls::Splice(backend) => {
                // Nothing was pipelined after STARTTLS by these clients: the reader's buffer
                // is empty, so the raw stream carries on where the dialogue ended.
                assert!(reader.buffer().is_empty(), "bytes pipelined after STARTTLS");
                let client = reader.into_inner();
                let server = TcpStream::connect(backend)?;
                let (mut client_in, mut server_out) = (client.try_clone()?, server.try_clone()?);
                let up = std::thread::spawn(move || {
                    let _ = std::io::copy(&mut client_in, &mut server_out);
                    let _ = server_out.shutdown(std::net::Shutdown::Write);
                });
                let (mut server_in, mut client_out) = (server, client);
                let _ = std::io::copy(&mut server_in, &mut client_out);
                let _ = client_out.shutdown(std::net::Shutdown::Both);
                let _ = up.join();
            }
        }
        Ok(())
    }
}

impl Drop for StarttlsFront {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Postfix's own client TLS engine, `posttls-finger` (Postfix's defaults: an empty
/// main.cf), through STARTTLS at `front`: the version and OpenSSL suite name it logged.
fn posttls_finger(front: SocketAddr, config: &WorkDir) -> Real {
    let out = Command::new("posttls-finger")
        .env("MAIL_CONFIG", config.path())
        .args(["-c", "-l", "may", "-T", "1", &format!("[{}]:{}", front.ip(), front.port())])
        .stdin(Stdio::null())
        .output()
        .expect("posttls-finger runs (postfix; `cargo xtask setup`)");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    // "… TLS connection established to 127.0.0.1[127.0.0.1]:N: TLSv1.2 with cipher X (256/256 bits)"
    let line = text.lines().find(|l| l.contains("TLS connection established to"))?;
    let tail = line.rsplit_once("]:")?.1;
    let (_, rest) = tail.split_once(": ")?;
    let (version, rest) = rest.split_once(" with cipher ")?;
    let suite = rest.split_whitespace().next()?;
    Some((version.to_owned(), suite.to_owned()))
}

/// GnuTLS `NORMAL` through STARTTLS at `front` (the same library and priority as Exim).
fn gnutls_starttls(front: SocketAddr) -> bool {
    let out = Command::new("gnutls-cli")
        .args(["--priority", "NORMAL", "--insecure", "--starttls-proto", "smtp"])
        .args(["--port", &front.port().to_string(), &front.ip().to_string()])
        .stdin(Stdio::null())
        .output()
        .expect("gnutls-cli runs");
    String::from_utf8_lossy(&out.stdout).contains("Handshake was completed")
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[test]
fn starttls_accepted_but_every_handshake_failing_is_reported() {
    let server = StarttlsFront::start(AfterStarttls::Alert);
    let addr = server.addr;
    let target: Target = format!("smtp://{addr}").parse().expect("target");
    let scanned = scan(addr, Some(starttls::Config::new(Protocol::Smtp)));
    let trust = TrustStore::empty();
    let report = EndpointReport::new(
        &target,
        addr.to_string(),
        None,
        scanned.dialogue.clone(),
        &scanned.findings,
        scanned.cost.clone(),
        scanned.errors.clone(),
        CertContext { now_unix: unix_now(), trust: &trust, expiry_warning_days: 30 },
    );
    // Ground truth: a real client fails the same way after a successful STARTTLS.
    let real = Command::new("openssl")
        .args(["s_client", "-starttls", "smtp", "-connect", &addr.to_string()])
        .stdin(Stdio::null())
        .output()
        .expect("openssl s_client runs");
    drop(server);
    let text = String::from_utf8_lossy(&real.stdout);
    assert!(
        text.contains("Cipher is (NONE)") || !real.status.success(),
        "a real client completed a handshake: {text}"
    );
    let dialogue = report.starttls.as_ref().expect("the dialogue");
    assert!(dialogue.starttls_offered, "{dialogue:?}");
    assert_eq!(dialogue.outcome, Some(Outcome::ReadyForTls), "{dialogue:?}");
    assert!(report.versions.iter().all(|v| v.supported != Some(true)), "{:?}", report.versions);
    let ids: Vec<&str> = report.grading.findings.iter().map(|f| f.id).collect();
    assert!(ids.contains(&"mail.starttls_no_handshake"), "{ids:?}");
    assert!(!ids.contains(&"mail.no_common_mta") && !ids.contains(&"mail.some_mtas_fail"), "{ids:?}");
    assert_eq!(report.grading.mail.verdict, Verdict::Fail);
    assert!(report.mta_simulation.iter().all(|o| !o.negotiates && o.certain), "{:?}", report.mta_simulation);
    assert_eq!(report.mta_simulation.len(), mta_profiles::PROFILES.len());
}

#[test]
fn a_refused_starttls_is_not_a_failing_handshake() {
    // The near miss of the test above: the server answers STARTTLS with 454, so no hello is
    // ever sent and nothing says a handshake failed; only the refusal is reported.
    let server = StarttlsFront::start(AfterStarttls::Refuse);
    let addr = server.addr;
    let scanned = scan(addr, Some(starttls::Config::new(Protocol::Smtp)));
    drop(server);
    let dialogue = scanned.dialogue.as_ref().expect("the dialogue");
    assert!(matches!(dialogue.outcome, Some(Outcome::StartTlsRefused { .. })), "{dialogue:?}");
    assert!(
        scanned.findings.versions.iter().all(|v| v.supported.is_none()),
        "{:?}",
        scanned.findings.versions
    );
    let grading = grade::grade(&scanned.findings, None, &MailContext::new(Service::Smtp));
    let ids: Vec<&str> = grading.findings.iter().map(|f| f.id).collect();
    assert!(!ids.contains(&"mail.starttls_no_handshake") && !ids.contains(&"mail.no_tls"), "{ids:?}");
    assert!(!scanned.errors.is_empty(), "the refusal stops the scan with an error");
}
