//! The MTA-STS policy fetch ([`fetch_policy`]) against a real nginx serving HTTPS on
//! 127.0.0.1, one virtual host per case, each with a certificate from the harness's test
//! CA (or broken on purpose). `mta-sts.CASE.test` is "resolved" by passing nginx's address,
//! so SNI, `Host` and the name check use the real policy host name.
//!
//! Cases: a good policy (enforce), testing mode, a missing policy (404), a malformed
//! policy, a policy whose `mx` patterns miss the MX, the wrong content type, a redirect, a
//! certificate for another name, a self-signed (untrusted) certificate, an expired one, a
//! body over 64 KiB, the test CA not trusted; and without nginx: nothing listening, and a
//! server that accepts and never answers (timeout).

use std::net::{SocketAddr, TcpListener};
use std::time::{Duration, Instant};

use mxray_core::policy::mta_sts::{self, Mode};
use mxray_net::mta_sts::{FetchError, FetchOptions, FetchedPolicy, fetch_policy};
use mxray_tests::nginx::{Answer, Nginx, Site};
use mxray_tests::{CertSet, CertSpec, KeyType, Validity, WorkDir, net};

const PATH: &str = "/.well-known/mta-sts.txt";
const GOOD: &str = "version: STSv1\nmode: enforce\nmx: mx1.good.test\nmx: *.mx.good.test\nmax_age: 1209600\n";

/// The nginx with every case, the test CA (DER) and the work dir holding the certificates.
struct Lab {
    nginx: Nginx,
    ca: Vec<u8>,
    _dir: WorkDir,
}

fn lab() -> anyhow::Result<Lab> {
    let dir = WorkDir::new("mta-sts")?;
    let mut set = CertSet::empty(dir.path())?;
    set.issue(&CertSpec::ca(CertSet::CA, "mxray test CA").self_signed())?;
    let leaf = |set: &mut CertSet, case: &str, spec: CertSpec| {
        set.issue(&spec.key(KeyType::EcP256)).map(|c| (case.to_owned(), c))
    };
    let host = |case: &str| format!("mta-sts.{case}.test");
    let mut sites = Vec::new();
    let mut add =
        |set: &mut CertSet, case: &str, spec: Option<CertSpec>, answer: Answer| -> anyhow::Result<()> {
            let spec = spec.unwrap_or_else(|| CertSpec::leaf(case, &host(case)));
            let (_, cert) = leaf(set, case, spec)?;
            sites.push(Site::new(&host(case), &cert, PATH, answer));
            Ok(())
        };
    add(&mut set, "good", None, Answer::text(GOOD))?;
    add(
        &mut set,
        "crlf",
        None,
        Answer::File {
            body: GOOD.replace('\n', "\r\n").into_bytes(),
            content_type: "text/plain; charset=utf-8".into(),
        },
    )?;
    add(&mut set, "testing", None, Answer::text(&GOOD.replace("enforce", "testing")))?;
    add(&mut set, "missing", None, Answer::Status(404))?;
    add(&mut set, "malformed", None, Answer::text("version: STSv1\nmode: enforce\nmax_age: forever\n"))?;
    add(
        &mut set,
        "mismatch",
        None,
        Answer::text("version: STSv1\nmode: enforce\nmx: mx.elsewhere.test\nmax_age: 1209600\n"),
    )?;
    add(
        &mut set,
        "html",
        None,
        Answer::File { body: GOOD.as_bytes().to_vec(), content_type: "text/html".into() },
    )?;
    add(
        &mut set,
        "redirect",
        None,
        Answer::Redirect { status: 301, location: format!("https://{}{PATH}", host("good")) },
    )?;
    add(&mut set, "wrongname", Some(CertSpec::leaf("wrongname", "www.other.test")), Answer::text(GOOD))?;
    add(
        &mut set,
        "untrusted",
        Some(CertSpec::leaf("untrusted", &host("untrusted")).self_signed()),
        Answer::text(GOOD),
    )?;
    add(
        &mut set,
        "expired",
        Some(CertSpec::leaf("expired", &host("expired")).validity(Validity::days(-30, -1))),
        Answer::text(GOOD),
    )?;
    let mut big = GOOD.to_owned();
    while big.len() <= mta_sts::MAX_POLICY_SIZE {
        big.push_str("comment: padding the policy beyond the RFC 8461 size bound\n");
    }
    add(&mut set, "big", None, Answer::text(&big))?;
    let nginx = Nginx::start(&sites)?;
    let ca = mxray_core::x509::split_pem(&std::fs::read_to_string(&set.get(CertSet::CA)?.cert)?)?.remove(0);
    Ok(Lab { nginx, ca, _dir: dir })
}

/// Options trusting only the test CA, pointing every name at `addr`.
fn options(addr: SocketAddr, ca: &[u8]) -> FetchOptions {
    FetchOptions {
        webpki_roots: false,
        extra_roots: vec![ca.to_vec()],
        timeout: Duration::from_secs(5),
        ..FetchOptions::new(vec![addr])
    }
}

fn fetch(lab: &Lab, case: &str) -> Result<FetchedPolicy, FetchError> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(fetch_policy(&format!("{case}.test"), &options(lab.nginx.addr(), &lab.ca)))
}

