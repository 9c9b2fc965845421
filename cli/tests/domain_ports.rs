//! `mxray domain`'s client-facing ports end to end, on 127.0.0.1 only: a real Knot DNS
//! (DNSSEC-signed `*.mxray.test`) publishing RFC 6186/8314 SRV records that point at the
//! high ports of a real Postfix (submission, smtps) and a real Dovecot (imap, imaps, pop3s),
//! a `.` SRV target, TLSA records at `_PORT._tcp` computed from the servers' certificates
//! with the `openssl` CLI (independently of mxray), and a real nginx for HTTPS, reached on the
//! usual names through the hidden lab flag `--lab-port https=PORT`.
//!
//! One test CA issues everything. Postfix's and Dovecot's two certificates name
//! `mx1.ports.mxray.test` and `mail.ports.mxray.test`, not `imap.ports.mxray.test`; nginx
//! serves `autodiscover.ports.mxray.test` its own certificate (and, as the default site,
//! to every other name). The standard client ports of 127.0.0.1 have no listener: closed.
//!
//! One lab, two domains: `ports` (the full case) and `poponly` (null MX, a `.` SRV and one
//! POP3 SRV target: `USER` before STLS, the terminal section and `--no-client-ports`, cheap).

use std::process::{Command, Output};

use mxray_tests::nginx::{Answer, HttpSite, Nginx, Site};
use mxray_tests::openssl::spki_sha256;
use mxray_tests::{
    CertSet, CertSpec, Delegation, Dovecot, DovecotOptions, KeyType, Knot, Postfix, PostfixOptions, Protocol,
    TlsProfile, WorkDir, Zone,
};
use serde_json::Value;

fn mxray(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mxray")).args(args).output().expect("running mxray")
}

struct Lab {
    knot: Knot,
    postfix: Postfix,
    dovecot: Dovecot,
    nginx: Nginx,
    ca: String,
    _dir: WorkDir,
}

