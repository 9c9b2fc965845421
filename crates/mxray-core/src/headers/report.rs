//! The header report: the serde model that `mxray headers --json` prints and the page
//! renders (documented field by field in `docs/headers.md`), and [`build`], which fills it
//! from a parsed header block.
//!
//! Hops are **oldest first**. A hop's grade reuses the scan's rules: the suite's
//! [`Strength`] ([`report::strength`]), lowered to `weak` for TLS 1.0/1.1 and `insecure`
//! for SSL, and the NCSC-NL classes of the version and the suite ([`ncsc::version_class`],
//! [`ncsc::suite_class`]).

use serde::Serialize;

use super::auth_results;
use super::date::{MessageDate, parse_date};
use super::parse::{Field, HeaderBlock, LineEndings, decode_words};
use super::received::{self, Host};
use super::tls::{self, Found, Recognised};
use crate::grade::ncsc::{self, NcscClass};
use crate::registry::{CipherCode, CipherSuiteInfo, ProtocolVersion};
use crate::report::{self, Strength};

/// The version of the JSON model (`major.minor`).
pub const SCHEMA_VERSION: &str = "1.0";

/// Everything the header block says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HeadersReport {
    /// [`SCHEMA_VERSION`].
    pub schema_version: &'static str,
    /// Always `"oldest_first"`: `hops[0]` is the first server the message reached.
    pub hop_order: &'static str,
    /// The message's identity fields, RFC 2047 decoded.
    pub summary: Summary,
    /// The `Received:` hops, oldest first.
    pub hops: Vec<Hop>,
    /// Seconds from the oldest to the newest hop timestamp, when both are known.
    pub total_delay_seconds: Option<i64>,
    /// The weakest strength among hops with a known suite.
    pub weakest_hop: Option<Strength>,
    /// `Authentication-Results`, `ARC-Authentication-Results` and `Received-SPF` fields, top
    /// (newest) first, as in the header.
    pub authentication: Vec<AuthResults>,
    /// `TLS-Required` (RFC 8689), `TLS-Report-Domain` / `TLS-Report-Submitter` (RFC 8460)
    /// and the non-standard `Require-TLS` spellings.
    pub tls_policy: Vec<PolicyField>,
    /// Things worth knowing: clock skew, unreadable dates, unrecognised TLS annotations,
    /// stray lines, plaintext hops.
    pub warnings: Vec<Warning>,
    /// Number of header fields read.
    pub field_count: usize,
    /// Bytes of header text read (the body is not read).
    pub header_bytes: usize,
    /// `"crlf"`, `"lf"` or `"mixed"`.
    pub line_endings: &'static str,
    /// True if a body followed the header (a whole message, not a pasted header block).
    pub has_body: bool,
}

/// The message's identity fields.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// `From:`, decoded.
    pub from: Option<String>,
    /// `To:`, decoded.
    pub to: Option<String>,
    /// `Subject:`, decoded.
    pub subject: Option<String>,
    /// `Date:` as written.
    pub date: Option<String>,
    /// `Date:` read.
    pub date_parsed: Option<Timestamp>,
    /// `Message-ID:`.
    pub message_id: Option<String>,
}

/// A time read from a header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Timestamp {
    /// RFC 3339 in UTC.
    pub rfc3339: String,
    /// Unix seconds.
    pub unix: i64,
    /// The zone offset as written, in minutes east of UTC (`None` for `-0000`).
    pub offset_minutes: Option<i32>,
}

impl From<MessageDate> for Timestamp {
    fn from(d: MessageDate) -> Self {
        Self { rfc3339: d.rfc3339(), unix: d.unix, offset_minutes: d.offset_minutes }
    }
}

/// A host named in a `from` or `by` clause.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HopHost {
    /// The name as written (for `from`, usually the HELO/EHLO name the client gave).
    pub name: Option<String>,
    /// The HELO/EHLO name when written separately (`helo=`, `(HELO x)`).
    pub helo: Option<String>,
    /// The reverse-DNS name the receiving server found.
    pub reverse_dns: Option<String>,
    /// The IP address.
    pub ip: Option<String>,
}

impl From<Host> for HopHost {
    fn from(h: Host) -> Self {
        Self { name: h.name, helo: h.helo, reverse_dns: h.reverse_dns, ip: h.ip.map(|ip| ip.to_string()) }
    }
}

