//! Issuer links between presented certificates: the path the server sent, its order,
//! extra certificates and what is missing at the top.

use x509_parser::error::X509Error as ParserError;
use x509_parser::prelude::X509Certificate;
use x509_parser::public_key::PublicKey;

/// Whether `parent` issued `child`: `Some(true)` when the names link and the signature
/// verifies, `Some(false)` when the names differ or the signature does not verify, `None`
/// when the names link but the signature cannot be checked (an algorithm ring lacks, or an
/// RSA key under 2048 bits with a SHA-2 signature, which ring refuses to verify).
pub(crate) fn signed_by(child: &X509Certificate<'_>, parent: &X509Certificate<'_>) -> Option<bool> {
    if child.issuer().as_raw() != parent.subject().as_raw() {
        return Some(false);
    }
    if let Ok(PublicKey::RSA(rsa)) = parent.public_key().parsed()
        && rsa.key_size() < 2048
        && child.signature_algorithm.algorithm.to_id_string() != "1.2.840.113549.1.1.5"
    {
        return None;
    }
    match child.verify_signature(Some(parent.public_key())) {
        Ok(()) => Some(true),
        Err(ParserError::SignatureUnsupportedAlgorithm) => None,
        Err(_) => Some(false),
    }
}

/// The path the server sent: indices into `certs`, starting at the leaf (index 0), each the
/// issuer of the one before, preferring a verified link over a name-only one.
pub(crate) fn presented_path(certs: &[X509Certificate<'_>]) -> Vec<usize> {
    let mut path = Vec::new();
    if certs.is_empty() {
        return path;
    }
    let mut current = 0;
    path.push(0);
    loop {
        if certs[current].subject().as_raw() == certs[current].issuer().as_raw() {
            break;
        }
        let candidates = (0..certs.len()).filter(|j| !path.contains(j));
        let mut best: Option<(usize, bool)> = None;
        for j in candidates {
            match signed_by(&certs[current], &certs[j]) {
                Some(true) => {
                    best = Some((j, true));
                    break;
                }
                None if best.is_none() => best = Some((j, false)),
                _ => {}
            }
        }
        let Some((next, _)) = best else { break };
        path.push(next);
        current = next;
    }
    path
}
