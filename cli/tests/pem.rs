//! `mxray pem` end to end, on certificates made with the `openssl` CLI in a temporary
//! directory: a good chain from a test CA (root → intermediate → leaf), a self-signed
//! SHA-1 RSA-1024 certificate, the good chain seen after it expired (`--at`), a wrong host
//! name, a chain with its intermediate missing, and garbage input.
//!
//! Also: `--html` pages (content, escaping of a hostile subject, no external asset, atomic
//! write), `--ocsp` with the core's `openssl ocsp` fixtures, and `mxray scan --html` of a real
//! `openssl s_server` that staples a revoked OCSP response.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn mxray(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mxray")).args(args).output().expect("running mxray")
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").current_dir(dir).args(args).output().expect("running openssl");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// The certificates, made once per test binary.
fn certs() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("mxray-pem-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("ext.cnf"),
            "[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n\
             subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n\
             [leaf]\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n\
             extendedKeyUsage=serverAuth\nsubjectAltName=DNS:mx.example.org,DNS:*.mail.example.org\n\
             subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
        )
        .unwrap();
        let d = &dir;
        openssl(
            d,
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "root.key",
                "-out",
                "root.pem",
                "-subj",
                "/CN=mxray test root",
                "-days",
                "3650",
                "-extensions",
                "ca",
                "-config",
                "ext.cnf",
            ],
        );
        openssl(
            d,
            &[
                "req",
                "-new",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "int.key",
                "-out",
                "int.csr",
                "-subj",
                "/CN=mxray test intermediate",
            ],
        );
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                "int.csr",
                "-CA",
                "root.pem",
                "-CAkey",
                "root.key",
                "-CAcreateserial",
                "-out",
                "int.pem",
                "-days",
                "3000",
                "-sha256",
                "-extfile",
                "ext.cnf",
                "-extensions",
                "ca",
            ],
        );
        openssl(
            d,
            &[
                "req",
                "-new",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "leaf.key",
                "-out",
                "leaf.csr",
                "-subj",
                "/CN=mx.example.org",
            ],
        );
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                "leaf.csr",
                "-CA",
                "int.pem",
                "-CAkey",
                "int.key",
                "-CAcreateserial",
                "-out",
                "leaf.pem",
                "-days",
                "365",
                "-sha256",
                "-extfile",
                "ext.cnf",
                "-extensions",
                "leaf",
            ],
        );
        openssl(
            d,
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:1024",
                "-sha1",
                "-nodes",
                "-keyout",
                "weak.key",
                "-out",
                "weak.pem",
                "-subj",
                "/CN=mx.example.org",
                "-days",
                "365",
            ],
        );
        // A certificate whose subject and SAN carry markup, for the HTML page's escaping.
        std::fs::write(
            d.join("hostile.cnf"),
            "[req]\ndistinguished_name=dn\n[dn]\n[ext]\nsubjectAltName=DNS:evil.example,URI:javascript:alert(2)\n",
        )
        .unwrap();
        openssl(
            d,
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "hostile.key",
                "-out",
                "hostile.pem",
                "-subj",
                "/CN=<script>alert(1)<\\/script>/O=\"quoted\" & <b>bold<\\/b>",
                "-days",
                "30",
                "-config",
                "hostile.cnf",
                "-extensions",
                "ext",
            ],
        );
        let leaf = std::fs::read_to_string(d.join("leaf.pem")).unwrap();
        let int = std::fs::read_to_string(d.join("int.pem")).unwrap();
        std::fs::write(d.join("chain.pem"), format!("{leaf}{int}")).unwrap();
        std::fs::write(d.join("reversed.pem"), format!("{int}{leaf}")).unwrap();
        std::fs::write(d.join("key.pem"), std::fs::read(d.join("leaf.key")).unwrap()).unwrap();
        dir
    })
}

fn path(name: &str) -> String {
    certs().join(name).to_string_lossy().into_owned()
}

