//! SPF (RFC 7208): record selection (§4.5), term syntax (§4.6, §5, §6, §7 macros), the
//! `all` qualifier, and the number of DNS-querying terms of the record itself (§4.6.4).
//!
//! Evaluation is out of scope (it needs DNS and the sender's address); the lookup count is
//! the record's own share of the limit of 10: the terms behind `include:` and `redirect=`
//! add their own, which only a resolver can count.
//!
//! ```text
//! record    = version terms *SP            version = "v=spf1"
//! terms     = *( 1*SP ( directive / modifier ) )
//! directive = [ qualifier ] mechanism      qualifier = "+" / "-" / "?" / "~"
//! mechanism = all / include / a / mx / ptr / ip4 / ip6 / exists
//! modifier  = redirect / explanation / unknown-modifier
//! ```
//!
//! ABNF strings are case-insensitive, so `V=SPF1` and `Include:` are valid.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde::Serialize;

use super::{Finding, PolicyError, RecordCheck, Severity, check_size, finding};

/// The limit of DNS-querying terms in one SPF evaluation (§4.6.4).
pub const LOOKUP_LIMIT: usize = 10;

/// A record longer than this does not fit a 512-byte DNS answer (§3.4 advises staying under).
pub const LONG_RECORD: usize = 450;

/// Stable ids of the SPF findings.
pub mod ids {
    /// No SPF record.
    pub const NO_RECORD: &str = "spf.no-record";
    /// Several SPF records: a permanent error.
    pub const MULTIPLE_RECORDS: &str = "spf.multiple-records";
    /// The record breaks the grammar: a permanent error.
    pub const INVALID_RECORD: &str = "spf.invalid-record";
    /// `+all` (or bare `all`): anyone may send.
    pub const PASS_ALL: &str = "spf.pass-all";
    /// `?all`: neutral for everyone else.
    pub const NEUTRAL_ALL: &str = "spf.neutral-all";
    /// `~all`: softfail for everyone else.
    pub const SOFTFAIL_ALL: &str = "spf.softfail-all";
    /// Neither `all` nor `redirect=`: the default result is neutral.
    pub const NO_ALL: &str = "spf.no-all";
    /// Terms after `all`, never evaluated.
    pub const AFTER_ALL: &str = "spf.terms-after-all";
    /// `ptr` is deprecated (§5.5).
    pub const PTR: &str = "spf.ptr";
    /// More than 10 DNS-querying terms in the record itself.
    pub const TOO_MANY_LOOKUPS: &str = "spf.too-many-lookups";
    /// The record is long enough to risk truncated DNS answers.
    pub const LONG_RECORD: &str = "spf.long-record";
}

/// A qualifier (§4.6.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Qualifier {
    /// `+` (the default): pass.
    Pass,
    /// `-`: fail.
    Fail,
    /// `~`: softfail.
    SoftFail,
    /// `?`: neutral.
    Neutral,
}

/// A mechanism (§5), with its arguments as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Mechanism {
    /// `all`.
    All,
    /// `include:domain-spec`.
    Include {
        /// The domain-spec.
        domain: String,
    },
    /// `a[:domain-spec][/cidr4][//cidr6]`.
    A {
        /// The domain-spec, if given.
        domain: Option<String>,
        /// The IPv4 prefix length.
        cidr4: Option<u8>,
        /// The IPv6 prefix length.
        cidr6: Option<u8>,
    },
    /// `mx[:domain-spec][/cidr4][//cidr6]`.
    Mx {
        /// The domain-spec, if given.
        domain: Option<String>,
        /// The IPv4 prefix length.
        cidr4: Option<u8>,
        /// The IPv6 prefix length.
        cidr6: Option<u8>,
    },
    /// `ptr[:domain-spec]` (deprecated).
    Ptr {
        /// The domain-spec, if given.
        domain: Option<String>,
    },
    /// `ip4:network[/len]`.
    Ip4 {
        /// The network.
        network: Ipv4Addr,
        /// The prefix length.
        cidr: Option<u8>,
    },
    /// `ip6:network[/len]`.
    Ip6 {
        /// The network.
        network: Ipv6Addr,
        /// The prefix length.
        cidr: Option<u8>,
    },
    /// `exists:domain-spec`.
    Exists {
        /// The domain-spec.
        domain: String,
    },
}

