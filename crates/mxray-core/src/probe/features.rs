//! Session features, read from the answers to the enumeration hellos, and the one probe
//! that cannot ride along: TLS_FALLBACK_SCSV.
//!
//! Every TLS 1.0–1.2 hello asks for secure renegotiation, session tickets, OCSP stapling,
//! heartbeat, extended master secret and encrypt-then-MAC, so every ServerHello says which
//! the server agrees to; a feature is `Some(true)` as soon as one answer shows it. The first
//! hello of each TLS ≤ 1.2 version offers DEFLATE before NULL compression (which changes no
//! suite choice), so compression costs no hello of its own. Encrypt-then-MAC only shows
//! when a CBC suite was chosen.
//!
//! TLS_FALLBACK_SCSV (RFC 7507) needs one hello: the second-highest supported version with
//! one of its accepted suites and the SCSV. An `inappropriate_fallback` alert means the
//! server protects against downgrades; a ServerHello means it does not. A server that
//! closes the connection instead of sending the alert (Dovecot does; `openssl s_client
//! -fallback_scsv` sees "unexpected eof") also refuses the downgrade: the same hello
//! without the SCSV was answered during the enumeration, so the SCSV is what it refused.

use serde::Serialize;

use crate::registry::{AlertDescription, CipherSuite, CompressionMethod, ProtocolVersion};

use super::{Answer, HelloOutcome, Step};

/// Session features; `None` where no answer could tell.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FeatureFindings {
    /// RFC 5746 `renegotiation_info` in the ServerHello.
    pub secure_renegotiation: Option<bool>,
    /// The server chose DEFLATE when offered.
    pub compression: Option<bool>,
    /// RFC 6520 heartbeat extension.
    pub heartbeat: Option<bool>,
    /// RFC 7627 extended master secret.
    pub extended_master_secret: Option<bool>,
    /// RFC 7366 encrypt-then-MAC (only shown with a CBC suite).
    pub encrypt_then_mac: Option<bool>,
    /// A CertificateStatus message (stapled OCSP response).
    pub ocsp_stapling: Option<bool>,
    /// RFC 5077 `session_ticket` in the ServerHello.
    pub session_tickets: Option<bool>,
    /// RFC 7507: `inappropriate_fallback` on a lower-version hello with the SCSV.
    pub fallback_scsv: Option<bool>,
}

fn or(slot: &mut Option<bool>, seen: bool) {
    *slot = Some(slot.unwrap_or(false) || seen);
}

impl FeatureFindings {
    /// Reads the features from an answer to a hello at `version` (TLS 1.3: OCSP stapling
    /// only);
    /// `offered_deflate` when the hello offered DEFLATE.
    pub(crate) fn observe(&mut self, version: ProtocolVersion, answer: &Answer, offered_deflate: bool) {
        let Some(sh) = &answer.server_hello else { return };
        if answer.version != Some(version) {
            return;
        }
        if version == ProtocolVersion::TLSV1_3 {
            // A TLS 1.3 staple sits in the leaf's entry of the encrypted Certificate: only a
            // flight that was read to its CertificateVerify can say there was none.
            if answer.tls13_scheme.is_some() {
                or(&mut self.ocsp_stapling, answer.ocsp_response.is_some());
            }
            return;
        }
        if offered_deflate {
            or(&mut self.compression, sh.compression_method == CompressionMethod::DEFLATE);
        }
        if version < ProtocolVersion::TLSV1_0 {
            return;
        }
        or(&mut self.secure_renegotiation, sh.renegotiation_info().is_some());
        or(&mut self.heartbeat, sh.heartbeat().is_some());
        or(&mut self.extended_master_secret, sh.extended_master_secret().is_some());
        or(&mut self.encrypt_then_mac, sh.encrypt_then_mac().is_some());
        or(&mut self.session_tickets, sh.session_ticket().is_some());
        if answer.end == crate::wire::flight::FlightEnd::ServerHelloDone {
            or(&mut self.ocsp_stapling, answer.ocsp_stapled);
        }
    }
}

/// The TLS_FALLBACK_SCSV probe.
#[derive(Clone, Debug)]
pub(crate) struct FallbackProbe {
    pub(crate) version: ProtocolVersion,
    pub(crate) suites: Vec<CipherSuite>,
    waiting: bool,
    retried: bool,
    pub(crate) done: bool,
    pub(crate) result: Option<bool>,
}

impl FallbackProbe {
    pub(crate) fn new(version: ProtocolVersion, mut suites: Vec<CipherSuite>) -> Self {
        suites.push(CipherSuite::TLS_FALLBACK_SCSV);
        Self { version, suites, waiting: false, retried: false, done: false, result: None }
    }

    pub(crate) fn wants_hello(&mut self) -> bool {
        if self.done || self.waiting {
            return false;
        }
        self.waiting = true;
        true
    }

    pub(crate) fn on_outcome(&mut self, outcome: &HelloOutcome) {
        self.waiting = false;
        match outcome.step(&mut self.retried) {
            Step::Answer(a) => {
                self.result = match a.alert {
                    Some(alert) if alert.description == AlertDescription::INAPPROPRIATE_FALLBACK => {
                        Some(true)
                    }
                    _ if a.server_hello.is_some() && a.version == Some(self.version) => Some(false),
                    _ => None,
                };
            }
            Step::Closed => self.result = Some(true),
            Step::Retry => return,
            Step::GiveUp => {}
        }
        self.done = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe_with(outcome: &HelloOutcome) -> FallbackProbe {
        let mut probe =
            FallbackProbe::new(ProtocolVersion::TLSV1_2, vec![CipherSuite::TLS_AES_128_GCM_SHA256]);
        assert!(probe.wants_hello());
        probe.on_outcome(outcome);
        probe
    }

    #[test]
    fn a_close_instead_of_the_alert_is_a_refused_downgrade() {
        let probe = probe_with(&HelloOutcome::Closed);
        assert!(probe.done);
        assert_eq!(probe.result, Some(true));
    }

    #[test]
    fn a_timeout_is_retried_once_then_unknown() {
        let mut probe = probe_with(&HelloOutcome::Timeout);
        assert!(!probe.done, "retried");
        assert!(probe.wants_hello());
        probe.on_outcome(&HelloOutcome::Timeout);
        assert!(probe.done);
        assert_eq!(probe.result, None);
    }
}