fn lab() -> Lab {
    let dir = WorkDir::new("domain-ports").unwrap();
    let mut certs = CertSet::empty(dir.path()).unwrap();
    certs.issue(&CertSpec::ca(CertSet::CA, "mxray test CA").self_signed()).unwrap();
    for (name, key) in [(CertSet::RSA, KeyType::Rsa(2048)), (CertSet::ECDSA, KeyType::EcP256)] {
        certs
            .issue(&CertSpec::leaf(name, "mx1.ports.mxray.test").dns("mail.ports.mxray.test").key(key))
            .unwrap();
    }
    let postfix =
        Postfix::start(&PostfixOptions::new(TlsProfile::Strong).with_plaintext_auth(), &certs).unwrap();
    let dovecot = Dovecot::start(&DovecotOptions::new(TlsProfile::Strong), &certs).unwrap();
    let auto =
        certs.issue(&CertSpec::leaf("auto", "autodiscover.ports.mxray.test").key(KeyType::EcP256)).unwrap();
    // Plain HTTP: the first site is nginx's default (every name but webmail. lands there) and
    // redirects to HTTPS; webmail. serves a page in plaintext.
    let nginx = Nginx::start_with_http(
        &[Site::new("autodiscover.ports.mxray.test", &auto, "/", Answer::text("autodiscover"))],
        &[
            HttpSite::redirect_to_https("autodiscover.ports.mxray.test"),
            HttpSite::serve("webmail.ports.mxray.test", "/", Answer::text("webmail")),
        ],
    )
    .unwrap();
    let rsa = spki_sha256(&certs.get(CertSet::RSA).unwrap().cert).unwrap();
    let ecdsa = spki_sha256(&certs.get(CertSet::ECDSA).unwrap().cert).unwrap();
    let submission = postfix.submission_addr().port();
    let plain_auth = postfix.plaintext_auth_addr().unwrap().port();
    let smtps = postfix.smtps_addr().port();
    let imap = dovecot.addr(Protocol::Imap).unwrap().port();
    let imaps = dovecot.addr(Protocol::Imaps).unwrap().port();
    let pop3s = dovecot.addr(Protocol::Pop3s).unwrap().port();
    let ports = Zone::new("ports", Delegation::Secure)
        .record("@ MX 10 mx1")
        .record("mx1 A 127.0.0.1")
        .record("mail A 127.0.0.1")
        .record("imap A 127.0.0.1")
        .record("autodiscover A 127.0.0.1")
        .record("webmail A 127.0.0.1")
        .record(format!("_submission._tcp SRV 0 1 {submission} mail"))
        // A second submission target: Postfix's port that takes AUTH before TLS.
        .record(format!("_submission._tcp SRV 10 1 {plain_auth} legacy"))
        .record("legacy A 127.0.0.1")
        .record(format!("_submissions._tcp SRV 0 1 {smtps} mail"))
        .record(format!("_imap._tcp SRV 0 1 {imap} imap"))
        // Two targets on one address and port: one full scan, then one handshake for `mail`.
        .record(format!("_imaps._tcp SRV 0 1 {imaps} imap"))
        .record(format!("_imaps._tcp SRV 10 1 {imaps} mail"))
        .record("_pop3._tcp SRV 0 0 0 .")
        .record(format!("_pop3s._tcp SRV 0 1 {pop3s} mail"))
        // Postfix's smtps: both keys (DANE-EE) and a PKIX-EE record (RFC 6698 semantics).
        .record(format!("_{smtps}._tcp.mail TLSA 3 1 1 {rsa}"))
        .record(format!("_{smtps}._tcp.mail TLSA 3 1 1 {ecdsa}"))
        .record(format!("_{smtps}._tcp.mail TLSA 1 1 1 {rsa}"))
        .record(format!("_{smtps}._tcp.mail TLSA 1 1 1 {ecdsa}"))
        // Dovecot's imaps on imap.: a key it does not have.
        .record(format!("_{imaps}._tcp.imap TLSA 3 1 1 {}", "ab".repeat(32)));
    let pop3 = dovecot.addr(Protocol::Pop3).unwrap().port();
    let poponly = Zone::new("poponly", Delegation::Secure)
        .record("@ MX 0 .")
        .record("_imaps._tcp SRV 0 0 0 .")
        .record(format!("_pop3._tcp SRV 0 1 {pop3} pop"))
        .record("pop A 127.0.0.1");
    let knot = Knot::start(&[], &[ports, poponly]).unwrap();
    let ca = certs.get(CertSet::CA).unwrap().cert.display().to_string();
    Lab { knot, postfix, dovecot, nginx, ca, _dir: dir }
}

impl Lab {
    fn domain(&self, domain: &str, extra: &[&str]) -> Output {
        let resolver = self.knot.addr().to_string();
        let anchor = self.knot.trust_anchor().display().to_string();
        let port = self.postfix.smtp_addr().port().to_string();
        let https = format!("https={}", self.nginx.addr().port());
        let http = format!("http={}", self.nginx.http_addr().unwrap().port());
        let mut args = vec![
            "domain",
            domain,
            "--resolver",
            &resolver,
            "--trust-anchor",
            &anchor,
            "--port",
            &port,
            "--ca",
            &self.ca,
            "--timeout",
            "5",
            "--no-sslv2",
            "--quiet",
            "--lab-port",
            &https,
            "--lab-port",
            &http,
        ];
        args.extend_from_slice(extra);
        let out = mxray(&args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        out
    }

    /// `mxray scan TARGET --sni SNI`: the grade and whether the leaf's SAN covers SNI.
    fn scan(&self, target: &str, sni: &str) -> (String, bool) {
        let out = mxray(&[
            "scan",
            target,
            "--sni",
            sni,
            "--ca",
            &self.ca,
            "--timeout",
            "5",
            "--no-sslv2",
            "--json",
        ]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let e = &report["endpoints"][0];
        let covers = e["certificates"][0]["chain"]["name_match"]["kind"] == "san";
        (e["grade"].as_str().unwrap().to_owned(), covers)
    }

    /// Asserts that `check` (a PORT_CHECK) agrees with `mxray scan` of the same endpoint and
    /// name on grade and name coverage.
    fn agrees_with_scan(&self, check: &Value, target: &str, sni: &str) {
        let (grade, covers) = self.scan(target, sni);
        assert_eq!(check["grade"].as_str().unwrap(), grade, "{target} {sni}");
        assert_eq!(check["certificate"]["covers_name"], covers, "{target} {sni}");
    }
}

fn endpoint<'a>(report: &'a Value, name: &str, port: u16) -> &'a Value {
    report["client_ports"]["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name && e["port"] == port)
        .unwrap_or_else(|| panic!("{name}:{port} not in {:#}", report["client_ports"]["endpoints"]))
}

#[test]
fn client_ports_from_srv_usual_names_and_lab_ports() {
    let lab = lab();
    let started = std::time::Instant::now();
    let out = lab.domain("ports.mxray.test", &["--json", "--host", "webmail.ports.mxray.test"]);
    eprintln!("mxray domain ports.mxray.test took {:?}", started.elapsed());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["schema_version"], "1.1");
    let cp = &report["client_ports"];