impl Mechanism {
    /// True for the terms that query DNS and count against [`LOOKUP_LIMIT`].
    pub fn queries_dns(&self) -> bool {
        matches!(
            self,
            Self::Include { .. } | Self::A { .. } | Self::Mx { .. } | Self::Ptr { .. } | Self::Exists { .. }
        )
    }
}

/// A directive: qualifier and mechanism.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Directive {
    /// The qualifier (`+` when absent).
    pub qualifier: Qualifier,
    /// The mechanism.
    pub mechanism: Mechanism,
}

/// A parsed SPF record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SpfRecord {
    /// The directives, in order.
    pub directives: Vec<Directive>,
    /// `redirect=` target.
    pub redirect: Option<String>,
    /// `exp=` target.
    pub exp: Option<String>,
    /// Unknown modifiers (`name=value`), kept and ignored.
    pub unknown_modifiers: Vec<(String, String)>,
    /// DNS-querying terms of this record (include, a, mx, ptr, exists, and redirect when it
    /// applies).
    pub lookups: usize,
    /// The qualifier of `all`, if the record has one.
    pub all: Option<Qualifier>,
}

impl SpfRecord {
    /// How the record ends, for a summary line: `-all`, `~all`, `?all`, `+all`, `redirect`
    /// (no `all` but a `redirect=`) or `no all`.
    pub fn ending(&self) -> &'static str {
        match self.all {
            Some(Qualifier::Fail) => "-all",
            Some(Qualifier::SoftFail) => "~all",
            Some(Qualifier::Neutral) => "?all",
            Some(Qualifier::Pass) => "+all",
            None if self.redirect.is_some() => "redirect",
            None => "no all",
        }
    }
}

/// True for a record of this kind: `v=spf1` followed by a space or the end (§4.5).
pub fn is_spf(text: &str) -> bool {
    text.get(..6).is_some_and(|v| v.eq_ignore_ascii_case("v=spf1"))
        && matches!(text.as_bytes().get(6), None | Some(b' '))
}

/// Parses one SPF record.
pub fn parse_record(text: &str) -> Result<SpfRecord, PolicyError> {
    check_size("SPF record", text, super::MAX_RECORD_SIZE)?;
    if !is_spf(text) {
        return Err(PolicyError::BadVersion { expected: "v=spf1" });
    }
    let mut record = SpfRecord {
        directives: Vec::new(),
        redirect: None,
        exp: None,
        unknown_modifiers: Vec::new(),
        lookups: 0,
        all: None,
    };
    for term in text[6..].split(' ').filter(|t| !t.is_empty()) {
        if let Some((name, value)) = modifier(term) {
            match name.to_ascii_lowercase().as_str() {
                "redirect" | "exp" => {
                    domain_spec(value).map_err(|r| PolicyError::syntax(term, r))?;
                    let slot = if name.eq_ignore_ascii_case("redirect") {
                        &mut record.redirect
                    } else {
                        &mut record.exp
                    };
                    if slot.is_some() {
                        return Err(PolicyError::Duplicate { field: name.to_ascii_lowercase() });
                    }
                    *slot = Some(value.to_owned());
                }
                _ => {
                    macro_string(value).map_err(|r| PolicyError::syntax(term, r))?;
                    record.unknown_modifiers.push((name.to_owned(), value.to_owned()));
                }
            }
        } else {
            let directive = directive(term)?;
            if directive.mechanism == Mechanism::All && record.all.is_none() {
                record.all = Some(directive.qualifier);
            }
            record.directives.push(directive);
        }
    }
    record.lookups = record.directives.iter().filter(|d| d.mechanism.queries_dns()).count()
        + usize::from(record.redirect.is_some() && record.all.is_none());
    Ok(record)
}