/// How a hop was carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    /// A TLS annotation was read.
    Tls,
    /// The protocol keyword says TLS (`ESMTPS`, `ESMTPSA`, `LMTPS`, …) but no details were
    /// written, or they were not recognised.
    TlsNoDetails,
    /// A protocol keyword without TLS (`SMTP`, `ESMTP`, `LMTP`, …) and no TLS annotation.
    Plaintext,
    /// Nothing says either way.
    Unknown,
}

/// A `key=value` fact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyValue {
    /// The key as written.
    pub key: String,
    /// The value as written.
    pub value: String,
}

/// The registry row a cipher name maps to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SuiteMatch {
    /// `"0xC02F"`.
    pub code: CipherCode,
    /// The IANA name.
    pub iana: &'static str,
    /// The OpenSSL name, if it has one.
    pub openssl: Option<&'static str>,
    /// Nominal key bits of the bulk cipher.
    pub key_bits: u16,
    /// Forward secrecy.
    pub forward_secrecy: bool,
    /// An AEAD suite.
    pub aead: bool,
}

impl From<&'static CipherSuiteInfo> for SuiteMatch {
    fn from(info: &'static CipherSuiteInfo) -> Self {
        Self {
            code: info.code,
            iana: info.name,
            openssl: info.openssl,
            key_bits: info.key_bits,
            forward_secrecy: info.forward_secrecy,
            aead: info.is_aead(),
        }
    }
}

/// What a `Received:` field says of the client certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClientCertificate {
    /// Whether the server asked for one (`false`: "No client certificate requested").
    pub requested: Option<bool>,
    /// Whether the client sent one.
    pub presented: Option<bool>,
    /// The certificate's subject CN.
    pub subject_cn: Option<String>,
    /// The issuer's CN.
    pub issuer_cn: Option<String>,
    /// Whether the server verified it.
    pub verified: Option<bool>,
    /// The text as written.
    pub text: String,
}

/// The TLS of one hop.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TlsAnnotation {
    /// Which annotation syntax was read: `using` (Postfix), `key=value` (Microsoft, Gmail,
    /// Sendmail, Haraka), `exim`, `colon` (old Exim, OpenSMTPD), `encrypted` (qmail),
    /// `slash` (Cisco), `courier`.
    pub syntax: &'static str,
    /// The version as written (`TLSv1.3`, `TLS1_2`).
    pub version: Option<String>,
    /// The version understood (`TLSv1.3`), if it was.
    pub version_name: Option<&'static str>,
    /// The cipher as written.
    pub cipher: Option<String>,
    /// The registry row, if the name is known in any naming.
    pub suite: Option<SuiteMatch>,
    /// Key bits as written (`256/256`).
    pub bits: Option<String>,
    /// Peer-certificate verification as written (`NOT`, `OK`, `NO`).
    pub verify: Option<String>,
    /// Further facts (`key-exchange`, `server-signature`, `server-digest`, …).
    pub details: Vec<KeyValue>,
    /// The client certificate, where the MTA says.
    pub client_certificate: Option<ClientCertificate>,
    /// The annotation text read.
    pub text: String,
}

/// The grade of one hop's TLS.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HopGrade {
    /// The scan's suite marking, lowered by the version; `None` if the suite is unknown.
    pub strength: Option<Strength>,
    /// NCSC-NL class of the version.
    pub ncsc_version: Option<NcscClass>,
    /// NCSC-NL class of the suite.
    pub ncsc_suite: Option<NcscClass>,
    /// One line saying why.
    pub reason: String,
}

