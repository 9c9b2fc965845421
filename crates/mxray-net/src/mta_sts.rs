//! The MTA-STS policy fetch (RFC 8461 §3.3): `GET
//! https://mta-sts.DOMAIN/.well-known/mta-sts.txt` with a validated certificate, no
//! redirects, `Content-Type: text/plain`, a size bound and a timeout; the body is read by
//! mxray-core's [`mta_sts::check_policy_bytes`].
//!
//! The caller resolves `mta-sts.DOMAIN` and passes the addresses ([`FetchOptions::addrs`]),
//! so that `mxray domain` uses its DNSSEC resolver and tests point the name at 127.0.0.1;
//! the request still carries the real name in SNI, in `Host` and in the certificate check.
//!
//! HTTP is reqwest (HTTP/1.1 only, no proxies, redirects off) over rustls with the ring
//! provider (no aws-lc: see TOOLCHAIN). The certificate is verified by rustls-webpki
//! against the Mozilla roots (webpki-roots) and/or the caller's extra CAs; a thin verifier
//! wrapper records the chain the server presented and the verifier's reason, so that a
//! failure says *why* (unknown issuer, wrong name, expired) and the caller can analyse the
//! chain with `mxray_core::x509`.
//!
//! ```no_run
//! # async fn f() -> Result<(), mxray_net::mta_sts::FetchError> {
//! use mxray_net::mta_sts::{FetchOptions, fetch_policy};
//! let addrs = vec!["192.0.2.1:443".parse().unwrap()];
//! let fetched = fetch_policy("example.org", &FetchOptions::new(addrs)).await?;
//! println!("{:?}", fetched.policy.mode);
//! # Ok(()) }
//! ```

use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mxray_core::policy::mta_sts::{self, Policy, PolicyCheck};
use mxray_core::policy::{Finding, Severity};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

/// The path of the policy file (§3.2).
pub const WELL_KNOWN_PATH: &str = "/.well-known/mta-sts.txt";

/// The default bound on the whole fetch (connect, TLS, request, body).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// How to fetch.
#[derive(Clone, Debug)]
pub struct FetchOptions {
    /// The addresses of `mta-sts.DOMAIN`, tried in order. A port of 0 means 443; any
    /// other port is used as given (labs and tests).
    pub addrs: Vec<SocketAddr>,
    /// Trust the Mozilla roots (webpki-roots).
    pub webpki_roots: bool,
    /// Extra trusted CA certificates (DER).
    pub extra_roots: Vec<Vec<u8>>,
    /// Bound on the whole fetch.
    pub timeout: Duration,
    /// Bound on the body (default [`mta_sts::MAX_POLICY_SIZE`]).
    pub max_size: usize,
}

impl FetchOptions {
    /// Mozilla roots, [`DEFAULT_TIMEOUT`], the RFC's 64 KiB size bound.
    pub fn new(addrs: Vec<SocketAddr>) -> Self {
        Self {
            addrs,
            webpki_roots: true,
            extra_roots: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            max_size: mta_sts::MAX_POLICY_SIZE,
        }
    }
}

/// A fetched, valid policy.
#[derive(Clone, Debug)]
pub struct FetchedPolicy {
    /// The URL fetched.
    pub url: String,
    /// The policy.
    pub policy: Policy,
    /// The core's check of the body (findings about the policy itself).
    pub check: PolicyCheck,
    /// The body, as served.
    pub body: Vec<u8>,
    /// The certificate chain the server presented (DER, leaf first).
    pub chain: Vec<Vec<u8>>,
}