/// `name "=" macro-string` with `name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )`; `None`
/// for anything that is not a modifier (a mechanism never has `=` before `:` or `/`).
fn modifier(term: &str) -> Option<(&str, &str)> {
    let (name, value) = term.split_once('=')?;
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    ok.then_some((name, value))
}

fn directive(term: &str) -> Result<Directive, PolicyError> {
    let (qualifier, rest) = match term.as_bytes()[0] {
        b'+' => (Qualifier::Pass, &term[1..]),
        b'-' => (Qualifier::Fail, &term[1..]),
        b'~' => (Qualifier::SoftFail, &term[1..]),
        b'?' => (Qualifier::Neutral, &term[1..]),
        _ => (Qualifier::Pass, term),
    };
    let end = rest.find([':', '/']).unwrap_or(rest.len());
    let (name, args) = rest.split_at(end);
    let err = |reason: &str| PolicyError::syntax(term, reason);
    let mechanism = match name.to_ascii_lowercase().as_str() {
        "all" if args.is_empty() => Mechanism::All,
        "all" => return Err(err("all takes no argument")),
        "include" | "exists" => {
            let domain = args.strip_prefix(':').ok_or_else(|| err("needs :domain"))?;
            domain_spec(domain).map_err(|r| err(&r))?;
            if name.eq_ignore_ascii_case("include") {
                Mechanism::Include { domain: domain.to_owned() }
            } else {
                Mechanism::Exists { domain: domain.to_owned() }
            }
        }
        "a" | "mx" => {
            let (domain, cidr) = match args.strip_prefix(':') {
                Some(rest) => {
                    let at = rest.find('/').unwrap_or(rest.len());
                    domain_spec(&rest[..at]).map_err(|r| err(&r))?;
                    (Some(rest[..at].to_owned()), &rest[at..])
                }
                None => (None, args),
            };
            let (cidr4, cidr6) = dual_cidr(cidr).map_err(|r| err(&r))?;
            if name.eq_ignore_ascii_case("a") {
                Mechanism::A { domain, cidr4, cidr6 }
            } else {
                Mechanism::Mx { domain, cidr4, cidr6 }
            }
        }
        "ptr" => {
            let domain = match args.strip_prefix(':') {
                Some(d) => {
                    domain_spec(d).map_err(|r| err(&r))?;
                    Some(d.to_owned())
                }
                None if args.is_empty() => None,
                None => return Err(err("ptr takes only :domain")),
            };
            Mechanism::Ptr { domain }
        }
        "ip4" => {
            let net = args.strip_prefix(':').ok_or_else(|| err("needs :address"))?;
            let (addr, cidr) = split_cidr(net, 32).map_err(|r| err(&r))?;
            let network = addr.parse().map_err(|_| err("not an IPv4 address"))?;
            Mechanism::Ip4 { network, cidr }
        }
        "ip6" => {
            let net = args.strip_prefix(':').ok_or_else(|| err("needs :address"))?;
            let (addr, cidr) = split_cidr(net, 128).map_err(|r| err(&r))?;
            let network = addr.parse().map_err(|_| err("not an IPv6 address"))?;
            Mechanism::Ip6 { network, cidr }
        }
        _ => return Err(err("unknown mechanism")),
    };
    Ok(Directive { qualifier, mechanism })
}

/// `ADDRESS[/len]`, len without leading zeros and at most `max`.
fn split_cidr(net: &str, max: u8) -> Result<(&str, Option<u8>), String> {
    match net.split_once('/') {
        None => Ok((net, None)),
        Some((addr, len)) => Ok((addr, Some(cidr_length(len, max)?))),
    }
}

/// `"0" / %x31-39 0*1DIGIT` (ip4) or `0*2DIGIT` without leading zero (ip6), at most `max`.
fn cidr_length(len: &str, max: u8) -> Result<u8, String> {
    let ok = !len.is_empty()
        && len.len() <= 3
        && len.bytes().all(|b| b.is_ascii_digit())
        && (len == "0" || !len.starts_with('0'));
    match len.parse::<u8>() {
        Ok(n) if ok && n <= max => Ok(n),
        _ => Err(format!("the prefix length must be 0 to {max}")),
    }
}

