//! The client-port probes of `mxray domain` against real servers from the harness:
//!
//! - "TLS before MAIL FROM and AUTH" ([`probe_submission`]) against Postfix: its submission
//!   port (`smtpd_tls_security_level = encrypt`) must refuse both with `530 5.7.0 Must
//!   issue a STARTTLS command first`; its smtp port (`may`, no AUTH) accepts MAIL in
//!   plaintext and has no AUTH (`503`); the extra port of
//!   [`PostfixOptions::with_plaintext_auth`] (`may`, `smtpd_tls_auth_only = no`, Dovecot
//!   SASL) answers `334` to AUTH PLAIN, which the probe cancels with `*`. Each probe opens
//!   exactly one connection (Postfix's own `connect from` count) and no authentication
//!   reaches the SASL back end.
//! - "Plain HTTP only redirects to HTTPS" ([`probe_http_redirect`]) against nginx's plain
//!   listener ([`Nginx::start_with_http`]): a host with `return 301
//!   https://$host$request_uri;`, a host serving a page, a host redirecting to another
//!   plain-HTTP host, and an unknown `Host` (the default server).

use std::time::{Duration, Instant};

use mxray_core::http_redirect::{self, HttpVerdict};
use mxray_core::starttls::submission::{
    FINDING_PLAINTEXT_AUTH, FINDING_PLAINTEXT_MAIL, GateOutcome, Role, SubmissionConfig, SubmissionVerdict,
};
use mxray_net::http_redirect::{probe_http_path, probe_http_redirect};
use mxray_net::submission::probe_submission;
use mxray_net::transport::Timeouts;
use mxray_tests::nginx::{Answer, HttpSite, Nginx, Site};
use mxray_tests::postfix::PostfixOptions;
use mxray_tests::{CertSet, CertSpec, KeyType, Testbed, TlsProfile, WorkDir};

fn timeouts() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(3),
        idle: Duration::from_secs(3),
        exchange: Duration::from_secs(10),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// Polls `f` until it is true or 3 s pass (Postfix logs through postlogd, asynchronously).