/// Runs `mxray pem --json ARGS…` and parses the report.
fn report(args: &[&str]) -> serde_json::Value {
    let out = mxray(&[&["pem", "--json"], args].concat());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

fn ids(report: &serde_json::Value) -> Vec<String> {
    report["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn good_chain_passes_every_level() {
    let r = report(&[&path("chain.pem"), "--host", "mx.example.org", "--ca", &path("root.pem")]);
    assert_eq!(r["levels"]["certificate"]["pass"], true, "{r:#}");
    assert_eq!(r["levels"]["domain"]["pass"], true, "{r:#}");
    assert_eq!(r["levels"]["encryption_only"], true);
    assert_eq!(ids(&r), Vec::<String>::new(), "{r:#}");
    let leaf = &r["certificates"][0];
    assert_eq!(leaf["key"]["kind"], "rsa");
    assert_eq!(leaf["key"]["bits"], 2048);
    assert_eq!(leaf["signature_hash"], "sha256");
    assert_eq!(leaf["dns_names"][1], "*.mail.example.org");
    assert_eq!(leaf["extended_key_usage"][0], "serverAuth");
    assert_eq!(r["certificates"][1]["key"]["curve"], "P-256");
    assert_eq!(r["name_match"]["kind"], "san");
    // A wildcard matches one label.
    let r = report(&[&path("chain.pem"), "--host", "smtp.mail.example.org", "--ca", &path("root.pem")]);
    assert_eq!(r["levels"]["domain"]["pass"], true, "{r:#}");
}

#[test]
fn terminal_output_shows_the_certificate_block() {
    let out = mxray(&["pem", &path("chain.pem"), "--host", "mx.example.org", "--ca", &path("root.pem")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "Signature Algorithm: sha256WithRSAEncryption",
        "RSA Key Strength:    2048",
        "ECC Curve Name:      P-256",
        "Subject:  CN=mx.example.org",
        "Altnames: DNS:mx.example.org, DNS:*.mail.example.org",
        "Issuer:   CN=mxray test intermediate",
        "Not valid after:",
        "SHA-256 fingerprint:",
        "certificate validation:  pass",
        "domain validation:       pass",
    ] {
        assert!(text.contains(needle), "{needle:?} missing in:\n{text}");
    }
}

#[test]
fn self_signed_sha1_rsa1024() {
    let r = report(&[&path("weak.pem"), "--host", "mx.example.org"]);
    let ids = ids(&r);
    for id in
        ["x509.self-signed", "x509.sha1-signature", "x509.weak-rsa-key", "x509.untrusted", "x509.cn-fallback"]
    {
        assert!(ids.iter().any(|i| i == id), "{id} missing: {ids:?}");
    }
    assert_eq!(r["certificates"][0]["self_signed"], true);
    assert_eq!(r["certificates"][0]["key"]["bits"], 1024);
    assert_eq!(r["levels"]["encryption_only"], true);
    assert_eq!(r["levels"]["certificate"]["pass"], false);
    assert_eq!(r["levels"]["domain"]["pass"], false);
}

#[test]
fn expired_and_expiring() {
    let r = report(&[
        &path("chain.pem"),
        "--host",
        "mx.example.org",
        "--ca",
        &path("root.pem"),
        "--at",
        "2100-01-01",
    ]);
    assert!(ids(&r).contains(&"x509.expired".to_owned()), "{r:#}");
    assert_eq!(r["levels"]["certificate"]["pass"], false);
    assert!(r["levels"]["certificate"]["reason"].as_str().unwrap().contains("expired"));
    let not_after = r["certificates"][0]["not_after"].as_i64().unwrap();
    let soon = (not_after - 10 * 86_400).to_string();
    let r = report(&[&path("chain.pem"), "--ca", &path("root.pem"), "--at", &soon]);
    assert!(ids(&r).contains(&"x509.expiring-soon".to_owned()), "{r:#}");
    assert_eq!(r["levels"]["certificate"]["pass"], true);
}

#[test]
fn wrong_name() {
    let r = report(&[&path("chain.pem"), "--host", "mail.example.net", "--ca", &path("root.pem")]);
    assert!(ids(&r).contains(&"x509.name-mismatch".to_owned()), "{r:#}");
    assert_eq!(r["levels"]["certificate"]["pass"], true);
    assert_eq!(r["levels"]["domain"]["pass"], false);
    // No partial wildcard and no two-label match.
    let r = report(&[&path("chain.pem"), "--host", "a.b.mail.example.org", "--ca", &path("root.pem")]);
    assert_eq!(r["levels"]["domain"]["pass"], false);
}

#[test]
fn missing_intermediate_and_wrong_order() {
    let r = report(&[&path("leaf.pem"), "--host", "mx.example.org", "--ca", &path("root.pem")]);
    assert!(ids(&r).contains(&"x509.incomplete-chain".to_owned()), "{r:#}");
    assert_eq!(r["levels"]["certificate"]["pass"], false);
    // The Mozilla store alone does not know the test root.
    let r = report(&[&path("chain.pem"), "--host", "mx.example.org"]);
    assert!(ids(&r).contains(&"x509.incomplete-chain".to_owned()), "{r:#}");
    assert!(ids(&r).contains(&"x509.untrusted".to_owned()), "{r:#}");
    let r = report(&[&path("reversed.pem"), "--ca", &path("root.pem")]);
    assert_eq!(r["certificates"][0]["subject"], "CN=mxray test intermediate");
}

#[test]
fn stdin_der_and_bad_input() {
    openssl(certs(), &["x509", "-in", "leaf.pem", "-outform", "DER", "-out", "leaf.der"]);
    let r = report(&[&path("leaf.der")]);
    assert_eq!(r["certificates"][0]["subject"], "CN=mx.example.org");

    let out = mxray(&["pem", &path("key.pem")]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("PRIVATE KEY") && err.contains("not a CERTIFICATE"), "{err}");

    let out = mxray(&["pem", &path("ext.cnf")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no -----BEGIN CERTIFICATE-----"));

    let out = mxray(&["pem", &path("does-not-exist.pem")]);
    assert_eq!(out.status.code(), Some(2));
    let out = mxray(&["pem", &path("chain.pem"), "--at", "yesterday"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Runs `mxray pem ARGS… --html FILE` and returns the page.
fn html(name: &str, args: &[&str]) -> String {
    let file = certs().join(name);
    let out = mxray(&[&["pem"], args, &["--html", file.to_str().unwrap()]].concat());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Validation levels"), "stdout keeps the text");
    std::fs::read_to_string(&file).unwrap()
}

/// What every page must hold and must not: self-contained, no script, strict CSP.
fn assert_self_contained(page: &str) {
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    assert!(
        page.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src &#39;none&#39;")
    );
    assert!(page.contains("@media print"));
    let lower = page.to_ascii_lowercase();
    for asset in ["<script", "src=", "href=", "url(", "@import", "http://", "https://"] {
        assert!(!lower.contains(asset), "no external asset or script ({asset})");
    }
}

#[test]
fn html_page_holds_the_certificate_block_and_levels() {
    let page =
        html("good.html", &[&path("chain.pem"), "--host", "mx.example.org", "--ca", &path("root.pem")]);
    assert_self_contained(&page);
    for needle in [
        "Certificate #1 (server certificate)",
        "Certificate #2 (intermediate)",
        "CN=mx.example.org",
        "DNS:mx.example.org, DNS:*.mail.example.org",
        "CN=mxray test intermediate",
        "sha256WithRSAEncryption",
        "RSA 2048 bits",
        "ECC P-256 (256 bits)",
        "SHA-256 fingerprint",
        "<td>Certificate validation</td><td class=\"ok\">pass</td>",
        "<td>Domain validation</td><td class=\"ok\">pass</td>",
        "matches mx.example.org",
    ] {
        assert!(page.contains(needle), "{needle:?} missing in:\n{page}");
    }
    let page = html("weak.html", &[&path("weak.pem"), "--host", "mx.example.org"]);
    for needle in ["x509.self-signed", "x509.sha1-signature", "x509.weak-rsa-key", "FAIL: "] {
        assert!(page.contains(needle), "{needle:?} missing in:\n{page}");
    }
}

#[test]
fn html_page_escapes_a_hostile_subject() {
    let page = html("hostile.html", &[&path("hostile.pem"), "--host", "evil.example"]);
    assert_self_contained(&page);
    assert!(page.contains("CN=&lt;script&gt;alert(1)&lt;/script&gt;"), "{page}");
    assert!(page.contains("&quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;"), "{page}");
    assert!(!page.contains("<b>bold"), "{page}");
    assert!(page.contains("javascript:alert(2)"), "a URI SAN is shown as text: {page}");
    assert!(!page.contains("href"), "and never as a link");
    assert!(page.contains("x509.cn-not-in-san"), "the CN is not among the SANs: {page}");
}

#[test]
fn html_to_a_missing_directory_fails_and_writes_nothing() {
    let file = certs().join("no-such-dir").join("page.html");
    let out = mxray(&["pem", &path("chain.pem"), "--html", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("page.html"));
    assert!(!file.exists());
}

/// The OCSP fixtures of the core (made with `openssl ocsp`, see their README).
fn ocsp_fixture(name: &str) -> String {
    format!("{}/../crates/mxray-core/tests/fixtures/ocsp/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn ocsp_revoked_fails_the_certificate_level_good_passes() {
    // An hour after the fixtures were made.
    let leaf = report(&[&ocsp_fixture("leaf.pem")]);
    let at = (leaf["certificates"][0]["not_before"].as_i64().unwrap() + 3600).to_string();
    let check = |response: &str| {
        report(&[
            &ocsp_fixture("leaf.pem"),
            "--ca",
            &ocsp_fixture("ca.pem"),
            "--no-mozilla",
            "--host",
            "mx.example.org",
            "--at",
            &at,
            "--ocsp",
            &ocsp_fixture(response),
        ])
    };
    let r = check("revoked.der");
    assert_eq!(r["ocsp"]["status"], "revoked", "{r:#}");
    assert_eq!(r["ocsp"]["signature_valid"], true);
    assert!(ids(&r).contains(&"x509.ocsp-revoked".to_owned()), "{r:#}");
    assert_eq!(r["levels"]["certificate"]["pass"], false);
    assert!(r["levels"]["certificate"]["reason"].as_str().unwrap().contains("revoked"));

    let r = check("good.der");
    assert_eq!(r["ocsp"]["status"], "good", "{r:#}");
    assert_eq!(r["levels"]["certificate"]["pass"], true, "{r:#}");
    assert_eq!(ids(&r), Vec::<String>::new());

    let r = check("bad-signature.der");
    assert!(ids(&r).contains(&"x509.ocsp-bad-signature".to_owned()), "{r:#}");
    assert_eq!(r["levels"]["certificate"]["pass"], true, "a forged revocation is not believed");

    let out = mxray(&["pem", &ocsp_fixture("leaf.pem"), "--ocsp", &ocsp_fixture("revoked.der"), "--at", &at]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Stapled OCSP response: REVOKED on"), "{text}");
    let out = mxray(&["pem", &ocsp_fixture("leaf.pem"), "--ocsp", &ocsp_fixture("missing.der")]);
    assert_eq!(out.status.code(), Some(2));
}

/// A real `openssl s_server` (implicit TLS on 127.0.0.1) with the good chain, stapling a
/// response made by `openssl ocsp` that says the leaf was revoked; stopped by PID on drop.
struct StaplingServer {
    child: std::process::Child,
    port: u16,
}

impl Drop for StaplingServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn stapling_server() -> StaplingServer {
    let d = certs();
    let serial = Command::new("openssl")
        .current_dir(d)
        .args(["x509", "-in", "leaf.pem", "-noout", "-serial"])
        .output()
        .unwrap();
    let serial = String::from_utf8(serial.stdout).unwrap();
    let serial = serial.trim().trim_start_matches("serial=");
    std::fs::write(
        d.join("revoked.idx"),
        format!("R\t491231235959Z\t240101000000Z,keyCompromise\t{serial}\tunknown\t/CN=mx.example.org\n"),
    )
    .unwrap();
    openssl(d, &["ocsp", "-issuer", "int.pem", "-cert", "leaf.pem", "-no_nonce", "-reqout", "leaf.req"]);
    openssl(
        d,
        &[
            "ocsp",
            "-index",
            "revoked.idx",
            "-CA",
            "int.pem",
            "-rsigner",
            "int.pem",
            "-rkey",
            "int.key",
            "-reqin",
            "leaf.req",
            "-respout",
            "leaf-revoked.der",
            "-ndays",
            "2",
        ],
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("openssl")
        .current_dir(d)
        .args(["s_server", "-accept", &format!("127.0.0.1:{port}"), "-cert", "leaf.pem", "-key", "leaf.key"])
        .args(["-cert_chain", "int.pem", "-status_file", "leaf-revoked.der", "-naccept", "1000", "-quiet"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("starting openssl s_server");
    let server = StaplingServer { child, port };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return server;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("openssl s_server did not listen on {port}");
}

#[test]
fn scan_html_of_a_real_server_stapling_a_revocation() {
    let server = stapling_server();
    let page_file = certs().join("real.html");
    let out = mxray(&[
        "scan",
        &format!("tls://127.0.0.1:{}", server.port),
        "--sni",
        "mx.example.org",
        "--ca",
        &path("root.pem"),
        "--no-mozilla",
        "--no-sslv2",
        "--color",
        "never",
        "--html",
        page_file.to_str().unwrap(),
    ]);
    drop(server);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("Stapled OCSP: REVOKED on 2024-01-01"), "{text}");
    assert!(text.contains("cert.revoked"), "{text}");
    let page = std::fs::read_to_string(&page_file).unwrap();
    assert_self_contained(&page);
    for needle in [
        "<span class=\"grade bad\">F</span>",
        "Certificate #1 (server certificate)",
        "Certificate #2 (intermediate)",
        "DNS:mx.example.org, DNS:*.mail.example.org",
        "Stapled OCSP response: <span class=\"bad\">REVOKED on 2024-01-01",
        "<td>Certificate validation</td><td class=\"bad\">FAIL: the certificate is revoked",
        "x509.ocsp-revoked",
        "cert.revoked",
        "TLSv1.3 ciphers",
        "<td class=\"ok\">secure</td>",
        "Mozilla server-side TLS",
        "Connections used",
    ] {
        assert!(page.contains(needle), "{needle:?} missing in:\n{page}");
    }
}