/// Why no policy could be fetched. Each variant is one failure an administrator fixes
/// differently.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The domain is not a host name.
    #[error("{domain:?} is not a domain name")]
    BadDomain {
        /// The domain given.
        domain: String,
    },
    /// No address to connect to.
    #[error("no address given for mta-sts.{domain}")]
    NoAddress {
        /// The domain.
        domain: String,
    },
    /// The trust settings are unusable (no roots at all, an unparseable extra CA).
    #[error("TLS set-up: {reason}")]
    Setup {
        /// What is wrong.
        reason: String,
    },
    /// No TCP connection could be made.
    #[error("cannot connect to {url}: {reason}")]
    Connect {
        /// The URL.
        url: String,
        /// The socket error.
        reason: String,
    },
    /// The TLS handshake failed; for certificate failures `reason` is the verifier's.
    #[error("TLS with {url} failed: {reason}")]
    Tls {
        /// The URL.
        url: String,
        /// Why (`invalid peer certificate: UnknownIssuer`, …).
        reason: String,
        /// The chain the server presented, if it got that far (DER, leaf first).
        chain: Vec<Vec<u8>>,
    },
    /// The server answered with a redirect, which senders must not follow (§3.3).
    #[error(
        "{url} redirects ({status}) to {location:?}; MTA-STS forbids redirects, serve the policy directly"
    )]
    Redirect {
        /// The URL.
        url: String,
        /// The 3xx status.
        status: u16,
        /// The `Location` header, if any.
        location: Option<String>,
    },
    /// A status other than 200.
    #[error("{url} answered HTTP {status}")]
    Status {
        /// The URL.
        url: String,
        /// The status.
        status: u16,
    },
    /// The media type is not `text/plain` (§3.2).
    #[error("{url} is served as {content_type:?}, not text/plain")]
    ContentType {
        /// The URL.
        url: String,
        /// The `Content-Type` header (empty when absent).
        content_type: String,
    },
    /// The body is over the size bound.
    #[error("{url} is over the limit of {max} bytes")]
    TooLarge {
        /// The URL.
        url: String,
        /// The bound.
        max: usize,
    },
    /// The fetch did not finish in time.
    #[error("fetching {url} took longer than {after:?}")]
    Timeout {
        /// The URL.
        url: String,
        /// The bound.
        after: Duration,
    },
    /// The body is not a valid policy.
    #[error("{url} is not a valid policy: {}", check.error.as_deref().unwrap_or("invalid"))]
    Malformed {
        /// The URL.
        url: String,
        /// The core's check (error and findings).
        check: Box<PolicyCheck>,
    },
    /// Any other HTTP failure (a protocol error, a reset during the body).
    #[error("HTTP with {url} failed: {reason}")]
    Http {
        /// The URL.
        url: String,
        /// The error chain.
        reason: String,
    },
}

impl FetchError {
    /// A short stable name of the variant, for JSON: `bad-domain`, `no-address`, `setup`,
    /// `connect`, `tls`, `redirect`, `status`, `content-type`, `too-large`, `timeout`,
    /// `malformed`, `http`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::BadDomain { .. } => "bad-domain",
            Self::NoAddress { .. } => "no-address",
            Self::Setup { .. } => "setup",
            Self::Connect { .. } => "connect",
            Self::Tls { .. } => "tls",
            Self::Redirect { .. } => "redirect",
            Self::Status { .. } => "status",
            Self::ContentType { .. } => "content-type",
            Self::TooLarge { .. } => "too-large",
            Self::Timeout { .. } => "timeout",
            Self::Malformed { .. } => "malformed",
            Self::Http { .. } => "http",
        }
    }

    /// The findings this failure amounts to: the core's check for a malformed policy,
    /// otherwise one `mta-sts.policy-unavailable` (high: senders without a cached policy
    /// fall back to no MTA-STS, so an attacker who blocks the fetch strips it).
    pub fn findings(&self) -> Vec<Finding> {
        if let Self::Malformed { check, .. } = self {
            return check.findings.clone();
        }
        let message = format!(
            "the MTA-STS policy cannot be fetched ({self}): senders without a cached copy apply no MTA-STS; fix the policy server"
        );
        vec![Finding { id: mta_sts::ids::POLICY_UNAVAILABLE, severity: Severity::High, message }]
    }
}

/// What the verifier saw: the presented chain and its error, if any.
#[derive(Debug, Default)]
struct Seen {
    chain: Vec<Vec<u8>>,
    error: Option<String>,
}

