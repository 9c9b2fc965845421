//! Host names against certificate names, per RFC 6125 (and the CA/Browser Forum rules).
//!
//! - Comparison is ASCII case-insensitive; one trailing dot on either side is ignored.
//! - A wildcard is only the whole left-most label (`*.example.org`); it matches exactly one
//!   non-empty label, never a partial label (`w*.example.org` matches nothing), never a
//!   public-suffix-like two-label pattern (`*.org`), never an IP address.
//! - IP addresses match only iPAddress SAN entries, byte for byte.
//! - The subject CN is consulted only when the certificate has no DNS or IP SAN at all, as a
//!   legacy fallback that the caller reports (RFC 6125 §6.4.4; browsers refuse it).

use std::net::IpAddr;

use serde::Serialize;

use super::CertInfo;

/// How the host name matched the leaf certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "name")]
#[non_exhaustive]
pub enum NameMatch {
    /// A subjectAltName entry (shown as written in the certificate) matched.
    San(String),
    /// No SAN of DNS/IP type exists and the subject CN matched: legacy, flagged.
    CommonNameFallback(String),
    /// Nothing matched.
    Mismatch,
}

/// Matches `host` against the names of `cert`.
pub fn match_host(cert: &CertInfo, host: &str) -> NameMatch {
    if let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
        return match cert.ip_addresses.iter().find(|s| s.parse::<IpAddr>().ok() == Some(ip)) {
            Some(s) => NameMatch::San(s.clone()),
            None => NameMatch::Mismatch,
        };
    }
    if let Some(name) = cert.dns_names.iter().find(|p| dns_name_matches(p, host)) {
        return NameMatch::San(name.clone());
    }
    if cert.dns_names.is_empty()
        && cert.ip_addresses.is_empty()
        && let Some(cn) = cert.subject_cn.iter().find(|cn| dns_name_matches(cn, host))
    {
        return NameMatch::CommonNameFallback(cn.clone());
    }
    NameMatch::Mismatch
}

/// True if the reference name `host` matches the presented identifier `pattern`.
pub fn dns_name_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.strip_suffix('.').unwrap_or(pattern);
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.is_empty() || pattern.is_empty() || host.parse::<IpAddr>().is_ok() {
        return false;
    }
    if !pattern.is_ascii() || !host.is_ascii() {
        // IDNs are compared as A-labels; U-labels in a certificate are malformed.
        return false;
    }
    let host_labels: Vec<&str> = host.split('.').collect();
    if host_labels.iter().any(|l| l.is_empty() || l.contains('*')) {
        return false;
    }
    let pattern_labels: Vec<&str> = pattern.split('.').collect();
    if pattern_labels.len() != host_labels.len() || pattern_labels.iter().any(|l| l.is_empty()) {
        return false;
    }
    let mut first = true;
    for (p, h) in pattern_labels.iter().zip(&host_labels) {
        let ok = if first && *p == "*" {
            // Wildcard: at least two fixed labels after it, and no other '*'.
            pattern_labels.len() >= 3 && pattern_labels[1..].iter().all(|l| !l.contains('*'))
        } else {
            !p.contains('*') && p.eq_ignore_ascii_case(h)
        };
        if !ok {
            return false;
        }
        first = false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6125_table() {
        let cases = [
            ("mx.example.org", "mx.example.org", true),
            ("MX.Example.ORG", "mx.example.org", true),
            ("mx.example.org.", "mx.example.org", true),
            ("mx.example.org", "mx.example.org.", true),
            ("*.example.org", "mx.example.org", true),
            ("*.example.org", "example.org", false),
            ("*.example.org", "a.mx.example.org", false),
            ("*.example.org", ".example.org", false),
            ("m*.example.org", "mx.example.org", false),
            ("*x.example.org", "mx.example.org", false),
            ("mx.*.org", "mx.example.org", false),
            ("*.*.org", "mx.example.org", false),
            ("*.org", "example.org", false),
            ("*", "localhost", false),
            ("*.0.0.1", "127.0.0.1", false),
            ("127.0.0.1", "127.0.0.1", false),
            ("mx.example.org", "mx.example.com", false),
            ("xn--bcher-kva.example", "xn--bcher-kva.example", true),
            ("bücher.example", "bücher.example", false),
        ];
        for (pattern, host, want) in cases {
            assert_eq!(dns_name_matches(pattern, host), want, "{pattern} vs {host}");
        }
    }
}
