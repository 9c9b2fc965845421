//! `mxray_core::headers` on `Received:` fields written by a real Postfix 3.7: a Postfix from
//! the harness ([`PostfixOptions::with_mailbox`]) receives messages over STARTTLS from
//! `openssl s_client` (TLS 1.3, TLS 1.2 with a chosen suite, TLS 1.3 with a client
//! certificate) and delivers them into an mbox file; the analysis of each delivered
//! message must name the version and suite the client itself says it negotiated, and
//! the client certificate Postfix saw.
//!
//! With `MXRAY_WRITE_HEADER_FIXTURES=1` the delivered messages are also written to
//! `crates/mxray-core/tests/fixtures/headers/captured/` (how: that directory's README).

use std::path::Path;
use std::time::Duration;

use mxray_core::headers::{self, HeadersReport, Transport};
use mxray_tests::{
    CertSet, CertSpec, MAILBOX_DOMAIN, Negotiated, Postfix, PostfixOptions, SmtpTlsOptions, TlsProfile,
    WorkDir, send_starttls,
};

/// One message to send: fixture name, TLS options, whether a client certificate is sent.
struct Case {
    name: &'static str,
    tls: SmtpTlsOptions,
    client_cert: bool,
}

fn message(name: &str, recipient: &str) -> String {
    format!(
        "From: mxray test <sender@client.test.example>\nTo: <{recipient}>\nSubject: mxray header fixture {name}\n\
         Date: Sun, 22 Nov 2026 12:00:00 +0000\nMessage-ID: <{name}@client.test.example>\n\
         MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\nA test message for {name}.\n"
    )
}

/// Splits an mbox into messages (each starting with its `From ` line).
fn split_mbox(mbox: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in mbox.split_inclusive('\n') {
        if line.starts_with("From ") || out.is_empty() {
            out.push(String::new());
        }
        if let Some(last) = out.last_mut() {
            last.push_str(line);
        }
    }
    out
}

/// The newest hop: the one the harness's Postfix wrote.
fn check(report: &HeadersReport, sent: &Negotiated, client_cert: bool, raw: &str) {
    let hop = report.hops.last().unwrap_or_else(|| panic!("no hops in\n{raw}"));
    assert_eq!(hop.transport, Transport::Tls, "{raw}");
    assert_eq!(hop.mta, Some("Postfix"), "{raw}");
    assert_eq!(hop.protocol.as_deref(), Some("ESMTPS"), "{raw}");
    assert_eq!(hop.from.as_ref().and_then(|f| f.ip.as_deref()), Some("127.0.0.1"), "{raw}");
    assert_eq!(hop.by.as_ref().and_then(|b| b.name.as_deref()), Some(CertSet::HOST), "{raw}");
    assert!(hop.timestamp.is_some() && hop.id.is_some(), "{raw}");
    let tls = hop.tls.as_ref().unwrap_or_else(|| panic!("no TLS annotation read from\n{raw}"));
    assert_eq!(tls.syntax, "using", "{raw}");
    assert_eq!(tls.version_name, Some(sent.protocol.as_str()), "{raw}");
    let suite = tls.suite.as_ref().unwrap_or_else(|| panic!("suite not mapped in\n{raw}"));
    assert!(
        suite.openssl == Some(sent.cipher.as_str()) || suite.iana == sent.cipher,
        "client negotiated {}, analysis says {suite:?}\n{raw}",
        sent.cipher
    );
    let cert =
        tls.client_certificate.as_ref().unwrap_or_else(|| panic!("no client-certificate line in\n{raw}"));
    assert_eq!(cert.requested, Some(true), "{raw}");
    assert_eq!(cert.presented, Some(client_cert), "{raw}");
    if client_cert {
        assert_eq!(cert.subject_cn.as_deref(), Some("client.test.example"), "{raw}");
        assert!(cert.issuer_cn.is_some() && cert.verified.is_some(), "{raw}");
    }
    assert!(hop.grade.as_ref().and_then(|g| g.strength).is_some(), "{raw}");
}