/// One `Received:` field: one hop.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Hop {
    /// 1 for the oldest hop.
    pub number: usize,
    /// Position of the field in the header block (0 is the top field).
    pub field_index: usize,
    /// 1-based line of the field in the input.
    pub line: usize,
    /// The sending host.
    pub from: Option<HopHost>,
    /// The receiving host.
    pub by: Option<HopHost>,
    /// The `via` clause.
    pub via: Option<String>,
    /// The `with` keyword as written (`ESMTPS`, `Microsoft SMTP Server`).
    pub protocol: Option<String>,
    /// Whether the keyword says TLS (RFC 3848: `…S`, `…SA`); `None` for unknown keywords.
    pub protocol_tls: Option<bool>,
    /// Whether the keyword says the client authenticated (`…A`).
    pub protocol_auth: Option<bool>,
    /// The receiving MTA, guessed from the field's wording (`Postfix`, `Exim`, …).
    pub mta: Option<&'static str>,
    /// The `id` clause (queue ID).
    pub id: Option<String>,
    /// The `for` clause (recipient), without angle brackets.
    #[serde(rename = "for")]
    pub for_: Option<String>,
    /// The date after `;` as written.
    pub date: Option<String>,
    /// The date read.
    pub timestamp: Option<Timestamp>,
    /// Seconds since the previous (older) hop with a timestamp; negative means clock skew.
    pub delay_seconds: Option<i64>,
    /// True if this hop's time is earlier than the previous hop's: a clock is wrong.
    pub clock_skew: bool,
    /// How the hop was carried.
    pub transport: Transport,
    /// The TLS annotation, if one was read.
    pub tls: Option<TlsAnnotation>,
    /// A comment about TLS that no recogniser read, as written.
    pub tls_unrecognised: Option<String>,
    /// The grade, for hops with a TLS annotation.
    pub grade: Option<HopGrade>,
    /// False if neither `from` nor `by` was found (an unusual format; see `raw`).
    pub parsed: bool,
    /// The field exactly as written.
    pub raw: String,
}

/// One method's result in an `Authentication-Results` field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuthMethodResult {
    /// `spf`, `dkim`, `dmarc`, `arc`, … (lower case).
    pub method: String,
    /// `pass`, `fail`, `softfail`, `neutral`, `none`, `temperror`, `permerror`, … (lower case).
    pub result: String,
    /// `reason="…"`.
    pub reason: Option<String>,
    /// `ptype.property=value` pairs (`smtp.mailfrom`, `header.d`, `header.from`, …).
    pub properties: Vec<KeyValue>,
}

/// One authentication field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuthResults {
    /// The field name as written.
    pub field: String,
    /// The host that evaluated (authserv-id).
    pub authserv_id: Option<String>,
    /// The ARC instance (`i=`).
    pub arc_instance: Option<u32>,
    /// The results, in order.
    pub results: Vec<AuthMethodResult>,
    /// The field as written.
    pub raw: String,
}

/// A TLS policy field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PolicyField {
    /// The field name as written.
    pub field: String,
    /// The value.
    pub value: String,
    /// What it means.
    pub meaning: String,
}

/// Something worth knowing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// A stable identifier (`hop.clock_skew`).
    pub id: &'static str,
    /// One sentence.
    pub message: String,
    /// The hop it concerns, if any.
    pub hop: Option<usize>,
}

/// Receiving MTAs recognised by their wording: (needle, name), first match wins.
const MTAS: &[(&str, &str)] = &[
    ("Microsoft SMTP Server", "Microsoft Exchange/365"),
    ("(Postfix", "Postfix"),
    ("Postfix)", "Postfix"),
    ("(Exim ", "Exim"),
    ("OpenSMTPD", "OpenSMTPD"),
    ("Haraka", "Haraka"),
    ("Stalwart", "Stalwart"),
    ("Zimbra", "Zimbra"),
    ("qmail", "qmail"),
    ("Courier", "Courier"),
    ("/TLS/", "Cisco Secure Email"),
    ("IronPort", "Cisco Secure Email"),
    ("mx.google.com", "Gmail"),
    ("google.com with", "Gmail"),
    ("Sendmail", "Sendmail"),
    ("Sun Java", "Sun Java System Messaging Server"),
];

/// The MTA a field's wording names, if any. Sendmail signs with its version pair
/// (`(8.17.1/8.17.1)`).
fn mta_of(value: &str) -> Option<&'static str> {
    if let Some((_, name)) = MTAS.iter().find(|(needle, _)| value.contains(needle)) {
        return Some(name);
    }
    let sendmail = value.split(['(', ')']).any(|part| {
        let mut halves = part.split('/');
        let (Some(a), Some(b), None) = (halves.next(), halves.next(), halves.next()) else { return false };
        let version = |s: &str| {
            s.starts_with("8.")
                && s.split('.').all(|n| n.bytes().all(|c| c.is_ascii_digit()) && !n.is_empty())
        };
        version(a) && version(b.split_whitespace().next().unwrap_or(""))
    });
    sendmail.then_some("Sendmail")
}

