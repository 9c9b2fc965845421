//! From the x509 analysis to what the grading rules need: [`CertFacts`] of the leaf, the
//! chain's verdicts (trust, completeness, order, extra certificates, a verified OCSP
//! revocation) and the weakest intermediate (signature hash, RSA key size). Kept apart from both modules so that neither depends on the other's
//! internals.

use super::{CertFacts, CertKey, CertSignature, KeyKind, SignatureHash, SignatureKind};
use crate::registry::NamedGroup;
use crate::x509::{self, ChainReport, NameMatch};

/// The TLS name of a curve mxray's x509 analysis names (`P-256` → `secp256r1`).
fn curve(name: &str) -> Option<NamedGroup> {
    Some(match name {
        "P-192" => NamedGroup::SECP192R1,
        "P-224" => NamedGroup::SECP224R1,
        "P-256" => NamedGroup::SECP256R1,
        "P-384" => NamedGroup::SECP384R1,
        "P-521" => NamedGroup::SECP521R1,
        "secp256k1" => NamedGroup::SECP256K1,
        "brainpoolP256r1" => NamedGroup::BRAINPOOLP256R1,
        "brainpoolP384r1" => NamedGroup::BRAINPOOLP384R1,
        "brainpoolP512r1" => NamedGroup::BRAINPOOLP512R1,
        _ => return None,
    })
}

fn signature_kind(algorithm: &str) -> SignatureKind {
    let a = algorithm.to_ascii_lowercase();
    if a.contains("pss") {
        SignatureKind::RsaPss
    } else if a.contains("rsa") {
        SignatureKind::RsaPkcs1
    } else if a.contains("ecdsa") {
        SignatureKind::Ecdsa
    } else if a.contains("dsa") {
        SignatureKind::Dsa
    } else if a.contains("ed25519") {
        SignatureKind::Ed25519
    } else if a.contains("ed448") {
        SignatureKind::Ed448
    } else {
        SignatureKind::Other
    }
}

/// Weakest first: MD2/MD5, SHA-1, then the rest (unknown hashes are not judged).
fn hash_rank(hash: SignatureHash) -> u8 {
    match hash {
        SignatureHash::Md2 | SignatureHash::Md5 => 0,
        SignatureHash::Sha1 => 1,
        _ => 2,
    }
}

