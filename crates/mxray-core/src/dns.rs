//! The DNS answer model shared by the resolver (`mxray_net::dns`) and the reports: every
//! answer carries its DNSSEC status and a distinguished outcome (records, NXDOMAIN, NODATA,
//! or an error of a named kind), and [`mail_routing`] decides what an MX answer means for
//! mail (RFC 5321 §5.1 implicit MX, RFC 7505 null MX).
//!
//! No IO here: the resolver fills these types; the decisions on them are pure functions.

use std::fmt;
use std::net::IpAddr;

use serde::Serialize;

/// The DNSSEC status of one answer (RFC 4035 §4.3), as the validating resolver found it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "reason")]
pub enum DnssecStatus {
    /// A chain of signed DNSKEY and DS records leads from a trust anchor to the answer (or
    /// to the signed proof that the name or type does not exist).
    Secure,
    /// Provably unsigned: the zone or one of its ancestors has no DS (signed proof of that).
    Insecure,
    /// Signatures fail, or records the chain requires are missing: an attack or a
    /// misconfiguration. The answer's records are withheld.
    Bogus(String),
    /// Not determined: validation was off, or the DNSSEC records could not be fetched.
    Indeterminate,
}

impl DnssecStatus {
    /// `secure`, `insecure`, `bogus`, `indeterminate`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Secure => "secure",
            Self::Insecure => "insecure",
            Self::Bogus(_) => "bogus",
            Self::Indeterminate => "indeterminate",
        }
    }

    /// True for [`DnssecStatus::Secure`].
    pub fn is_secure(&self) -> bool {
        *self == Self::Secure
    }

    /// The weaker of two statuses (Bogus < Indeterminate < Insecure < Secure).
    pub fn weakest(self, other: Self) -> Self {
        fn rank(s: &DnssecStatus) -> u8 {
            match s {
                DnssecStatus::Bogus(_) => 0,
                DnssecStatus::Indeterminate => 1,
                DnssecStatus::Insecure => 2,
                DnssecStatus::Secure => 3,
            }
        }
        if rank(&other) < rank(&self) { other } else { self }
    }
}

impl fmt::Display for DnssecStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bogus(reason) => write!(f, "bogus ({reason})"),
            other => f.write_str(other.as_str()),
        }
    }
}

/// Why a lookup produced no answer at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// The server answered SERVFAIL.
    ServFail,
    /// The server refused the query.
    Refused,
    /// No answer within the deadline.
    Timeout,
    /// DNSSEC validation failed; the records were withheld (see the answer's status).
    Bogus,
    /// The name is not a valid domain name.
    BadName,
    /// Socket or protocol trouble.
    Network,
    /// Anything else (another response code, a malformed answer).
    Other,
}

/// What a lookup produced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Outcome<T> {
    /// One or more records of the asked type.
    Records {
        /// The records, in the order received.
        records: Vec<T>,
    },
    /// NXDOMAIN: the name does not exist.
    NxDomain,
    /// NOERROR with no records of this type (NODATA): the name exists.
    NoData,
    /// No usable answer.
    Error {
        /// Which kind of failure.
        error: ErrorKind,
        /// The resolver's words.
        message: String,
    },
}

/// One DNS answer: what was asked, what came back, and how trustworthy it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Answer<T> {
    /// The queried name, fully qualified (`example.org.`).
    pub name: String,
    /// The record type (`MX`, `TLSA`, …).
    pub rtype: &'static str,
    /// DNSSEC status of the records or of the denial.
    pub dnssec: DnssecStatus,
    /// Records, NXDOMAIN, NODATA or an error.
    pub outcome: Outcome<T>,
}

impl<T> Answer<T> {
    /// The records, empty unless the outcome is [`Outcome::Records`].
    pub fn records(&self) -> &[T] {
        match &self.outcome {
            Outcome::Records { records } => records,
            _ => &[],
        }
    }

    /// A short description: `2 records, secure`, `NXDOMAIN, insecure`, `timeout`.
    pub fn summary(&self) -> String {
        match &self.outcome {
            Outcome::Records { records } => format!("{} record(s), {}", records.len(), self.dnssec),
            Outcome::NxDomain => format!("NXDOMAIN, {}", self.dnssec),
            Outcome::NoData => format!("no records, {}", self.dnssec),
            Outcome::Error { error: ErrorKind::Bogus, .. } => format!("{}", self.dnssec),
            Outcome::Error { message, .. } => format!("error: {message}"),
        }
    }
}

/// An MX record.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Mx {
    /// Lower is preferred.
    pub preference: u16,
    /// The exchange host, fully qualified (`mx1.example.org.`; `.` for a null MX).
    pub exchange: String,
}

/// An SRV record (RFC 2782).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Srv {
    /// Lower is tried first.
    pub priority: u16,
    /// Relative weight among equal priorities.
    pub weight: u16,
    /// The port.
    pub port: u16,
    /// The target host, fully qualified; `.` means "not available here".
    pub target: String,
}

/// A TXT record: its character strings, and their concatenation (what SPF, DMARC, MTA-STS
/// and TLS-RPT read, RFC 7208 §3.3).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Txt {
    /// Each character-string, bytes not valid UTF-8 replaced.
    pub strings: Vec<String>,
}

impl Txt {
    /// The strings concatenated without separator.
    pub fn joined(&self) -> String {
        self.strings.concat()
    }
}

/// An address record's address.
pub type Address = IpAddr;