/// The grade of a hop's TLS, from the scan's rules.
fn grade(version: Option<ProtocolVersion>, suite: Option<&'static CipherSuiteInfo>) -> HopGrade {
    let version_strength = version.map(|v| match v {
        ProtocolVersion::TLSV1_3 | ProtocolVersion::TLSV1_2 => Strength::Secure,
        ProtocolVersion::TLSV1_1 | ProtocolVersion::TLSV1_0 => Strength::Weak,
        _ => Strength::Insecure,
    });
    let suite_strength = suite.map(|s| report::strength(s.code));
    let strength = match (version_strength, suite_strength) {
        (_, None) => None,
        (None, Some(s)) => Some(s),
        (Some(v), Some(s)) => Some(v.max(s)),
    };
    let ncsc_version = version.map(ncsc::version_class);
    let ncsc_suite = suite.map(|s| ncsc::suite_class(s.name));
    let mut why: Vec<String> = Vec::new();
    if let (Some(v), Some(vs)) = (version, version_strength)
        && vs > Strength::Secure
    {
        why.push(format!("{v} is outdated"));
    }
    match suite {
        None => why.push("the cipher is not in the registry under any known naming".to_owned()),
        Some(s) if report::strength(s.code) == Strength::Insecure => {
            why.push(format!("{} is broken (export, NULL, RC4, DES, MD5 or anonymous)", s.name));
        }
        Some(s) => {
            if !s.forward_secrecy {
                why.push("no forward secrecy".to_owned());
            }
            if !s.is_aead() {
                why.push("not AEAD (CBC)".to_owned());
            }
        }
    }
    let reason = if why.is_empty() { "forward secrecy and AEAD".to_owned() } else { why.join("; ") };
    HopGrade { strength, ncsc_version, ncsc_suite, reason }
}

/// Builds a hop from one `Received:` field (its number and delay are set later).
fn hop(field: &Field<'_>) -> Hop {
    let r = received::parse(&field.value);
    let from = r.from.as_ref().map(|c| HopHost::from(received::host(c)));
    let by = r.by.as_ref().map(|c| HopHost::from(received::host(c)));
    let with_words = r.with.as_ref().map(|c| c.words.clone()).unwrap_or_default();
    let protocol = match with_words.first() {
        Some(w) if w.eq_ignore_ascii_case("Microsoft") => {
            Some(with_words.iter().take(3).copied().collect::<Vec<_>>().join(" "))
        }
        Some(w) => Some(w.split('/').next().unwrap_or(w).to_owned()),
        None => None,
    };
    let facts = protocol.as_deref().and_then(received::protocol_facts);
    let date = r.date.map(str::to_owned);
    let timestamp = r.date.and_then(parse_date).map(Timestamp::from);
    let (tls, tls_unrecognised) = match tls::recognise(&field.value) {
        Recognised::Found(found) => (Some(annotation(*found)), None),
        Recognised::Unrecognised(text) => (None, Some(text)),
        Recognised::Nothing => (None, None),
    };
    let transport = match (&tls, facts) {
        (Some(_), _) => Transport::Tls,
        (None, Some((true, _))) => Transport::TlsNoDetails,
        (None, _) if tls_unrecognised.is_some() => Transport::TlsNoDetails,
        (None, Some((false, _))) => Transport::Plaintext,
        (None, None) => Transport::Unknown,
    };
    let grade = tls.as_ref().map(|t| {
        let version = t.version.as_deref().and_then(tls::version_of);
        let suite = t.cipher.as_deref().and_then(tls::suite_for_name);
        grade(version, suite)
    });
    let parsed = from.is_some() || by.is_some();
    Hop {
        number: 0,
        field_index: field.index,
        line: field.line,
        from,
        by,
        via: r.via.as_ref().and_then(|c| c.first()).map(str::to_owned),
        protocol,
        protocol_tls: facts.map(|f| f.0),
        protocol_auth: facts.map(|f| f.1),
        mta: mta_of(&field.value),
        id: r.id.as_ref().and_then(|c| c.first()).map(|w| w.trim_end_matches([',', ';']).to_owned()),
        for_: r
            .for_
            .as_ref()
            .and_then(|c| c.first())
            .map(|w| w.trim_matches(['<', '>', ';', ',']).to_owned()),
        date,
        timestamp,
        delay_seconds: None,
        clock_skew: false,
        transport,
        tls,
        tls_unrecognised,
        grade,
        parsed,
        raw: field.raw.to_owned(),
    }
}