    // SRV discovery: six lookups, `_pop3._tcp` decidedly not available and not probed.
    let srv = cp["srv"].as_array().unwrap();
    assert_eq!(srv.len(), 6);
    let pop3 = srv.iter().find(|s| s["answer"]["name"] == "_pop3._tcp.ports.mxray.test.").unwrap();
    assert_eq!(pop3["not_available"], true);
    assert_eq!(pop3["answer"]["dnssec"]["status"], "secure");
    let endpoints = cp["endpoints"].as_array().unwrap();
    assert!(!endpoints.iter().any(|e| e["port"] == 0), "a '.' target was probed");
    let mail_origins =
        &cp["candidates"].as_array().unwrap().iter().find(|c| c["name"] == "mail.ports.mxray.test.").unwrap()
            ["origins"];
    assert!(mail_origins.as_array().unwrap().iter().any(|o| o["kind"] == "usual"), "{mail_origins:#}");
    assert!(mail_origins.as_array().unwrap().iter().any(|o| o["kind"] == "srv"), "{mail_origins:#}");

    let submission = lab.postfix.submission_addr().port();
    let plain_auth = lab.postfix.plaintext_auth_addr().unwrap().port();
    let smtps = lab.postfix.smtps_addr().port();
    let imap = lab.dovecot.addr(Protocol::Imap).unwrap().port();
    let imaps = lab.dovecot.addr(Protocol::Imaps).unwrap().port();
    let https = lab.nginx.addr().port();

    // Submission (Postfix): open, full scan, certificate covers mail., AUTH only after TLS.
    let sub = endpoint(&report, "mail.ports.mxray.test.", submission);
    assert_eq!(sub["service"], "submission");
    let a = &sub["addresses"][0];
    assert_eq!(a["state"]["state"], "open");
    assert_eq!(a["full_scan"], true);
    assert_eq!(a["certificate"]["covers_name"], true, "{:#}", a["certificate"]);
    assert_eq!(a["certificate"]["untrusted"], Value::Null);
    assert_eq!(a["plaintext_login"]["exposed"], false, "{:#}", a["plaintext_login"]);
    assert_eq!(a["http_redirect"], Value::Null);
    // The plaintext gate: Postfix's `encrypt` refuses MAIL and AUTH until STARTTLS.
    let gate = &a["submission_requires_tls"];
    assert_eq!(gate["verdict"]["verdict"], "tls_required", "{gate:#}");
    assert_eq!(gate["probe"]["mail"]["reply"]["code"], 530, "{gate:#}");
    // The second submission target takes AUTH in plaintext (a 334, cancelled, no credential).
    let legacy = &endpoint(&report, "legacy.ports.mxray.test.", plain_auth)["addresses"][0];
    let gate = &legacy["submission_requires_tls"];
    assert_eq!(gate["verdict"]["verdict"], "plaintext_accepted", "{gate:#}");
    assert_eq!(gate["verdict"]["auth"], true, "{gate:#}");
    assert_eq!(gate["probe"]["auth"]["reply"]["code"], 334, "{gate:#}");
    assert_eq!(legacy["plaintext_login"]["exposed"], true, "{:#}", legacy["plaintext_login"]);