/// `[ ip4-cidr-length ] [ "/" ip6-cidr-length ]`: `/24`, `//64`, `/24//64`.
fn dual_cidr(text: &str) -> Result<(Option<u8>, Option<u8>), String> {
    if text.is_empty() {
        return Ok((None, None));
    }
    if let Some(v6) = text.strip_prefix("//") {
        return Ok((None, Some(cidr_length(v6, 128)?)));
    }
    let rest = text.strip_prefix('/').ok_or("expected /len")?;
    match rest.split_once("//") {
        Some((v4, v6)) => Ok((Some(cidr_length(v4, 32)?), Some(cidr_length(v6, 128)?))),
        None => Ok((Some(cidr_length(rest, 32)?), None)),
    }
}

/// `domain-spec = macro-string domain-end`, `domain-end = ( "." toplabel [ "." ] ) /
/// macro-expand`.
fn domain_spec(spec: &str) -> Result<(), String> {
    macro_string(spec)?;
    if spec.is_empty() {
        return Err("empty domain".into());
    }
    if spec.ends_with('}') && spec.contains("%{") {
        return Ok(());
    }
    let body = spec.strip_suffix('.').unwrap_or(spec);
    let Some((_, top)) = body.rsplit_once('.') else {
        return Err("a domain needs a dot and a top label".into());
    };
    let alnum = |b: u8| b.is_ascii_alphanumeric();
    let top_ok = !top.is_empty()
        && ((top.bytes().all(alnum) && top.bytes().any(|b| b.is_ascii_alphabetic()))
            || (top.bytes().all(|b| alnum(b) || b == b'-')
                && top.contains('-')
                && !top.starts_with('-')
                && !top.ends_with('-')));
    if top_ok { Ok(()) } else { Err(format!("{top:?} is not a valid top label")) }
}

/// `macro-string = *( macro-expand / macro-literal )`.
fn macro_string(text: &str) -> Result<(), String> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => match bytes.get(i + 1) {
                Some(b'%' | b'_' | b'-') => i += 2,
                Some(b'{') => {
                    let close = text[i..].find('}').ok_or("unterminated macro %{")?;
                    let inner = &text[i + 2..i + close];
                    let mut chars = inner.chars();
                    if !chars.next().is_some_and(|c| "slodiphcrtvSLODIPHCRTV".contains(c)) {
                        return Err(format!("unknown macro letter in %{{{inner}}}"));
                    }
                    let rest: String = chars.collect();
                    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
                    let after = rest[digits..].strip_prefix(['r', 'R']).unwrap_or(&rest[digits..]);
                    if !after.chars().all(|c| ".-+,/_=".contains(c)) {
                        return Err(format!("bad macro transformer in %{{{inner}}}"));
                    }
                    i += close + 1;
                }
                _ => return Err("a % must start %{…}, %%, %_ or %-".into()),
            },
            0x21..=0x7E => i += 1,
            _ => return Err("only visible ASCII is allowed".into()),
        }
    }
    Ok(())
}

/// Checks the TXT records at the domain itself: exactly one `v=spf1` record (§4.5).
pub fn check_records(records: &[impl AsRef<str>]) -> RecordCheck<SpfRecord> {
    let long: Vec<Finding> = records
        .iter()
        .map(AsRef::as_ref)
        .filter(|r| is_spf(r) && r.len() > LONG_RECORD)
        .map(|r| {
            finding(
                ids::LONG_RECORD,
                Severity::Low,
                format!("the SPF record is {} bytes: answers over 512 bytes may need TCP; flatten or split with include:", r.len()),
            )
        })
        .collect();
    let mut check = RecordCheck::build(
        records,
        is_spf,
        parse_record,
        assess,
        Some(finding(
            ids::NO_RECORD,
            Severity::Medium,
            "no SPF record: anyone can send mail as this domain as far as SPF is concerned; publish \"v=spf1 … -all\"",
        )),
        |n| {
            finding(
                ids::MULTIPLE_RECORDS,
                Severity::High,
                format!("{n} SPF records: receivers return permerror (RFC 7208 §4.5); merge them into one"),
            )
        },
        |e| {
            finding(
                ids::INVALID_RECORD,
                Severity::High,
                format!("the SPF record is invalid ({e}): receivers return permerror"),
            )
        },
    );
    check.findings.extend(long);
    check.findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    check
}