/// The report form of a recogniser's find.
fn annotation(f: Found) -> TlsAnnotation {
    let version_name = f.version.as_deref().and_then(tls::version_of).and_then(ProtocolVersion::name);
    let suite = f.cipher.as_deref().and_then(tls::suite_for_name).map(SuiteMatch::from);
    TlsAnnotation {
        syntax: f.syntax,
        version: f.version,
        version_name,
        cipher: f.cipher,
        suite,
        bits: f.bits,
        verify: f.verify,
        details: f.details.into_iter().map(|(key, value)| KeyValue { key, value }).collect(),
        client_certificate: f.client_cert.map(|c| ClientCertificate {
            requested: c.requested,
            presented: c.presented,
            subject_cn: c.subject_cn,
            issuer_cn: c.issuer_cn,
            verified: c.verified,
            text: c.text,
        }),
        text: f.text,
    }
}

/// The first field named `name`, decoded.
fn first_decoded(block: &HeaderBlock<'_>, name: &str) -> Option<String> {
    block.fields.iter().find(|f| f.is(name)).map(|f| decode_words(&f.value).0)
}

/// Fills the report from a parsed block.
pub(crate) fn build(block: &HeaderBlock<'_>) -> HeadersReport {
    let mut warnings: Vec<Warning> = block
        .warnings
        .iter()
        .map(|(id, message)| Warning { id, message: message.clone(), hop: None })
        .collect();

    // Hops: the header lists the newest first; the report lists the oldest first.
    let mut hops: Vec<Hop> = block.fields.iter().rev().filter(|f| f.is("Received")).map(hop).collect();
    let mut previous: Option<i64> = None;
    for (i, h) in hops.iter_mut().enumerate() {
        h.number = i + 1;
        if h.date.is_some() && h.timestamp.is_none() {
            warnings.push(Warning {
                id: "hop.bad_date",
                message: format!(
                    "hop {}: the date {:?} could not be read",
                    h.number,
                    h.date.as_deref().unwrap_or("")
                ),
                hop: Some(h.number),
            });
        }
        if let Some(t) = &h.timestamp {
            if let Some(p) = previous {
                let delay = t.unix - p;
                h.delay_seconds = Some(delay);
                if delay < 0 {
                    h.clock_skew = true;
                    warnings.push(Warning {
                        id: "hop.clock_skew",
                        message: format!(
                            "hop {} is stamped {} s before the hop that handed it the message: one of the two clocks is wrong",
                            h.number, -delay
                        ),
                        hop: Some(h.number),
                    });
                }
            }
            previous = Some(t.unix);
        }
        if !h.parsed {
            warnings.push(Warning {
                id: "hop.unparsed",
                message: format!(
                    "hop {}: no `from` or `by` clause found; the field is shown as written",
                    h.number
                ),
                hop: Some(h.number),
            });
        }
        if let Some(text) = &h.tls_unrecognised {
            warnings.push(Warning {
                id: "hop.tls_unrecognised",
                message: format!(
                    "hop {}: a TLS annotation in an unknown format is shown as written: ({text})",
                    h.number
                ),
                hop: Some(h.number),
            });
        }
        if let Some(t) = &h.tls
            && t.cipher.is_some()
            && t.suite.is_none()
        {
            warnings.push(Warning {
                id: "hop.unknown_cipher",
                message: format!(
                    "hop {}: the cipher {:?} is not in the registry under any known naming",
                    h.number,
                    t.cipher.as_deref().unwrap_or("")
                ),
                hop: Some(h.number),
            });
        }
        if h.transport == Transport::Plaintext {
            let internal = h.from.as_ref().and_then(|f| f.ip.as_deref()).is_some_and(|ip| {
                ip.parse::<std::net::IpAddr>().is_ok_and(|ip| match ip {
                    std::net::IpAddr::V4(v4) => v4.is_loopback() || v4.is_private(),
                    std::net::IpAddr::V6(v6) => v6.is_loopback(),
                })
            });
            warnings.push(Warning {
                id: "hop.plaintext",
                message: if internal {
                    format!("hop {}: received without TLS from an internal address", h.number)
                } else {
                    format!(
                        "hop {}: received without TLS ({})",
                        h.number,
                        h.protocol.as_deref().unwrap_or("?")
                    )
                },
                hop: Some(h.number),
            });
        }
    }
    let stamps: Vec<i64> = hops.iter().filter_map(|h| h.timestamp.as_ref().map(|t| t.unix)).collect();
    let total_delay_seconds = match (stamps.first(), stamps.last()) {
        (Some(a), Some(b)) if stamps.len() > 1 => Some(b - a),
        _ => None,
    };
    let weakest_hop = hops.iter().filter_map(|h| h.grade.as_ref()?.strength).max();

    let mut authentication = Vec::new();
    let mut tls_policy = Vec::new();
    for f in &block.fields {
        let name = f.name.to_ascii_lowercase();
        match name.as_str() {
            "authentication-results" | "arc-authentication-results" => {
                let (authserv_id, arc_instance, results) = auth_results::parse(&f.value);
                authentication.push(AuthResults {
                    field: f.name.to_owned(),
                    authserv_id,
                    arc_instance,
                    results,
                    raw: f.raw.to_owned(),
                });
            }
            "received-spf" => authentication.push(AuthResults {
                field: f.name.to_owned(),
                authserv_id: None,
                arc_instance: None,
                results: auth_results::received_spf(&f.value).into_iter().collect(),
                raw: f.raw.to_owned(),
            }),
            "tls-required" => tls_policy.push(PolicyField {
                field: f.name.to_owned(),
                value: f.value.clone(),
                meaning: if f.value.trim().eq_ignore_ascii_case("no") {
                    "RFC 8689: the sender asks relays to deliver even where TLS or its validation fails".to_owned()
                } else {
                    "RFC 8689 defines only the value \"No\"; this value has no defined meaning".to_owned()
                },
            }),
            "require-tls" | "requiretls" => tls_policy.push(PolicyField {
                field: f.name.to_owned(),
                value: f.value.clone(),
                meaning: "not a standard field (RFC 8689 uses the REQUIRETLS SMTP option and `TLS-Required: No`); set by the sending software".to_owned(),
            }),
            "tls-report-domain" => tls_policy.push(PolicyField {
                field: f.name.to_owned(),
                value: f.value.clone(),
                meaning: "RFC 8460: this message is an SMTP TLS report about this policy domain".to_owned(),
            }),
            "tls-report-submitter" => tls_policy.push(PolicyField {
                field: f.name.to_owned(),
                value: f.value.clone(),
                meaning: "RFC 8460: the organisation that sent this SMTP TLS report".to_owned(),
            }),
            _ => {}
        }
    }

    let date = block.fields.iter().find(|f| f.is("Date")).map(|f| f.value.clone());
    let summary = Summary {
        from: first_decoded(block, "From"),
        to: first_decoded(block, "To"),
        subject: first_decoded(block, "Subject"),
        date_parsed: date.as_deref().and_then(parse_date).map(Timestamp::from),
        date,
        message_id: block.fields.iter().find(|f| f.is("Message-ID")).map(|f| f.value.clone()),
    };
    if hops.is_empty() {
        warnings.push(Warning {
            id: "header.no_received",
            message: "no Received: fields: this header block has no hop timeline (a draft, or headers copied without them)"
                .to_owned(),
            hop: None,
        });
    }
    HeadersReport {
        schema_version: SCHEMA_VERSION,
        hop_order: "oldest_first",
        summary,
        hops,
        total_delay_seconds,
        weakest_hop,
        authentication,
        tls_policy,
        warnings,
        field_count: block.fields.len(),
        header_bytes: block.header_bytes,
        line_endings: match block.line_endings {
            LineEndings::Crlf => "crlf",
            LineEndings::Lf => "lf",
            LineEndings::Mixed => "mixed",
        },
        has_body: block.has_body,
    }
}
