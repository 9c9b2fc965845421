//! Certificate retrieval, analysis and grading against real `openssl s_server`s: each case
//! serves a certificate made by the harness's test CA (or broken on purpose), is scanned
//! with [`scan_endpoint`] as `smtps://mail.test.example:PORT` with SNI `mail.test.example`,
//! and its [`EndpointReport`] is built against a trust store holding only the test CA.
//!
//! The cases are the ones of issue 4 ("Tests against real servers"): a good chain, a
//! self-signed SHA-1 RSA-1024 certificate, an expired one, one for another name, a chain
//! missing its intermediate, and a server with an RSA and an ECDSA certificate.
//!
//! The harness's leaves are valid for 30 days; the reports warn only within 14 days, so
//! that `x509.expiring-soon` does not show on the good chain.
//!
//! [`OpensslServer`] sends the leaf and then the intermediates of the [`Issued`] chain (the
//! chain file minus its leaf), as a correctly configured server does.

use std::sync::OnceLock;

use mxray_core::probe::ScanConfig;
use mxray_core::report::{CertContext, EndpointReport, Severity};
use mxray_core::target::Target;
use mxray_core::x509::{ChainReport, KeyKind, OcspStatus, TrustStore, ids};
use mxray_net::scan::{ScanOptions, scan_endpoint};
use mxray_tests::{CertSet, CertSpec, Issued, KeyType, OpensslServer, Validity, WorkDir};

/// The name every case is scanned for (and sends in SNI).
const HOST: &str = CertSet::HOST;

/// Certificates of the cases, by [`CertSpec`] name.
const GOOD: &str = "good";
const SHA1_SELF_SIGNED: &str = "sha1-self-signed";
const EXPIRED: &str = "expired";
const WRONG_NAME: &str = "wrong-name";
const INTERMEDIATE: &str = "intermediate";

/// The certificate set shared by every case, and the test CA as PEM.
struct Certs {
    _dir: WorkDir,
    set: CertSet,
    ca_pem: Vec<u8>,
}

fn certs() -> &'static Certs {
    static CERTS: OnceLock<Result<Certs, String>> = OnceLock::new();
    match CERTS.get_or_init(|| build_certs().map_err(|e| format!("{e:#}"))) {
        Ok(c) => c,
        Err(e) => panic!("the certs_real certificates could not be made (run `cargo xtask setup`?): {e}"),
    }
}

fn build_certs() -> anyhow::Result<Certs> {
    let dir = WorkDir::new("certs-real")?;
    let mut set = CertSet::standard(dir.path())?;
    set.issue(&CertSpec::ca(INTERMEDIATE, "mxray test intermediate"))?;
    set.issue(&CertSpec::leaf(GOOD, HOST).issued_by(INTERMEDIATE))?;
    set.issue(&CertSpec::leaf(SHA1_SELF_SIGNED, HOST).key(KeyType::Rsa(1024)).digest("sha1").self_signed())?;
    set.issue(&CertSpec::leaf(EXPIRED, HOST).validity(Validity::days(-30, -1)))?;
    set.issue(&CertSpec::leaf(WRONG_NAME, "other.example"))?;
    let ca_pem = std::fs::read(&set.get(CertSet::CA)?.cert)?;
    Ok(Certs { _dir: dir, set, ca_pem })
}

fn issued(name: &str) -> Issued {
    certs().set.get(name).unwrap_or_else(|e| panic!("{e:#}")).clone()
}