/// rustls-webpki's verifier, recording what it was shown and what it said.
struct RecordingVerifier {
    inner: Arc<WebPkiServerVerifier>,
    seen: Arc<Mutex<Seen>>,
}

impl fmt::Debug for RecordingVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordingVerifier").finish_non_exhaustive()
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let result = self.inner.verify_server_cert(end_entity, intermediates, server_name, ocsp, now);
        if let Ok(mut seen) = self.seen.lock() {
            seen.chain = std::iter::once(end_entity).chain(intermediates).map(|c| c.to_vec()).collect();
            seen.error = result.as_ref().err().map(ToString::to_string);
        }
        result
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// The rustls configuration: ring, the chosen roots, the recording verifier.
fn tls_config(options: &FetchOptions, seen: Arc<Mutex<Seen>>) -> Result<rustls::ClientConfig, FetchError> {
    let setup = |reason: String| FetchError::Setup { reason };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    if options.webpki_roots {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    for (i, der) in options.extra_roots.iter().enumerate() {
        roots
            .add(CertificateDer::from(der.clone()))
            .map_err(|e| setup(format!("extra CA #{}: {e}", i + 1)))?;
    }
    if roots.is_empty() {
        return Err(setup("no trusted roots (webpki roots off and no extra CA)".into()));
    }
    let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
        .build()
        .map_err(|e| setup(e.to_string()))?;
    let verifier = Arc::new(RecordingVerifier { inner, seen });
    Ok(rustls::ClientConfig::builder_with_provider(provider as Arc<CryptoProvider>)
        .with_safe_default_protocol_versions()
        .map_err(|e| setup(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// True for `text/plain` with any parameters (`text/plain; charset=utf-8`).
pub fn is_text_plain(content_type: &str) -> bool {
    content_type.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("text/plain"))
}

/// True if `domain` can be put in a URL host: ASCII letters, digits, hyphens and dots.
fn is_host(domain: &str) -> bool {
    !domain.is_empty()
        && domain.len() <= 253
        && domain.split('.').all(|l| {
            !l.is_empty() && l.len() <= 63 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// The error chain of `e` as one line.
fn chain_of(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

/// The innermost cause of `e` (`Connection refused (os error 111)`).
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut last = e;
    while let Some(s) = last.source() {
        last = s;
    }
    last.to_string()
}

/// The first `rustls::Error` in `e`'s source chain.
fn rustls_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut current = Some(e);
    while let Some(err) = current {
        if let Some(r) = err.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && let Some(r) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>())
        {
            return Some(r);
        }
        current = err.source();
    }
    None
}

/// Fetches and reads the policy of `domain` (the mail domain, not `mta-sts.` itself).
pub async fn fetch_policy(domain: &str, options: &FetchOptions) -> Result<FetchedPolicy, FetchError> {
    let domain = domain.strip_suffix('.').unwrap_or(domain).to_ascii_lowercase();
    if !is_host(&domain) {
        return Err(FetchError::BadDomain { domain });
    }
    if options.addrs.is_empty() {
        return Err(FetchError::NoAddress { domain });
    }
    let host = format!("mta-sts.{domain}");
    let url = format!("https://{host}{WELL_KNOWN_PATH}");
    let seen = Arc::new(Mutex::new(Seen::default()));
    let client = reqwest::Client::builder()
        .tls_backend_preconfigured(tls_config(options, Arc::clone(&seen))?)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .http1_only()
        .timeout(options.timeout)
        .connect_timeout(options.timeout)
        .resolve_to_addrs(&host, &options.addrs)
        .user_agent(concat!("mxray/", env!("CARGO_PKG_VERSION"), " (MTA-STS policy check)"))
        .build()
        .map_err(|e| FetchError::Setup { reason: chain_of(&e) })?;
    let seen_chain = || seen.lock().map(|s| s.chain.clone()).unwrap_or_default();
    let request_error = |e: reqwest::Error| {
        let verifier_error = seen.lock().ok().and_then(|s| s.error.clone());
        if e.is_timeout() {
            FetchError::Timeout { url: url.clone(), after: options.timeout }
        } else if let Some(reason) = verifier_error {
            FetchError::Tls { url: url.clone(), reason, chain: seen_chain() }
        } else if let Some(tls) = rustls_error(&e) {
            FetchError::Tls { url: url.clone(), reason: tls.to_string(), chain: seen_chain() }
        } else if e.is_connect() {
            FetchError::Connect { url: url.clone(), reason: root_cause(&e) }
        } else {
            FetchError::Http { url: url.clone(), reason: chain_of(&e) }
        }
    };
    let mut response = client.get(&url).send().await.map_err(&request_error)?;
    let status = response.status().as_u16();
    if response.status().is_redirection() {
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .map(|l| String::from_utf8_lossy(l.as_bytes()).into_owned());
        return Err(FetchError::Redirect { url, status, location });
    }
    if status != 200 {
        return Err(FetchError::Status { url, status });
    }
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .map(|c| String::from_utf8_lossy(c.as_bytes()).into_owned())
        .unwrap_or_default();
    if !is_text_plain(&content_type) {
        return Err(FetchError::ContentType { url, content_type });
    }
    if response.content_length().is_some_and(|n| n > options.max_size as u64) {
        return Err(FetchError::TooLarge { url, max: options.max_size });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(&request_error)? {
        if body.len() + chunk.len() > options.max_size {
            return Err(FetchError::TooLarge { url, max: options.max_size });
        }
        body.extend_from_slice(&chunk);
    }
    let check = mta_sts::check_policy_bytes(&body);
    let Some(policy) = check.policy.clone() else {
        return Err(FetchError::Malformed { url, check: Box::new(check) });
    };
    Ok(FetchedPolicy { url, policy, check, body, chain: seen_chain() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types() {
        for (ct, ok) in [
            ("text/plain", true),
            ("TEXT/Plain; charset=utf-8", true),
            (" text/plain ;charset=us-ascii", true),
            ("text/html", false),
            ("text/plainx", false),
            ("application/octet-stream", false),
            ("", false),
        ] {
            assert_eq!(is_text_plain(ct), ok, "{ct:?}");
        }
    }

    #[test]
    fn failures_become_findings() {
        let url = "https://mta-sts.example.org/.well-known/mta-sts.txt".to_owned();
        let status = FetchError::Status { url: url.clone(), status: 404 };
        assert_eq!(status.kind(), "status");
        let f = status.findings();
        assert_eq!((f[0].id, f[0].severity), (mta_sts::ids::POLICY_UNAVAILABLE, Severity::High));
        assert!(f[0].message.contains("HTTP 404"), "{}", f[0].message);
        let check = mta_sts::check_policy("version: STSv1\nmode: enforce\n");
        let malformed = FetchError::Malformed { url, check: Box::new(check) };
        assert_eq!(malformed.findings()[0].id, mta_sts::ids::INVALID_POLICY);
    }

    #[tokio::test]
    async fn bad_input_fails_before_any_connection() {
        let opts = FetchOptions::new(vec!["127.0.0.1:9".parse().unwrap()]);
        for domain in ["", "a/b", "exa mple.org", "a..b"] {
            assert!(
                matches!(fetch_policy(domain, &opts).await, Err(FetchError::BadDomain { .. })),
                "{domain:?}"
            );
        }
        let none = FetchOptions::new(Vec::new());
        assert!(matches!(fetch_policy("example.org", &none).await, Err(FetchError::NoAddress { .. })));
        let no_roots = FetchOptions { webpki_roots: false, ..opts.clone() };
        assert!(matches!(fetch_policy("example.org", &no_roots).await, Err(FetchError::Setup { .. })));
        let bad_root = FetchOptions { extra_roots: vec![b"not DER".to_vec()], ..opts };
        assert!(matches!(fetch_policy("example.org", &bad_root).await, Err(FetchError::Setup { .. })));
    }
}
