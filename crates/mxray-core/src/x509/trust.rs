//! Trust anchors and path validation with rustls-webpki (ring signature algorithms).

use std::time::Duration;

use rustls_pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};
use serde::Serialize;
use webpki::{EndEntityCert, KeyUsage};

use super::X509Error;
use super::pem::split_chain;

/// The roots a chain is validated against: the Mozilla set (webpki-roots), caller-given
/// extra roots (`--ca FILE`), or only the caller's.
#[derive(Clone, Debug, Default)]
pub struct TrustStore {
    anchors: Vec<TrustAnchor<'static>>,
    mozilla: bool,
    extra: usize,
}

/// What a [`TrustStore`] holds, for the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TrustStoreSummary {
    /// The Mozilla root set (webpki-roots) is included.
    pub mozilla: bool,
    /// Number of roots the caller added.
    pub extra: usize,
}

impl TrustStore {
    /// No roots at all: nothing validates.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The Mozilla root store as shipped by webpki-roots (server authentication roots).
    pub fn mozilla() -> Self {
        Self { anchors: webpki_roots::TLS_SERVER_ROOTS.to_vec(), mozilla: true, extra: 0 }
    }

    /// Adds every certificate of `input` (PEM or DER) as a trust anchor.
    pub fn with_extra(mut self, input: &[u8]) -> Result<Self, X509Error> {
        for (index, der) in split_chain(input)?.into_iter().enumerate() {
            let der = CertificateDer::from(der);
            let anchor = webpki::anchor_from_trusted_cert(&der)
                .map_err(|e| X509Error::BadDer { index, reason: format!("not usable as a root: {e:?}") })?;
            self.anchors.push(anchor.to_owned());
            self.extra += 1;
        }
        Ok(self)
    }

    /// What the store holds.
    pub fn summary(&self) -> TrustStoreSummary {
        TrustStoreSummary { mozilla: self.mozilla, extra: self.extra }
    }

    /// Number of anchors.
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// True if the store has no anchors.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    /// True if some anchor's subject is `name` (a DER Name including its SEQUENCE header).
    pub(crate) fn has_subject(&self, name: &[u8]) -> bool {
        let contents = strip_sequence_header(name);
        self.anchors.iter().any(|a| a.subject.as_ref() == contents)
    }

    /// The SubjectPublicKeyInfo (DER, with its SEQUENCE header) of the root whose subject
    /// is the DER `name`, to check what the root signed directly (a stapled OCSP response).
    pub(crate) fn subject_spki(&self, name: &[u8]) -> Option<Vec<u8>> {
        let contents = strip_sequence_header(name);
        let anchor = self.anchors.iter().find(|a| a.subject.as_ref() == contents)?;
        let spki: &[u8] = anchor.subject_public_key_info.as_ref();
        let mut der = vec![0x30];
        match spki.len() {
            n if n < 0x80 => der.push(n as u8),
            n if n <= 0xff => der.extend([0x81, n as u8]),
            n if n <= 0xffff => der.extend([0x82, (n >> 8) as u8, n as u8]),
            _ => return None,
        }
        der.extend_from_slice(spki);
        Some(der)
    }

    /// Validates `chain` (leaf first, the rest as untrusted intermediates in any order) for
    /// TLS server authentication at `now_unix`: a path to an anchor, validity, basic
    /// constraints, key usage, EKU serverAuth, name constraints. Names are not checked here.
    pub fn verify_path(&self, chain: &[Vec<u8>], now_unix: i64) -> Result<(), String> {
        let (leaf, rest) = chain.split_first().ok_or_else(|| "no certificate".to_owned())?;
        let leaf = CertificateDer::from(leaf.as_slice());
        let end_entity = EndEntityCert::try_from(&leaf).map_err(describe)?;
        let intermediates: Vec<CertificateDer<'_>> =
            rest.iter().map(|c| CertificateDer::from(c.as_slice())).collect();
        let time = UnixTime::since_unix_epoch(Duration::from_secs(now_unix.max(0) as u64));
        end_entity
            .verify_for_usage(
                webpki::ALL_VERIFICATION_ALGS,
                &self.anchors,
                &intermediates,
                time,
                KeyUsage::server_auth(),
                None,
                None,
            )
            .map(|_| ())
            .map_err(describe)
    }
}

/// Checks `host` (DNS name or IP address) against the leaf's subjectAltName as rustls does:
/// no CN fallback.
pub fn verify_name(leaf: &[u8], host: &str) -> Result<(), String> {
    let leaf = CertificateDer::from(leaf);
    let end_entity = EndEntityCert::try_from(&leaf).map_err(describe)?;
    let name = ServerName::try_from(host.trim_start_matches('[').trim_end_matches(']'))
        .map_err(|_| format!("{host:?} is not a valid DNS name or IP address"))?;
    end_entity.verify_is_valid_for_subject_name(&name).map_err(describe)
}

/// A webpki error as a sentence a mail administrator can act on.
fn describe(err: webpki::Error) -> String {
    use webpki::Error as E;
    match err {
        E::UnknownIssuer => {
            "no path to a trusted root (unknown issuer: a missing intermediate or a private CA)".into()
        }
        E::CertExpired { .. } => "a certificate in the path has expired".into(),
        E::CertNotValidYet { .. } => "a certificate in the path is not valid yet".into(),
        E::CertNotValidForName(_) => "the certificate is not valid for this name".into(),
        E::CaUsedAsEndEntity => "a CA certificate is used as the server certificate".into(),
        E::EndEntityUsedAsCa => "an end-entity certificate is used as a CA".into(),
        E::RequiredEkuNotFoundContext(_) => {
            "the certificate is not valid for TLS server authentication (extended key usage)".into()
        }
        E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            "a signature in the path uses an unsupported algorithm (SHA-1, MD5 or DSA)".into()
        }
        E::InvalidSignatureForPublicKey => {
            "a signature in the path does not verify (or the key is too small)".into()
        }
        E::NameConstraintViolation => "a name constraint of a CA is violated".into(),
        E::PathLenConstraintViolated => "a path length constraint is violated".into(),
        E::MaximumPathDepthExceeded => "the path is too long".into(),
        other => format!("invalid certificate path: {other:?}"),
    }
}

/// The contents of a DER SEQUENCE (its header stripped), or the input if it is not one.
fn strip_sequence_header(der: &[u8]) -> &[u8] {
    if der.len() < 2 || der[0] != 0x30 {
        return der;
    }
    let header = match der[1] {
        l if l < 0x80 => 2,
        l @ 0x81..=0x84 => 2 + usize::from(l & 0x7f),
        _ => return der,
    };
    der.get(header..).unwrap_or(der)
}