fn assess(record: &SpfRecord, findings: &mut Vec<Finding>) {
    match record.all {
        Some(Qualifier::Pass) => findings.push(finding(
            ids::PASS_ALL,
            Severity::Critical,
            "the record ends in +all: every host on the internet passes SPF for this domain; use -all or ~all",
        )),
        Some(Qualifier::Neutral) => findings.push(finding(
            ids::NEUTRAL_ALL,
            Severity::Medium,
            "the record ends in ?all: other senders get neutral, which protects nothing; use -all or ~all",
        )),
        Some(Qualifier::SoftFail) => findings.push(finding(
            ids::SOFTFAIL_ALL,
            Severity::Info,
            "the record ends in ~all (softfail): receivers accept but mark other senders; -all is stricter",
        )),
        Some(Qualifier::Fail) => {}
        None if record.redirect.is_none() => findings.push(finding(
            ids::NO_ALL,
            Severity::Medium,
            "the record has neither all nor redirect=: other senders get neutral; end it with -all or ~all",
        )),
        None => {}
    }
    if let Some(at) = record.directives.iter().position(|d| d.mechanism == Mechanism::All)
        && at + 1 < record.directives.len()
    {
        findings.push(finding(
            ids::AFTER_ALL,
            Severity::Low,
            format!(
                "{} term(s) after all are never evaluated; remove them or move all to the end",
                record.directives.len() - at - 1
            ),
        ));
    }
    if record.directives.iter().any(|d| matches!(d.mechanism, Mechanism::Ptr { .. })) {
        findings.push(finding(
            ids::PTR,
            Severity::Low,
            "the record uses ptr, which RFC 7208 §5.5 deprecates (slow, unreliable); list ip4/ip6/a instead",
        ));
    }
    if record.lookups > LOOKUP_LIMIT {
        findings.push(finding(
            ids::TOO_MANY_LOOKUPS,
            Severity::High,
            format!(
                "the record itself has {} DNS-querying terms, over the limit of {LOOKUP_LIMIT}: receivers return permerror; flatten includes",
                record.lookups
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::RecordStatus;

    #[test]
    fn ending_names_the_all_or_the_redirect() {
        for (text, ending) in [
            ("v=spf1 mx -all", "-all"),
            ("v=spf1 mx ~all", "~all"),
            ("v=spf1 ?all", "?all"),
            ("v=spf1 +all", "+all"),
            ("v=spf1 all", "+all"),
            ("v=spf1 redirect=_spf.example.org", "redirect"),
            ("v=spf1 mx", "no all"),
        ] {
            assert_eq!(parse_record(text).unwrap().ending(), ending, "{text}");
        }
    }

    #[test]
    fn record_selection() {
        for (text, spf) in [
            ("v=spf1", true),
            ("v=spf1 -all", true),
            ("V=SPF1 -all", true),
            ("v=spf10 -all", false),
            ("v=spf1-all", false),
            ("spf2.0/pra -all", false),
            (" v=spf1 -all", false),
            ("", false),
        ] {
            assert_eq!(is_spf(text), spf, "{text:?}");
        }
    }

    #[test]
    fn valid_records_and_their_terms() {
        type Case<'a> = (&'a str, &'a [(Qualifier, Mechanism)], usize);
        let cases: &[Case<'_>] = &[
            ("v=spf1", &[], 0),
            ("v=spf1 -all", &[(Qualifier::Fail, Mechanism::All)], 0),
            ("v=spf1  ~ALL ", &[(Qualifier::SoftFail, Mechanism::All)], 0),
            (
                "v=spf1 +mx a:mail.example.org/24 ?a//64 mx/24//64 -all",
                &[
                    (Qualifier::Pass, Mechanism::Mx { domain: None, cidr4: None, cidr6: None }),
                    (
                        Qualifier::Pass,
                        Mechanism::A {
                            domain: Some("mail.example.org".into()),
                            cidr4: Some(24),
                            cidr6: None,
                        },
                    ),
                    (Qualifier::Neutral, Mechanism::A { domain: None, cidr4: None, cidr6: Some(64) }),
                    (Qualifier::Pass, Mechanism::Mx { domain: None, cidr4: Some(24), cidr6: Some(64) }),
                    (Qualifier::Fail, Mechanism::All),
                ],
                4,
            ),
            (
                "v=spf1 ip4:192.0.2.0/24 ip4:192.0.2.1 ip6:2001:db8::/32 -all",
                &[
                    (
                        Qualifier::Pass,
                        Mechanism::Ip4 { network: Ipv4Addr::new(192, 0, 2, 0), cidr: Some(24) },
                    ),
                    (Qualifier::Pass, Mechanism::Ip4 { network: Ipv4Addr::new(192, 0, 2, 1), cidr: None }),
                    (
                        Qualifier::Pass,
                        Mechanism::Ip6 { network: "2001:db8::".parse().unwrap(), cidr: Some(32) },
                    ),
                    (Qualifier::Fail, Mechanism::All),
                ],
                0,
            ),
            ("v=spf1 ip4:0.0.0.0/0", &[], 0),
            (
                "v=spf1 include:_spf.example.com exists:%{ir}.%{l1r+-}._spf.%{d} ptr ptr:example.org",
                &[
                    (Qualifier::Pass, Mechanism::Include { domain: "_spf.example.com".into() }),
                    (Qualifier::Pass, Mechanism::Exists { domain: "%{ir}.%{l1r+-}._spf.%{d}".into() }),
                    (Qualifier::Pass, Mechanism::Ptr { domain: None }),
                    (Qualifier::Pass, Mechanism::Ptr { domain: Some("example.org".into()) }),
                ],
                4,
            ),
            ("v=spf1 redirect=_spf.example.com", &[], 1),
            ("v=spf1 -all redirect=_spf.example.com", &[(Qualifier::Fail, Mechanism::All)], 0),
            ("v=spf1 exp=explain._spf.%{d} moo=%% x.y-z=%{h}", &[], 0),
        ];
        for (text, want, lookups) in cases {
            let record = parse_record(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            if !want.is_empty() {
                let got: Vec<(Qualifier, Mechanism)> =
                    record.directives.iter().map(|d| (d.qualifier, d.mechanism.clone())).collect();
                assert_eq!(got, *want, "{text:?}");
            }
            assert_eq!(record.lookups, *lookups, "{text:?}");
        }
        let r = parse_record("v=spf1 exp=explain._spf.%{d} moo=%% redirect=x.example").unwrap();
        assert_eq!(r.exp.as_deref(), Some("explain._spf.%{d}"));
        assert_eq!(r.redirect.as_deref(), Some("x.example"));
        assert_eq!(r.unknown_modifiers, vec![("moo".to_owned(), "%%".to_owned())]);
    }

    #[test]
    fn invalid_records() {
        let cases = [
            ("v=spf1 foo", "unknown mechanism"),
            ("v=spf1 all:x", "no argument"),
            ("v=spf1 include", "needs :domain"),
            ("v=spf1 include:", "empty domain"),
            ("v=spf1 include:example", "top label"),
            ("v=spf1 include:example.123", "top label"),
            ("v=spf1 a:example.org/33", "0 to 32"),
            ("v=spf1 a//129", "0 to 128"),
            ("v=spf1 a/024", "0 to 32"),
            ("v=spf1 mx/", "0 to 32"),
            ("v=spf1 ip4:192.0.2.300", "IPv4"),
            ("v=spf1 ip4", "needs :address"),
            ("v=spf1 ip4:192.0.2.0/", "0 to 32"),
            ("v=spf1 ip6:2001:db8::/129", "0 to 128"),
            ("v=spf1 ip6:192.0.2.1x", "IPv6"),
            ("v=spf1 ptr/24", "ptr takes"),
            ("v=spf1 redirect=a.example redirect=b.example", "more than once"),
            ("v=spf1 exp=a.example exp=b.example", "more than once"),
            ("v=spf1 exists:%{z}.example.org", "macro letter"),
            ("v=spf1 exists:%{d.example.org", "unterminated"),
            ("v=spf1 exists:%x.example.org", "a % must"),
            ("v=spf1 exists:%{d5q}.example.org", "transformer"),
            ("v=spf1 -", "unknown mechanism"),
            ("v=spf1 include:exämple.org", "visible ASCII"),
            ("spf1 -all", "v=spf1"),
        ];
        for (text, want) in cases {
            let e = parse_record(text).expect_err(text).to_string();
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }

    fn ids_of(records: &[&str]) -> (RecordStatus, Vec<&'static str>) {
        let check = check_records(records);
        (check.status, check.findings.iter().map(|f| f.id).collect())
    }

    #[test]
    fn findings() {
        let cases: &[(&[&str], RecordStatus, &[&str])] = &[
            (&[], RecordStatus::Absent, &[ids::NO_RECORD]),
            (&["google-site-verification=x"], RecordStatus::Absent, &[ids::NO_RECORD]),
            (&["v=spf1 -all", "v=spf1 mx -all"], RecordStatus::Multiple, &[ids::MULTIPLE_RECORDS]),
            (&["v=spf1 mx -all", "other"], RecordStatus::Valid, &[]),
            (&["v=spf1 +all"], RecordStatus::Valid, &[ids::PASS_ALL]),
            (&["v=spf1 all"], RecordStatus::Valid, &[ids::PASS_ALL]),
            (&["v=spf1 mx ?all"], RecordStatus::Valid, &[ids::NEUTRAL_ALL]),
            (&["v=spf1 mx ~all"], RecordStatus::Valid, &[ids::SOFTFAIL_ALL]),
            (&["v=spf1 mx"], RecordStatus::Valid, &[ids::NO_ALL]),
            (&["v=spf1 redirect=_spf.example.org"], RecordStatus::Valid, &[]),
            (&["v=spf1 -all mx"], RecordStatus::Valid, &[ids::AFTER_ALL]),
            (&["v=spf1 ptr -all"], RecordStatus::Valid, &[ids::PTR]),
            (&["v=spf1 mx mx:bad"], RecordStatus::Invalid, &[ids::INVALID_RECORD]),
        ];
        for (records, status, want) in cases {
            assert_eq!(ids_of(records), (*status, want.to_vec()), "{records:?}");
        }
        let eleven = format!(
            "v=spf1 {} -all",
            (0..11).map(|i| format!("include:s{i}.example.org")).collect::<Vec<_>>().join(" ")
        );
        assert_eq!(ids_of(&[eleven.as_str()]), (RecordStatus::Valid, vec![ids::TOO_MANY_LOOKUPS]));
        let long = format!(
            "v=spf1 {} -all",
            (0..40).map(|i| format!("ip4:192.0.2.{i}")).collect::<Vec<_>>().join(" ")
        );
        assert_eq!(ids_of(&[long.as_str()]), (RecordStatus::Valid, vec![ids::LONG_RECORD]));
        let ten = format!(
            "v=spf1 {} redirect=x.example.org",
            (0..9).map(|i| format!("a:s{i}.example.org")).collect::<Vec<_>>().join(" ")
        );
        assert_eq!(parse_record(&ten).unwrap().lookups, 10);
        assert_eq!(ids_of(&[ten.as_str()]).1, Vec::<&str>::new());
    }
}