    // smtps (Postfix): DANE-EE and PKIX-EE for both keys: authenticated, and a PKIX-EE
    // record matches the chain (the chain validates to the --ca root for the name).
    let s = &endpoint(&report, "mail.ports.mxray.test.", smtps)["addresses"][0];
    assert_eq!(s["dane"]["verdict"], "authenticated", "{:#}", s["dane"]);
    let records = s["dane"]["records"].as_array().unwrap();
    assert!(
        records.iter().any(|r| r["record"]["usage"] == 1 && r["outcome"]["kind"] == "match"),
        "{records:#?}"
    );
    // The grade agrees with `mxray scan` of the same endpoint.
    let smtps_target = format!("smtps://127.0.0.1:{smtps}");
    lab.agrees_with_scan(s, &smtps_target, "mail.ports.mxray.test");

    // IMAP (Dovecot) on imap.: the certificate does not name it; Dovecot offers AUTH=PLAIN
    // and no LOGINDISABLED before STARTTLS to a 127.0.0.1 client: exposed.
    let i = &endpoint(&report, "imap.ports.mxray.test.", imap)["addresses"][0];
    assert_eq!(i["certificate"]["covers_name"], false);
    assert_eq!(i["plaintext_login"]["exposed"], true, "{:#}", i["plaintext_login"]);
    assert_eq!(i["plaintext_login"]["login_before_tls"], true);

    // imaps: imap. owns the full scan, DANE mismatch; mail. shares the address and port and
    // costs one connection (one handshake with its SNI), and its certificate covers it.
    let owner = &endpoint(&report, "imap.ports.mxray.test.", imaps)["addresses"][0];
    assert_eq!(owner["full_scan"], true);
    assert_eq!(owner["dane"]["verdict"], "mismatch", "{:#}", owner["dane"]);
    assert!(owner["connections"].as_u64().unwrap() > 5, "{}", owner["connections"]);
    let shared = &endpoint(&report, "mail.ports.mxray.test.", imaps)["addresses"][0];
    assert_eq!(shared["full_scan"], false);
    assert_eq!(shared["scan_of"], "imap.ports.mxray.test.");
    assert_eq!(shared["scan"], Value::Null);
    assert_eq!(shared["connections"], 1);
    // Graded with its own chain and SNI: the owner's is capped for the name mismatch, its
    // is not, and the rest of the grade is the shared scan's.
    assert_eq!(owner["grade"], "M");
    assert_ne!(shared["grade"], "M");
    assert_eq!(shared["certificate"]["covers_name"], true, "{:#}", shared["certificate"]);
    let imaps_target = format!("imaps://127.0.0.1:{imaps}");
    lab.agrees_with_scan(owner, &imaps_target, "imap.ports.mxray.test");
    // The shared name's grade (the shared findings with its own chain and SNI) is what a
    // full scan with its SNI gives.
    lab.agrees_with_scan(shared, &imaps_target, "mail.ports.mxray.test");