/// What the MX answer of a domain means for delivering mail to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum MailRouting {
    /// MX records: the hosts, ordered by preference (ties keep the received order).
    Exchangers {
        /// Sorted by preference.
        hosts: Vec<Mx>,
    },
    /// A null MX (RFC 7505: one MX, preference 0, exchange `.`): the domain accepts no mail.
    NullMx,
    /// A null MX mixed with other MX records: malformed per RFC 7505 §3; the other hosts are
    /// listed (senders may try them, or treat the domain as not accepting mail).
    MalformedNullMx {
        /// The non-null hosts.
        hosts: Vec<Mx>,
    },
    /// No MX records but the name exists: RFC 5321 §5.1 implicit MX, the domain itself
    /// (preference 0), if it has an address.
    Implicit {
        /// The domain, which is its own mail host.
        host: String,
    },
    /// The domain does not exist.
    NoSuchDomain,
    /// The MX lookup failed (SERVFAIL, timeout, bogus): mail routing is unknown.
    Unknown,
}

/// Decides what an MX answer for `domain` means (see [`MailRouting`]).
pub fn mail_routing(answer: &Answer<Mx>) -> MailRouting {
    match &answer.outcome {
        Outcome::Records { records } => {
            let is_null = |m: &Mx| m.exchange == "." || m.exchange.is_empty();
            if records.iter().any(is_null) {
                let hosts: Vec<Mx> = sorted(records.iter().filter(|m| !is_null(m)).cloned().collect());
                if hosts.is_empty() && records.len() == 1 && records[0].preference == 0 {
                    return MailRouting::NullMx;
                }
                if hosts.is_empty() {
                    // Several null MX, or a null MX with a non-zero preference: still no mail.
                    return MailRouting::NullMx;
                }
                return MailRouting::MalformedNullMx { hosts };
            }
            MailRouting::Exchangers { hosts: sorted(records.clone()) }
        }
        Outcome::NoData => MailRouting::Implicit { host: answer.name.clone() },
        Outcome::NxDomain => MailRouting::NoSuchDomain,
        Outcome::Error { .. } => MailRouting::Unknown,
    }
}

fn sorted(mut hosts: Vec<Mx>) -> Vec<Mx> {
    hosts.sort_by_key(|m| m.preference);
    hosts
}

/// The fully qualified form of `name`: lower case, one trailing dot.
pub fn fqdn(name: &str) -> String {
    let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
    format!("{name}.")
}

/// The TLSA base name for a service on `host` (RFC 6698 §3): `_PORT._tcp.HOST.`.
pub fn tlsa_name(port: u16, host: &str) -> String {
    format!("_{port}._tcp.{}", fqdn(host))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mx(preference: u16, exchange: &str) -> Mx {
        Mx { preference, exchange: exchange.into() }
    }

    fn answer(outcome: Outcome<Mx>) -> Answer<Mx> {
        Answer { name: "example.org.".into(), rtype: "MX", dnssec: DnssecStatus::Secure, outcome }
    }

    #[test]
    fn mail_routing_table() {
        let records = |r: Vec<Mx>| Outcome::Records { records: r };
        let error = Outcome::Error { error: ErrorKind::Timeout, message: "timed out".into() };
        let cases = vec![
            (
                records(vec![mx(20, "b.example.org."), mx(10, "a.example.org."), mx(20, "c.example.org.")]),
                MailRouting::Exchangers {
                    hosts: vec![mx(10, "a.example.org."), mx(20, "b.example.org."), mx(20, "c.example.org.")],
                },
            ),
            (records(vec![mx(0, ".")]), MailRouting::NullMx),
            (records(vec![mx(10, ".")]), MailRouting::NullMx),
            (
                records(vec![mx(0, "."), mx(10, "mx.example.org.")]),
                MailRouting::MalformedNullMx { hosts: vec![mx(10, "mx.example.org.")] },
            ),
            (Outcome::NoData, MailRouting::Implicit { host: "example.org.".into() }),
            (Outcome::NxDomain, MailRouting::NoSuchDomain),
            (error, MailRouting::Unknown),
        ];
        for (outcome, want) in cases {
            assert_eq!(mail_routing(&answer(outcome.clone())), want, "{outcome:?}");
        }
    }

    #[test]
    fn weakest_status_orders_bogus_first() {
        use DnssecStatus::*;
        assert_eq!(Secure.weakest(Insecure), Insecure);
        assert_eq!(Insecure.weakest(Secure), Insecure);
        assert_eq!(Indeterminate.weakest(Insecure), Indeterminate);
        assert_eq!(Secure.weakest(Bogus("x".into())), Bogus("x".into()));
        assert_eq!(Secure.weakest(Secure), Secure);
    }

    #[test]
    fn names() {
        assert_eq!(fqdn("MX1.Example.org"), "mx1.example.org.");
        assert_eq!(fqdn("mx1.example.org."), "mx1.example.org.");
        assert_eq!(tlsa_name(25, "mx1.example.org"), "_25._tcp.mx1.example.org.");
        assert_eq!(Txt { strings: vec!["v=spf1 ".into(), "-all".into()] }.joined(), "v=spf1 -all");
    }

    #[test]
    fn answers_serialise_with_status_and_outcome() {
        let a = Answer {
            name: "x.test.".into(),
            rtype: "MX",
            dnssec: DnssecStatus::Bogus("DS does not match".into()),
            outcome: Outcome::<Mx>::Error { error: ErrorKind::Bogus, message: "validation failed".into() },
        };
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["dnssec"]["status"], "bogus");
        assert_eq!(json["dnssec"]["reason"], "DS does not match");
        assert_eq!(json["outcome"]["kind"], "error");
        assert_eq!(json["outcome"]["error"], "bogus");
        assert_eq!(a.summary(), "bogus (DS does not match)");
    }
}