#[test]
fn postfix_received_fields_name_the_tls_the_client_negotiated() {
    let dir = WorkDir::new("headers-real").expect("work dir");
    let mut certs = CertSet::standard(dir.path()).expect("certificates");
    let client = certs.issue(&CertSpec::leaf("client", "client.test.example")).expect("client certificate");
    let postfix = Postfix::start(&PostfixOptions::new(TlsProfile::Strong).with_mailbox(), &certs)
        .expect("starting Postfix");

    let cases = [
        Case {
            name: "postfix-3.7-tls13",
            tls: SmtpTlsOptions { version_flag: Some("-tls1_3"), ..SmtpTlsOptions::default() },
            client_cert: false,
        },
        Case {
            name: "postfix-3.7-tls12-ecdhe-rsa-aes128-gcm",
            tls: SmtpTlsOptions {
                version_flag: Some("-tls1_2"),
                cipher: Some("ECDHE-RSA-AES128-GCM-SHA256".to_owned()),
                ..SmtpTlsOptions::default()
            },
            client_cert: false,
        },
        Case {
            name: "postfix-3.7-tls13-chacha20-client-cert",
            tls: SmtpTlsOptions {
                version_flag: Some("-tls1_3"),
                ciphersuites: Some("TLS_CHACHA20_POLY1305_SHA256".to_owned()),
                client_cert: Some((client.cert.clone(), client.key.clone())),
                ..SmtpTlsOptions::default()
            },
            client_cert: true,
        },
        Case {
            name: "postfix-3.7-tls12-client-cert",
            tls: SmtpTlsOptions {
                version_flag: Some("-tls1_2"),
                cipher: Some("ECDHE-RSA-CHACHA20-POLY1305".to_owned()),
                client_cert: Some((client.cert.clone(), client.key.clone())),
                ..SmtpTlsOptions::default()
            },
            client_cert: true,
        },
    ];
    let mut sent = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let recipient = format!("{}@{MAILBOX_DOMAIN}", case.name);
        let negotiated = send_starttls(
            postfix.smtp_addr(),
            &case.tls,
            "sender@client.test.example",
            &recipient,
            &message(case.name, &recipient),
        )
        .unwrap_or_else(|e| panic!("{}: {e:#}\nmaillog:\n{}", case.name, postfix.log()));
        sent.push(negotiated);
        postfix.wait_for_messages(i + 1, Duration::from_secs(20)).expect("delivery");
    }
    let mbox = postfix.mailbox();
    let messages = split_mbox(&mbox);
    assert_eq!(messages.len(), cases.len(), "{mbox}");
    let write = std::env::var_os("MXRAY_WRITE_HEADER_FIXTURES").is_some();
    for ((case, negotiated), raw) in cases.iter().zip(&sent).zip(&messages) {
        assert!(raw.contains(&format!("Subject: mxray header fixture {}", case.name)), "{raw}");
        let report = headers::analyse(raw).unwrap_or_else(|e| panic!("{}: {e}\n{raw}", case.name));
        check(&report, negotiated, case.client_cert, raw);
        if write {
            let out = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../crates/mxray-core/tests/fixtures/headers/captured")
                .join(format!("{}.eml", case.name));
            std::fs::write(&out, raw).unwrap_or_else(|e| panic!("writing {}: {e}", out.display()));
            eprintln!("wrote {} (client: {} {})", out.display(), negotiated.protocol, negotiated.cipher);
        }
    }
}

#[test]
fn a_weak_postfix_hop_is_graded_weak() {
    let dir = WorkDir::new("headers-real-weak").expect("work dir");
    let certs = CertSet::standard(dir.path()).expect("certificates");
    let postfix = Postfix::start(&PostfixOptions::new(TlsProfile::Weak).with_mailbox(), &certs)
        .expect("starting Postfix");
    let name = "postfix-3.7-tls10-aes256-sha";
    let recipient = format!("{name}@{MAILBOX_DOMAIN}");
    let tls = SmtpTlsOptions {
        version_flag: Some("-tls1"),
        cipher: Some("AES256-SHA:@SECLEVEL=0".to_owned()),
        ..SmtpTlsOptions::default()
    };
    let sent = send_starttls(
        postfix.smtp_addr(),
        &tls,
        "sender@client.test.example",
        &recipient,
        &message(name, &recipient),
    )
    .unwrap_or_else(|e| panic!("{name}: {e:#}\nmaillog:\n{}", postfix.log()));
    assert_eq!((sent.protocol.as_str(), sent.cipher.as_str()), ("TLSv1", "AES256-SHA"));
    let raw = postfix.wait_for_messages(1, Duration::from_secs(20)).expect("delivery");
    let report = headers::analyse(&raw).unwrap_or_else(|e| panic!("{e}\n{raw}"));
    let hop = report.hops.last().expect("a hop");
    let tls = hop.tls.as_ref().unwrap_or_else(|| panic!("no TLS in\n{raw}"));
    // s_client says `TLSv1`; the analysis names it `TLSv1.0`.
    assert_eq!(tls.version_name, Some("TLSv1.0"), "{raw}");
    assert_eq!(tls.suite.as_ref().map(|s| s.iana), Some("TLS_RSA_WITH_AES_256_CBC_SHA"), "{raw}");
    let grade = hop.grade.as_ref().expect("a grade");
    assert_eq!(grade.strength, Some(mxray_core::report::Strength::Weak), "{raw}");
    assert!(
        grade.reason.contains("TLSv1.0 is outdated") && grade.reason.contains("no forward secrecy"),
        "{grade:?}"
    );
    if std::env::var_os("MXRAY_WRITE_HEADER_FIXTURES").is_some() {
        let out = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../crates/mxray-core/tests/fixtures/headers/captured")
            .join(format!("{name}.eml"));
        std::fs::write(&out, &raw).unwrap_or_else(|e| panic!("writing {}: {e}", out.display()));
    }
}
