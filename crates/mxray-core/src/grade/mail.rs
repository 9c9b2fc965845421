//! The mail posture verdict: ok, weak or fail, judged as the endpoint's real clients judge
//! it (GRADING.md §13, the \[synthesis\] rows of §13.6 made explicit):
//!
//! - **fail**: no TLS at all (RFC 7435: any encryption beats none, so none is the worst),
//!   also when STARTTLS is announced and accepted but every handshake fails
//!   (`mail.starttls_no_handshake`); on port 25, TLS that no common sending MTA can negotiate
//!   (`mail.no_common_mta`: senders get clear text or defer); DANE published and not
//!   matching (RFC 7672 §2.2: senders defer); a certificate that does not validate where
//!   clients check it: every client-facing port (465, 587, 993, 995, 143, 110, 4190: RFC
//!   8314 §4.4, RFC 7817) and port 25 under MTA-STS (RFC 8461 §4.2) or
//!   DANE without a known TLSA match; no TLS 1.2 where clients require it (RFC 8997, RFC 8461
//!   §7.2); on client-facing ports also a letter of F.
//! - **weak**: the crypto letter (ignoring certificate trust) is B or lower: legacy versions
//!   or suites, small keys; or some of the common sending MTAs cannot negotiate TLS
//!   (`mail.some_mtas_fail`). On port 25 even an F letter is only weak: legacy TLS still
//!   beats the cleartext a sender would fall back to (RFC 9325 §5.2).
//! - **ok**: otherwise. On port 25 without DANE or MTA-STS a self-signed or mismatched
//!   certificate is ok (it is noted among the reasons).

use serde::Serialize;

use super::{Grade, GradeFinding, Input, RULES};

/// The mail posture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Mail is protected as its senders and clients expect.
    Ok,
    /// Encrypted, but with weaknesses to fix.
    Weak,
    /// Clients or senders will refuse, defer, or send in clear text.
    Fail,
}

/// The mail posture and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MailVerdict {
    /// ok, weak or fail.
    pub verdict: Verdict,
    /// The reasons, one line each (the messages of the findings that decided it).
    pub reasons: Vec<String>,
}

/// Rules whose hit makes the verdict fail.
const FAILING: [&str; 12] = [
    "cert.revoked",
    "mail.no_tls",
    "mail.starttls_no_handshake",
    "mail.no_common_mta",
    "mail.dane_mismatch",
    "mail.tls12_required",
    "cert.untrusted",
    "cert.self_signed",
    "cert.expired",
    "cert.name_mismatch",
    "cert.md5_signature",
    "cert.sha1_signature",
];

/// The verdict from the findings and the crypto letter.
pub(crate) fn verdict(input: &Input<'_>, crypto: Grade, findings: &[GradeFinding]) -> MailVerdict {
    let mut reasons: Vec<String> =
        findings.iter().filter(|f| FAILING.contains(&f.id)).map(|f| f.message.clone()).collect();
    let client_facing = !input.ctx.is_relay();
    if client_facing && crypto == Grade::F {
        reasons.push(format!(
            "the TLS configuration grades {crypto}, and mail clients on this port depend on it"
        ));
    }
    if !reasons.is_empty() {
        return MailVerdict { verdict: Verdict::Fail, reasons };
    }
    // Some common sending MTAs cannot negotiate: their mail is deferred or in clear text.
    let some_fail: Vec<String> =
        findings.iter().filter(|f| f.id == "mail.some_mtas_fail").map(|f| f.message.clone()).collect();
    if crypto.rank() <= Grade::B.rank() || !some_fail.is_empty() {
        reasons.extend(some_fail);
        let capping = |f: &&GradeFinding| {
            RULES.iter().any(|r| r.id == f.id && r.cap.is_some_and(|c| c.rank() <= Grade::B.rank()))
        };
        reasons.extend(findings.iter().filter(capping).map(|f| f.message.clone()));
        if reasons.is_empty() {
            reasons.push(format!("the TLS configuration grades {crypto}"));
        }
        return MailVerdict { verdict: Verdict::Weak, reasons };
    }
    reasons.extend(
        findings.iter().filter(|f| f.id == "mail.opportunistic_certificate").map(|f| f.message.clone()),
    );
    MailVerdict { verdict: Verdict::Ok, reasons }
}