fn eventually(mut f: impl FnMut() -> bool) -> bool {
    let until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < until {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    f()
}

#[test]
fn submission_probe_against_postfix() {
    let bed = Testbed::builder()
        .postfix_with(PostfixOptions::new(TlsProfile::Strong).with_plaintext_auth())
        .start()
        .unwrap_or_else(|e| panic!("{e:#}"));
    let postfix = &bed.postfix[0];
    let rt = runtime();
    let config =
        || SubmissionConfig { mail_from: "postmaster@probe.test".into(), ..SubmissionConfig::default() };
    let mut connects = postfix.connect_count();
    let mut one_connection = |what: &str| {
        let expected = connects + 1;
        assert!(eventually(|| postfix.connect_count() >= expected), "{what}: no connection logged");
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(postfix.connect_count(), expected, "{what}: one connection\n{}", postfix.log());
        connects = expected;
    };

    // Submission: encrypt. Both MAIL and AUTH get Postfix's 530.
    let started = Instant::now();
    let probe = rt.block_on(probe_submission(postfix.submission_addr(), config(), timeouts()));
    let took = started.elapsed();
    assert_eq!(probe.verdict(), SubmissionVerdict::TlsRequired, "{probe:#?}");
    for gate in [&probe.mail, &probe.auth] {
        let gate = gate.as_ref().unwrap();
        assert_eq!(gate.outcome, GateOutcome::TlsRequired);
        assert_eq!(
            (gate.reply.code, gate.reply.text.as_str()),
            (530, "5.7.0 Must issue a STARTTLS command first")
        );
    }
    assert!(probe.starttls_advertised && probe.auth_advertised.is_empty(), "{probe:#?}");
    assert!(probe.findings(Role::Submission).is_empty());
    eprintln!("submission (encrypt): {took:?}, {} bytes in, {} out", probe.bytes_in, probe.bytes_out);
    one_connection("submission");

    // SMTP: may, no AUTH. MAIL is accepted (and reset), AUTH is not enabled.
    let probe = rt.block_on(probe_submission(postfix.smtp_addr(), config(), timeouts()));
    assert_eq!(
        probe.verdict(),
        SubmissionVerdict::PlaintextAccepted { mail: true, auth: false },
        "{probe:#?}"
    );
    let mail = probe.mail.as_ref().unwrap();
    assert_eq!((mail.reply.code, mail.reply.text.as_str()), (250, "2.1.0 Ok"));
    assert_eq!(probe.rset.as_ref().map(|r| r.code), Some(250));
    let auth = probe.auth.as_ref().unwrap();
    assert_eq!((auth.outcome, auth.reply.code), (GateOutcome::NotOffered, 503), "{auth:?}");
    assert!(probe.findings(Role::Mx).is_empty(), "{:?}", probe.findings(Role::Mx));
    let ids: Vec<_> = probe.findings(Role::Submission).iter().map(|f| f.id).collect();
    assert_eq!(ids, [FINDING_PLAINTEXT_MAIL]);
    one_connection("smtp");

    // The misconfigured port: AUTH before TLS with Dovecot SASL behind it.
    let addr = postfix.plaintext_auth_addr().unwrap();
    let probe = rt.block_on(probe_submission(addr, config(), timeouts()));
    eprintln!("plaintext-auth port: {probe:#?}");
    assert_eq!(
        probe.verdict(),
        SubmissionVerdict::PlaintextAccepted { mail: true, auth: true },
        "{probe:#?}"
    );
    assert_eq!(probe.auth.as_ref().map(|g| g.reply.code), Some(334));
    let cancel = probe.auth_cancel.as_ref().unwrap();
    assert!(cancel.code == 501 || cancel.code == 535, "{cancel:?}");
    assert!(probe.auth_advertised.iter().any(|m| m == "PLAIN"), "{probe:#?}");
    let ids: Vec<_> = probe.findings(Role::Submission).iter().map(|f| f.id).collect();
    assert_eq!(ids, [FINDING_PLAINTEXT_AUTH, FINDING_PLAINTEXT_MAIL]);
    one_connection("plaintext-auth");

    // No credential: Postfix never logged a SASL login or a failed password.
    let log = postfix.log();
    assert!(!log.contains("sasl_username") && !log.contains("authentication failed: UGFzc3dvcmQ6"), "{log}");
}

/// The nginx of the HTTP cases: HTTPS for `mail.probe.test`, and a plain listener with
/// the redirecting, serving and plain-redirecting hosts.
fn nginx() -> anyhow::Result<(Nginx, WorkDir)> {
    let dir = WorkDir::new("http-probe")?;
    let mut set = CertSet::empty(dir.path())?;
    set.issue(&CertSpec::ca(CertSet::CA, "mxray test CA").self_signed())?;
    let cert = set.issue(&CertSpec::leaf("mail", "mail.probe.test").key(KeyType::EcP256))?;
    let https = [Site::new("mail.probe.test", &cert, "/", Answer::text("webmail"))];
    let page =
        Answer::File { body: b"<html>webmail login</html>".to_vec(), content_type: "text/html".into() };
    let http = [
        HttpSite::redirect_to_https("mail.probe.test"),
        HttpSite::serve("plain.probe.test", "/", page),
        HttpSite::serve(
            "loop.probe.test",
            "/",
            Answer::Redirect { status: 302, location: "http://plain.probe.test/".into() },
        ),
    ];
    Ok((Nginx::start_with_http(&https, &http)?, dir))
}

#[test]
fn http_redirect_probe_against_nginx() {
    let (nginx, _dir) =
        nginx().unwrap_or_else(|e| panic!("starting nginx (run `cargo xtask setup`?): {e:#}"));
    let addr = nginx.http_addr().unwrap();
    let rt = runtime();
    let probe = |host: &str| rt.block_on(probe_http_redirect(addr, host, timeouts()));

    let redirect = probe("mail.probe.test");
    assert_eq!(
        redirect.verdict,
        HttpVerdict::RedirectToHttps {
            status: 301,
            location: "https://mail.probe.test/".into(),
            host: "mail.probe.test".into(),
            same_host: true,
        },
        "{}",
        nginx.log()
    );
    assert!(redirect.findings().is_empty());
    assert_eq!(redirect.head.as_ref().and_then(|h| h.server.as_deref()), Some("nginx"));

    // The request URI is kept: the autodiscover path comes back on https.
    let autodiscover =
        rt.block_on(probe_http_path(addr, "mail.probe.test", "/autodiscover/autodiscover.xml", timeouts()));
    match &autodiscover.verdict {
        HttpVerdict::RedirectToHttps { location, same_host: true, .. } => {
            assert_eq!(location, "https://mail.probe.test/autodiscover/autodiscover.xml");
        }
        other => panic!("{other:?}"),
    }

    let plain = probe("plain.probe.test");
    assert_eq!(plain.verdict, HttpVerdict::Content { status: 200, reason: "OK".into() });
    assert_eq!(plain.findings()[0].id, http_redirect::FINDING_PLAINTEXT_CONTENT);
    // The head only: nginx's body (26 bytes) may come in the same segment, never more.
    let head_len = plain.head.as_ref().unwrap().head_len as u64;
    assert!(plain.bytes_in <= head_len + 26, "{} > {head_len} + 26", plain.bytes_in);

    let stays = probe("loop.probe.test");
    assert_eq!(
        stays.verdict,
        HttpVerdict::RedirectToHttp { status: 302, location: "http://plain.probe.test/".into() }
    );
    assert_eq!(stays.findings()[0].id, http_redirect::FINDING_REDIRECT_TO_HTTP);

    // An unknown Host lands on the default server (the first: the HTTPS redirect), which
    // redirects to https on the name asked for.
    match probe("other.probe.test").verdict {
        HttpVerdict::RedirectToHttps { host, same_host: true, .. } => assert_eq!(host, "other.probe.test"),
        other => panic!("{other:?}"),
    }

    // Every probe was one request with the name in Host.
    let log = nginx.access_log();
    let hosts: Vec<&str> = log.lines().filter_map(|l| l.split(' ').nth(1)).collect();
    assert_eq!(
        hosts,
        ["mail.probe.test", "mail.probe.test", "plain.probe.test", "loop.probe.test", "other.probe.test"],
        "{log}"
    );
}