/// Starts `openssl s_server` with `cert` and `args`, scans it and builds its report.
fn scan(name: &str, cert: &Issued, args: &[&str]) -> EndpointReport {
    let server = OpensslServer::start(name, cert, args).unwrap_or_else(|e| panic!("{e:#}"));
    let addr = server.addr();
    let target: Target =
        format!("smtps://{HOST}:{}", addr.port()).parse().unwrap_or_else(|e| panic!("bad target: {e:?}"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let options =
        ScanOptions::new(addr.port(), None, ScanConfig { server_name: Some(HOST.into()), sslv2: false });
    let scan = runtime.block_on(scan_endpoint(addr, options));
    drop(server);
    assert!(scan.errors.is_empty(), "{name}: scan errors: {:?}", scan.errors);
    let trust = TrustStore::empty().with_extra(&certs().ca_pem).expect("the test CA parses");
    EndpointReport::new(
        &target,
        addr.to_string(),
        Some(HOST.into()),
        scan.dialogue.clone(),
        &scan.findings,
        scan.cost.clone(),
        scan.errors.clone(),
        CertContext { now_unix: unix_now(), trust: &trust, expiry_warning_days: 14 },
    )
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The first (and for single-certificate servers, only) chain of the report.
fn chain(report: &EndpointReport) -> &ChainReport {
    &report
        .certificates
        .first()
        .unwrap_or_else(|| panic!("{}: no certificate retrieved", report.target))
        .chain
}

fn finding_ids(chain: &ChainReport) -> Vec<&'static str> {
    chain.findings.iter().map(|f| f.id).collect()
}

/// Every retrieved chain (one per negotiated version and key type) says the same.
fn assert_every_chain(report: &EndpointReport, check: impl Fn(&ChainReport)) {
    assert!(!report.certificates.is_empty(), "{}: no certificate retrieved", report.target);
    for c in &report.certificates {
        check(&c.chain);
    }
}

#[test]
fn a_good_chain_validates_at_every_level_and_is_not_capped() {
    let report = scan("certs-good", &issued(GOOD), &[]);
    assert_every_chain(&report, |c| {
        assert_eq!(c.certificates.len(), 2, "leaf and intermediate are sent: {c:#?}");
        assert!(c.levels.encryption_only, "{:?}", c.levels);
        assert_eq!(c.levels.certificate, Ok(()), "{:?}", c.findings);
        assert_eq!(c.levels.domain, Ok(()), "{:?}", c.findings);
        let serious: Vec<_> = c
            .findings
            .iter()
            .filter(|f| f.id.starts_with("x509.") && f.severity >= Severity::Medium)
            .collect();
        assert!(serious.is_empty(), "unexpected findings: {serious:#?}");
        // The grading sees the intermediate too.
        let facts = mxray_core::grade::CertFacts::from_chain(c);
        assert_eq!(facts.intermediate_hash, Some(mxray_core::x509::SignatureHash::Sha256), "{facts:?}");
        assert_eq!(facts.incomplete_chain, Some(false));
    });
    assert!(!matches!(report.grade.as_str(), "T" | "M" | ""), "grade {}", report.grade);
}

#[test]
fn a_self_signed_sha1_rsa1024_certificate_is_untrusted_and_graded_t() {
    let report = scan("certs-sha1", &issued(SHA1_SELF_SIGNED), &["-cipher", "ALL:@SECLEVEL=0"]);
    let c = chain(&report);
    let found = finding_ids(c);
    for id in [ids::SELF_SIGNED, ids::SHA1_SIGNATURE, ids::WEAK_RSA_KEY] {
        assert!(found.contains(&id), "{id} missing from {found:?}");
    }
    assert!(c.levels.certificate.is_err(), "{:?}", c.levels);
    assert!(c.levels.domain.is_err(), "{:?}", c.levels);
    assert_eq!(report.grade, "T");
}

#[test]
fn an_expired_certificate_fails_validation_and_is_graded_t() {
    let report = scan("certs-expired", &issued(EXPIRED), &[]);
    let c = chain(&report);
    assert!(finding_ids(c).contains(&ids::EXPIRED), "{:?}", c.findings);
    assert!(c.levels.certificate.is_err(), "{:?}", c.levels);
    assert_eq!(report.grade, "T");
}

#[test]
fn a_certificate_for_another_name_fails_domain_validation_only_and_is_graded_m() {
    let report = scan("certs-wrong-name", &issued(WRONG_NAME), &[]);
    let c = chain(&report);
    assert!(finding_ids(c).contains(&ids::NAME_MISMATCH), "{:?}", c.findings);
    assert_eq!(c.levels.certificate, Ok(()), "{:?}", c.findings);
    assert!(c.levels.domain.is_err(), "{:?}", c.levels);
    assert_eq!(report.grade, "M");
}

#[test]
fn a_chain_missing_its_intermediate_is_incomplete() {
    // The server is given the leaf alone as its chain, so it sends no intermediate. mxray
    // reports the missing issuer as `x509.incomplete-chain`, the certificate level fails (no
    // path to the trusted root) and the grade is capped at T.
    let good = issued(GOOD);
    let leaf_only = Issued { chain: good.cert.clone(), ..good };
    let report = scan("certs-no-intermediate", &leaf_only, &[]);
    assert_every_chain(&report, |c| {
        let found = finding_ids(c);
        assert!(found.contains(&ids::INCOMPLETE_CHAIN), "{found:?}");
        assert!(c.levels.certificate.is_err(), "{:?}", c.levels);
        assert!(c.levels.domain.is_err(), "{:?}", c.levels);
        assert_eq!(c.certificates.len(), 1, "only the leaf is sent");
        assert!(!found.contains(&ids::EXTRA_CERTIFICATE), "{found:?}");
    });
    assert_eq!(report.grade, "T");
}

#[test]
fn a_dual_certificate_server_shows_its_rsa_and_ecdsa_chains() {
    let ecdsa = issued(CertSet::ECDSA);
    let (cert, key, chain_file) = (
        ecdsa.cert.display().to_string(),
        ecdsa.key.display().to_string(),
        ecdsa.chain.display().to_string(),
    );
    let report = scan(
        "certs-dual",
        &issued(CertSet::RSA),
        &["-dcert", &cert, "-dkey", &key, "-dcert_chain", &chain_file],
    );
    let kinds: Vec<KeyKind> =
        report.certificates.iter().filter_map(|c| c.chain.leaf()).map(|leaf| leaf.key.kind).collect();
    assert_eq!(report.certificates.len(), 2, "{kinds:?}");
    assert!(kinds.contains(&KeyKind::Rsa), "{kinds:?}");
    assert!(kinds.contains(&KeyKind::Ec), "{kinds:?}");
    assert_every_chain(&report, |c| {
        assert_eq!(c.levels.domain, Ok(()), "{:?}", c.findings);
    });
}

/// Runs `openssl ARGS…` in `dir`.
fn openssl(dir: &WorkDir, args: &[&str]) -> String {
    let out = std::process::Command::new("openssl")
        .current_dir(dir.path())
        .args(args)
        .output()
        .expect("running openssl");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// An OCSP response for `leaf`, signed by its issuer `ca`, saying it was revoked yesterday
/// (`openssl ocsp` as a responder over a hand-written index).
fn revoked_response(dir: &WorkDir, leaf: &Issued, ca: &Issued) -> std::path::PathBuf {
    let (leaf_cert, ca_cert, ca_key) =
        (leaf.cert.display().to_string(), ca.cert.display().to_string(), ca.key.display().to_string());
    let serial = openssl(dir, &["x509", "-in", &leaf_cert, "-noout", "-serial"]);
    let serial = serial.trim().trim_start_matches("serial=");
    let yesterday = unix_now() - 86_400;
    let stamp = |t: i64| {
        // YYMMDDHHMMSSZ, as the index wants it.
        let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
        let (y, m, d) = civil(days);
        format!("{:02}{m:02}{d:02}{:02}{:02}{:02}Z", y % 100, secs / 3600, secs % 3600 / 60, secs % 60)
    };
    dir.write(
        "index.txt",
        format!(
            "R\t{}\t{},keyCompromise\t{serial}\tunknown\t/CN={HOST}\n",
            stamp(unix_now() + 86_400 * 365),
            stamp(yesterday)
        ),
    )
    .unwrap();
    openssl(dir, &["ocsp", "-issuer", &ca_cert, "-cert", &leaf_cert, "-no_nonce", "-reqout", "request.der"]);
    openssl(
        dir,
        &[
            "ocsp",
            "-index",
            "index.txt",
            "-CA",
            &ca_cert,
            "-rsigner",
            &ca_cert,
            "-rkey",
            &ca_key,
            "-reqin",
            "request.der",
            "-respout",
            "response.der",
            "-ndays",
            "1",
        ],
    );
    dir.join("response.der")
}

/// Days since 1970-01-01 to (year, month, day) (H. Hinnant's civil_from_days).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[test]
fn a_stapled_revocation_fails_the_certificate_level_and_grades_f() {
    let dir = WorkDir::new("certs-ocsp").unwrap();
    let good = issued(GOOD);
    let response = revoked_response(&dir, &good, &issued(INTERMEDIATE));
    let report = scan("certs-ocsp-revoked", &good, &["-status_file", response.to_str().unwrap()]);
    assert!(report.features.ocsp_stapling == Some(true), "{:?}", report.features);
    let stapled: Vec<&ChainReport> =
        report.certificates.iter().map(|c| &c.chain).filter(|c| c.ocsp.is_some()).collect();
    assert!(!stapled.is_empty(), "no chain came with its staple: {:#?}", report.certificates);
    for c in stapled {
        let ocsp = c.ocsp.as_ref().unwrap();
        assert_eq!(ocsp.status, OcspStatus::Revoked, "{ocsp:?}");
        assert_eq!(ocsp.signature_valid, Some(true), "signed by the intermediate, which is sent");
        assert!(finding_ids(c).contains(&ids::OCSP_REVOKED), "{:?}", c.findings);
        let reason = c.levels.certificate.clone().unwrap_err();
        assert!(reason.contains("revoked"), "{reason}");
        assert!(c.levels.domain.is_err());
        assert!(c.levels.encryption_only);
    }
    assert!(report.grading.findings.iter().any(|f| f.id == "cert.revoked"), "{:?}", report.grading.findings);
    assert_eq!(report.grade, "F");
}

#[test]
fn a_tls13_only_server_staples_in_the_certificate_entry() {
    // TLS 1.3 carries the response in the leaf's CertificateEntry (status_request
    // extension), inside the encrypted flight; the scan asks for it in its TLS 1.3 hellos.
    let dir = WorkDir::new("certs-ocsp13").unwrap();
    let good = issued(GOOD);
    let response = revoked_response(&dir, &good, &issued(INTERMEDIATE));
    let report =
        scan("certs-ocsp13-revoked", &good, &["-tls1_3", "-status_file", response.to_str().unwrap()]);
    assert_every_chain(&report, |c| {
        let ocsp = c.ocsp.as_ref().expect("the TLS 1.3 chain came with its staple");
        assert_eq!(ocsp.status, OcspStatus::Revoked, "{ocsp:?}");
        assert!(c.levels.certificate.is_err());
    });
    assert!(report.certificates.iter().all(|c| c.version == "TLSv1.3"));
    assert_eq!(report.features.ocsp_stapling, Some(true), "read from the decrypted TLS 1.3 flight");
    assert_eq!(report.grade, "F");
}

#[test]
fn civil_dates_are_right() {
    assert_eq!(civil(0), (1970, 1, 1));
    assert_eq!(civil(19_723), (2024, 1, 1));
    assert_eq!(civil(11_016), (2000, 2, 29));
}