impl CertFacts {
    /// The facts of the leaf of an analysed chain. Trust is the path to a trusted root
    /// (expiry is judged apart); the name is `None` when no host name was given.
    pub fn from_chain(report: &ChainReport) -> Self {
        let Some(leaf) = report.certificates.first() else { return Self::default() };
        let kind = match leaf.key.kind {
            x509::KeyKind::Rsa => KeyKind::Rsa,
            x509::KeyKind::Ec => KeyKind::Ecdsa,
            x509::KeyKind::Ed25519 => KeyKind::Ed25519,
            x509::KeyKind::Ed448 => KeyKind::Ed448,
            x509::KeyKind::Dsa => KeyKind::Dsa,
            _ => KeyKind::Other,
        };
        let has = |id: &str| report.findings.iter().any(|f| f.id == id);
        let expired = report.at > leaf.not_after || report.at < leaf.not_before;
        let intermediates: Vec<&x509::CertInfo> = report
            .path
            .iter()
            .skip(1)
            .filter_map(|&i| report.certificates.get(i))
            .filter(|c| !c.self_signed)
            .collect();
        let intermediate_hash = intermediates.iter().map(|c| c.signature_hash).min_by_key(|h| hash_rank(*h));
        let intermediate_rsa_bits =
            intermediates.iter().filter(|c| c.key.kind == x509::KeyKind::Rsa).map(|c| c.key.bits).min();
        let count = |id: &str| report.findings.iter().filter(|f| f.id == id).count();
        Self {
            key: Some(CertKey {
                kind,
                bits: leaf.key.bits,
                curve: leaf.key.curve.as_deref().and_then(curve),
            }),
            signature: Some(CertSignature {
                kind: signature_kind(&leaf.signature_algorithm),
                hash: leaf.signature_hash,
            }),
            trusted: Some(!has(x509::ids::UNTRUSTED)),
            name_matches: report.name_match.as_ref().map(|m| matches!(m, NameMatch::San(_))),
            expired: Some(expired),
            self_signed: Some(leaf.self_signed),
            lifespan_days: u32::try_from((leaf.not_after - leaf.not_before).max(0) / 86_400).ok(),
            revoked: Some(has(x509::ids::OCSP_REVOKED)),
            incomplete_chain: Some(has(x509::ids::INCOMPLETE_CHAIN)),
            intermediate_hash,
            intermediate_rsa_bits,
            out_of_order: Some(has(x509::ids::CHAIN_ORDER)),
            extra_certificates: Some(count(x509::ids::EXTRA_CERTIFICATE)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_algorithm_names_map_to_kinds() {
        let table = [
            ("sha256WithRSAEncryption", SignatureKind::RsaPkcs1),
            ("rsassaPss", SignatureKind::RsaPss),
            ("ecdsa-with-SHA384", SignatureKind::Ecdsa),
            ("dsa-with-sha256", SignatureKind::Dsa),
            ("ED25519", SignatureKind::Ed25519),
            ("1.2.3.4", SignatureKind::Other),
        ];
        for (name, kind) in table {
            assert_eq!(signature_kind(name), kind, "{name}");
        }
    }

    #[test]
    fn curves_map_to_tls_groups() {
        assert_eq!(curve("P-256"), Some(NamedGroup::SECP256R1));
        assert_eq!(curve("P-521"), Some(NamedGroup::SECP521R1));
        assert_eq!(curve("sect163k1"), None);
    }

    #[test]
    fn chain_verdicts_become_facts() {
        let ca: &[u8] = include_bytes!("../../tests/fixtures/ocsp/ca.pem");
        let leaf = x509::split_chain(include_bytes!("../../tests/fixtures/ocsp/leaf.pem")).unwrap();
        let revoked: &[u8] = include_bytes!("../../tests/fixtures/ocsp/revoked.der");
        let trust = x509::TrustStore::empty().with_extra(ca).unwrap();
        let at = x509::parse_chain_der(&leaf).unwrap()[0].not_before + 3600;

        let good = CertFacts::from_chain(&x509::analyse(&leaf, None, at, &trust, 30));
        assert_eq!(
            (good.revoked, good.incomplete_chain, good.out_of_order, good.extra_certificates),
            (Some(false), Some(false), Some(false), Some(0))
        );
        assert_eq!(
            (good.intermediate_hash, good.intermediate_rsa_bits),
            (None, None),
            "no intermediate sent"
        );

        let report = x509::analyse_stapled(&leaf, Some(revoked), None, at, &trust, 30);
        assert_eq!(CertFacts::from_chain(&report).revoked, Some(true));

        let alone = x509::analyse(&leaf, None, at, &x509::TrustStore::empty(), 30);
        assert_eq!(CertFacts::from_chain(&alone).incomplete_chain, Some(true));

        // The CA sent before the leaf: out of order; the CA is self-signed, so not an
        // intermediate; sent twice, the copy is extra.
        let ca_der = x509::split_chain(ca).unwrap().remove(0);
        let mixed = vec![leaf[0].clone(), leaf[0].clone(), ca_der];
        let facts = CertFacts::from_chain(&x509::analyse(&mixed, None, at, &trust, 30));
        assert_eq!(facts.extra_certificates, Some(1), "{facts:?}");
        assert_eq!(facts.intermediate_hash, None);
    }

    #[test]
    fn an_empty_chain_knows_nothing() {
        let report = x509::analyse(&[], Some("mx.example.org"), 0, &x509::TrustStore::empty(), 30);
        let facts = CertFacts::from_chain(&report);
        assert_eq!(facts.key, None);
        assert_eq!(facts.trusted, None);
    }
}