    // HTTPS on the usual names (lab port): one full scan for the address and port, the other
    // names one handshake each; autodiscover. gets its own certificate, the others nginx's
    // default site's.
    let on_https: Vec<&Value> = endpoints
        .iter()
        .filter(|e| e["port"] == https && !e["addresses"].as_array().unwrap().is_empty())
        .collect();
    assert_eq!(on_https.len(), 5, "mx1, mail, imap, autodiscover, webmail (smtp. and pop. have no address)");
    // --host: a candidate of its own, one handshake on the shared address and port.
    let webmail = cp["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "webmail.ports.mxray.test.")
        .unwrap();
    assert_eq!(webmail["origins"][0]["kind"], "host");
    let w = &endpoint(&report, "webmail.ports.mxray.test.", https)["addresses"][0];
    assert_eq!(w["full_scan"], false);
    assert_eq!(w["connections"], 1);
    let full: Vec<&Value> =
        on_https.iter().filter(|e| e["addresses"][0]["full_scan"] == true).copied().collect();
    assert_eq!(full.len(), 1);
    let auto = &endpoint(&report, "autodiscover.ports.mxray.test.", https)["addresses"][0];
    assert_eq!(auto["certificate"]["covers_name"], true, "{:#}", auto["certificate"]);
    let mx1 = &endpoint(&report, "mx1.ports.mxray.test.", https)["addresses"][0];
    assert_eq!(mx1["certificate"]["covers_name"], false);

    // Plain HTTP (lab port): every name that reaches 127.0.0.1 is asked once; nginx's
    // default site redirects to https on the same host, webmail. serves content.
    let http = lab.nginx.http_addr().unwrap().port();
    let verdict = |name: &str| {
        let a = &endpoint(&report, name, http)["addresses"][0];
        a["http_redirect"]["verdict"].clone()
    };
    // Cost: one connect check for the address and port, then one request per name.
    let on_http: Vec<&Value> = endpoints
        .iter()
        .filter(|e| e["port"] == http && !e["addresses"].as_array().unwrap().is_empty())
        .collect();
    let cost: u64 = on_http.iter().map(|e| e["addresses"][0]["connections"].as_u64().unwrap()).sum();
    assert_eq!(cost, on_http.len() as u64 + 1, "{on_http:#?}");
    let auto_http = verdict("autodiscover.ports.mxray.test.");
    assert_eq!(auto_http["verdict"], "redirect_to_https", "{auto_http:#}");
    assert_eq!(auto_http["location"], "https://autodiscover.ports.mxray.test/");
    assert_eq!(auto_http["same_host"], true);
    assert_eq!(verdict("mx1.ports.mxray.test.")["verdict"], "redirect_to_https");
    let web_http = verdict("webmail.ports.mxray.test.");
    assert_eq!(web_http["verdict"], "content", "{web_http:#}");
    assert_eq!(web_http["status"], 200);

    // Closed ports: the standard client ports of 127.0.0.1 (nothing of the lab listens there;
    // a machine that runs its own mail servers may have some open, so the set is read from
    // the report). Each costs one connect per address and port, shared by the five names
    // that reach 127.0.0.1, and is no finding.
    let mut closed_ports = std::collections::BTreeSet::new();
    let mut closed_cost = 0;
    for e in endpoints {
        for a in e["addresses"].as_array().unwrap() {
            if a["state"]["state"] == "closed" {
                closed_ports.insert(e["port"].as_u64().unwrap());
                closed_cost += a["connections"].as_u64().unwrap();
            }
        }
    }
    assert!(!closed_ports.is_empty());
    assert_eq!(closed_cost, closed_ports.len() as u64, "one connect per closed address and port");
    if closed_ports.contains(&993) {
        assert_eq!(
            endpoint(&report, "mail.ports.mxray.test.", 993)["addresses"][0]["state"]["state"],
            "closed"
        );
    }
    // A name with no address (pop.) is listed, with no address checks.
    assert!(endpoint(&report, "pop.ports.mxray.test.", 995)["addresses"].as_array().unwrap().is_empty());

    // Findings: what an administrator must act on.
    let findings = cp["findings"].as_array().unwrap();
    let has = |id: &str, text: &str| {
        findings.iter().any(|f| f["id"] == id && f["message"].as_str().unwrap().contains(text))
    };
    assert!(has("client.plaintext-login", &format!("imap.ports.mxray.test:{imap}")), "{findings:#?}");
    assert!(has("client.certificate-name", &format!("imap.ports.mxray.test:{imaps}")), "{findings:#?}");
    assert!(has("client.dane-mismatch", &format!("imap.ports.mxray.test:{imaps}")), "{findings:#?}");
    assert!(!has("client.plaintext-login", &format!(":{submission}")), "{findings:#?}");
    assert!(
        !findings.iter().any(|f| f["id"].as_str().unwrap().starts_with("submission.")
            && f["message"].as_str().unwrap().contains(&format!(":{submission}"))),
        "{findings:#?}"
    );
    assert!(
        has("submission.plaintext_auth", &format!("legacy.ports.mxray.test:{plain_auth}")),
        "{findings:#?}"
    );
    assert!(has("http.plaintext_content", "webmail.ports.mxray.test"), "{findings:#?}");
    assert!(!has("http.plaintext_content", "autodiscover.ports.mxray.test"), "{findings:#?}");
    assert!(!has("client.dane-mismatch", &format!(":{smtps}")), "{findings:#?}");
    assert!(
        !findings.iter().any(|f| f["message"].as_str().unwrap().contains(":993 ")),
        "closed is no finding"
    );

    // The terminal section: one row per open endpoint, closed ports on one line.
    let text =
        String::from_utf8(lab.domain("ports.mxray.test", &["--host", "webmail.ports.mxray.test"]).stdout)
            .unwrap();
    eprintln!("{text}");
    let row = |name: &str, port: u16| {
        text.lines()
            .find(|l| l.trim_start().starts_with(name) && l.contains(&format!(" {port} ")))
            .unwrap_or("")
    };
    assert!(row("imap.ports.mxray.test", imap).contains("EXPOSED"), "{text}");
    assert!(row("imap.ports.mxray.test", imaps).contains("MISMATCH"), "{text}");
    assert!(row("mail.ports.mxray.test", imaps).contains("(shared scan)"), "{text}");
    assert!(row("mail.ports.mxray.test", smtps).contains("match"), "{text}");
    assert!(row("mail.ports.mxray.test", submission).contains("TLS required"), "{text}");
    assert!(row("legacy.ports.mxray.test", plain_auth).contains("AUTH ACCEPTED IN PLAINTEXT"), "{text}");
    assert!(row("webmail.ports.mxray.test", http).contains("SERVES CONTENT (200)"), "{text}");
    assert!(
        row("autodiscover.ports.mxray.test", http).contains("301 to https://autodiscover.ports.mxray.test/"),
        "{text}"
    );
    let closed =
        text.lines().find(|l| l.trim_start().starts_with("closed or filtered on 127.0.0.1:")).unwrap_or("");
    assert!(closed.contains("mail.ports.mxray.test"), "{text}");

    // A small domain: null MX, a "." SRV, and POP3 with STLS, where Dovecot announces USER
    // (and SASL PLAIN) before STLS to a 127.0.0.1 client. The terminal section, then
    // --no-client-ports.
    let pop3 = lab.dovecot.addr(Protocol::Pop3).unwrap().port();
    let text = String::from_utf8(lab.domain("poponly.mxray.test", &[]).stdout).unwrap();
    assert!(text.contains("Client-facing ports"), "{text}");
    assert!(text.contains("SRV _imaps._tcp.poponly.mxray.test.: \".\": decidedly not available"), "{text}");
    assert!(text.contains("no address: mail.poponly.mxray.test"), "{text}");
    let row = text
        .lines()
        .find(|l| l.trim_start().starts_with("pop.poponly.mxray.test") && l.contains(&format!(" {pop3} ")))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(row.contains("pop3") && row.contains("EXPOSED (") && row.contains("USER"), "{row}");
    assert!(text.contains("client.plaintext-login"), "{text}");
    let off: Value =
        serde_json::from_slice(&lab.domain("poponly.mxray.test", &["--no-client-ports", "--json"]).stdout)
            .unwrap();
    assert_eq!(off["client_ports"], Value::Null);
}