#[test]
fn policy_fetch_outcomes_against_nginx() {
    let lab = lab().expect("starting nginx with the MTA-STS cases (run `cargo xtask setup`?)");

    // Good: enforce, both line endings, charset parameter allowed; the chain is recorded.
    for case in ["good", "crlf"] {
        let got = fetch(&lab, case).unwrap_or_else(|e| panic!("{case}: {e}\n{}", lab.nginx.log()));
        assert_eq!(got.url, format!("https://mta-sts.{case}.test{PATH}"));
        assert_eq!((got.policy.mode, got.policy.max_age, got.policy.mx.len()), (Mode::Enforce, 1_209_600, 2));
        assert!(got.check.findings.is_empty(), "{case}: {:?}", got.check.findings);
        assert_eq!(got.chain.len(), 1, "{case}: the leaf (the test CA is the root)");
        let eval = mta_sts::evaluate(&got.policy, &["mx1.good.test", "b.mx.good.test"]);
        assert!(eval.all_covered() && eval.findings.is_empty(), "{case}: {eval:?}");
    }

    let testing = fetch(&lab, "testing").expect("testing");
    assert_eq!(testing.policy.mode, Mode::Testing);
    assert_eq!(testing.check.findings[0].id, mta_sts::ids::MODE_TESTING);

    match fetch(&lab, "missing") {
        Err(FetchError::Status { status: 404, .. }) => {}
        other => panic!("missing: {other:?}"),
    }
    match fetch(&lab, "malformed") {
        Err(FetchError::Malformed { check, .. }) => {
            assert!(check.error.as_deref().unwrap_or_default().contains("max_age"), "{check:?}");
            assert_eq!(check.findings[0].id, mta_sts::ids::INVALID_POLICY);
        }
        other => panic!("malformed: {other:?}"),
    }

    // The policy is fine; the MX host it is checked against is not in it.
    let mismatch = fetch(&lab, "mismatch").expect("mismatch");
    let eval = mta_sts::evaluate(&mismatch.policy, &["mx1.mismatch.test"]);
    assert!(!eval.all_covered());
    let ids: Vec<&str> = eval.findings.iter().map(|f| f.id).collect();
    assert_eq!(ids, [mta_sts::ids::MX_NOT_COVERED, mta_sts::ids::UNUSED_PATTERN]);

    match fetch(&lab, "html") {
        Err(FetchError::ContentType { content_type, .. }) => assert_eq!(content_type, "text/html"),
        other => panic!("html: {other:?}"),
    }
    match fetch(&lab, "redirect") {
        Err(FetchError::Redirect { status: 301, location, .. }) => {
            assert_eq!(location.as_deref(), Some("https://mta-sts.good.test/.well-known/mta-sts.txt"));
        }
        other => panic!("redirect: {other:?}"),
    }
    match fetch(&lab, "big") {
        Err(FetchError::TooLarge { max, .. }) => assert_eq!(max, mta_sts::MAX_POLICY_SIZE),
        other => panic!("big: {other:?}"),
    }

    // Certificate failures carry the verifier's reason and the presented chain.
    for (case, reason) in [
        ("wrongname", "not valid for name \"mta-sts.wrongname.test\""),
        ("untrusted", "UnknownIssuer"),
        ("expired", "expired"),
    ] {
        match fetch(&lab, case) {
            Err(FetchError::Tls { reason: got, chain, .. }) => {
                assert!(got.contains(reason), "{case}: {got}");
                assert_eq!(chain.len(), 1, "{case}");
            }
            other => panic!("{case}: {other:?}"),
        }
    }

    // The good site, but the test CA not trusted (only the Mozilla roots).
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mozilla_only =
        FetchOptions { timeout: Duration::from_secs(5), ..FetchOptions::new(vec![lab.nginx.addr()]) };
    match rt.block_on(fetch_policy("good.test", &mozilla_only)) {
        Err(FetchError::Tls { reason, .. }) => assert!(reason.contains("UnknownIssuer"), "{reason}"),
        other => panic!("good without the test CA: {other:?}"),
    }

    // The nine requests that got past TLS reached nginx with the policy host in SNI and in
    // Host; the redirect was not followed (one request for mta-sts.good.test only).
    let log = lab.nginx.access_log();
    let lines: Vec<Vec<&str>> = log.lines().map(|l| l.split(' ').collect()).collect();
    assert_eq!(lines.len(), 9, "{log}");
    for l in &lines {
        assert!(l[0].starts_with("mta-sts.") && l[0] == l[1], "{log}");
        assert_eq!(l[3..].join(" "), "\"GET /.well-known/mta-sts.txt HTTP/1.1\"", "{log}");
    }
    assert_eq!(lines.iter().filter(|l| l[0] == "mta-sts.good.test").count(), 1, "{log}");
}

#[test]
fn nothing_listening_is_a_connect_error() {
    let port = net::free_port().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let opts = options(net::loopback(port), b"unused");
    let opts = FetchOptions { extra_roots: Vec::new(), webpki_roots: true, ..opts };
    match rt.block_on(fetch_policy("closed.test", &opts)) {
        Err(FetchError::Connect { reason, .. }) => {
            assert!(reason.to_lowercase().contains("refused"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_silent_server_is_a_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    // Accepts and holds the connection without a byte of TLS.
    let holder = std::thread::spawn(move || listener.accept().map(|(s, _)| s));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let opts = FetchOptions { timeout: Duration::from_millis(700), ..FetchOptions::new(vec![addr]) };
    let start = Instant::now();
    let result = rt.block_on(fetch_policy("silent.test", &opts));
    let took = start.elapsed();
    assert!(matches!(result, Err(FetchError::Timeout { .. })), "{result:?}");
    assert!(took >= Duration::from_millis(600) && took < Duration::from_secs(5), "{took:?}");
    drop(holder.join());
}
