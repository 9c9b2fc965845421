//! What `mxray scan TARGET` means: parsing a target string into host, port, the dialogue to
//! speak before TLS, and the name to send in SNI.
//!
//! Accepted forms: `host`, `host:port`, `[v6]:port`, a bare IPv4/IPv6 literal, and URLs
//! `scheme://host[:port][/]` with the schemes of [`Service`]. A bare host with a well-known
//! port picks the dialogue from the port (`mx:587` is submission with STARTTLS); a bare host
//! without a port means SMTP on 25, the port a mail administrator scans first.

use std::fmt;
use std::net::IpAddr;

use serde::Serialize;
use thiserror::Error;

use crate::starttls::Protocol;

/// The service at a target: which port it defaults to and what is spoken before TLS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    /// SMTP relay with STARTTLS (RFC 3207), port 25.
    Smtp,
    /// Message submission with STARTTLS (RFC 6409), port 587.
    Submission,
    /// Submission over implicit TLS (RFC 8314), port 465.
    Smtps,
    /// LMTP with STARTTLS (RFC 2033), port 24.
    Lmtp,
    /// IMAP with STARTTLS, port 143.
    Imap,
    /// IMAP over implicit TLS, port 993.
    Imaps,
    /// POP3 with STLS, port 110.
    Pop3,
    /// POP3 over implicit TLS, port 995.
    Pop3s,
    /// ManageSieve with STARTTLS (RFC 5804), port 4190.
    Sieve,
    /// HTTPS (webmail, autodiscover, MTA-STS), port 443.
    Https,
    /// Implicit TLS on any port, no dialogue.
    Tls,
}

impl Service {
    /// Every service, in the order of [`Service::scheme`]s in help texts.
    pub const ALL: [Self; 11] = [
        Self::Smtp,
        Self::Submission,
        Self::Smtps,
        Self::Lmtp,
        Self::Imap,
        Self::Imaps,
        Self::Pop3,
        Self::Pop3s,
        Self::Sieve,
        Self::Https,
        Self::Tls,
    ];

    /// The URL scheme naming this service.
    pub const fn scheme(self) -> &'static str {
        match self {
            Self::Smtp => "smtp",
            Self::Submission => "submission",
            Self::Smtps => "smtps",
            Self::Lmtp => "lmtp",
            Self::Imap => "imap",
            Self::Imaps => "imaps",
            Self::Pop3 => "pop3",
            Self::Pop3s => "pop3s",
            Self::Sieve => "sieve",
            Self::Https => "https",
            Self::Tls => "tls",
        }
    }

    /// The port used when the target names none (`None` for `tls://`, which needs one).
    pub const fn default_port(self) -> Option<u16> {
        match self {
            Self::Smtp => Some(25),
            Self::Submission => Some(587),
            Self::Smtps => Some(465),
            Self::Lmtp => Some(24),
            Self::Imap => Some(143),
            Self::Imaps => Some(993),
            Self::Pop3 => Some(110),
            Self::Pop3s => Some(995),
            Self::Sieve => Some(4190),
            Self::Https => Some(443),
            Self::Tls => None,
        }
    }

    /// The STARTTLS dialogue spoken before TLS, `None` for implicit TLS.
    pub const fn starttls(self) -> Option<Protocol> {
        match self {
            Self::Smtp | Self::Submission => Some(Protocol::Smtp),
            Self::Lmtp => Some(Protocol::Lmtp),
            Self::Imap => Some(Protocol::Imap),
            Self::Pop3 => Some(Protocol::Pop3),
            Self::Sieve => Some(Protocol::Sieve),
            Self::Smtps | Self::Imaps | Self::Pop3s | Self::Https | Self::Tls => None,
        }
    }

    /// The service a bare `host:port` means, from the well-known port.
    pub fn from_port(port: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.default_port() == Some(port))
    }

    fn from_scheme(scheme: &str) -> Option<Self> {
        let scheme = scheme.to_ascii_lowercase();
        // `smtp+starttls` and `submissions` are spellings seen in other tools.
        match scheme.as_str() {
            "smtp+starttls" => Some(Self::Smtp),
            "submissions" => Some(Self::Smtps),
            "managesieve" => Some(Self::Sieve),
            _ => Self::ALL.into_iter().find(|s| s.scheme() == scheme),
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.scheme())
    }
}

/// The host part of a target.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum Host {
    /// An IPv4 or IPv6 literal.
    Ip(IpAddr),
    /// A DNS name (lower-cased, without a trailing dot).
    Name(String),
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]"),
            Self::Ip(ip) => write!(f, "{ip}"),
            Self::Name(name) => f.write_str(name),
        }
    }
}

/// A parsed scan target.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Target {
    /// The host to connect to.
    pub host: Host,
    /// The TCP port.
    pub port: u16,
    /// The service (dialogue before TLS).
    pub service: Service,
}

impl Target {
    /// The name to send in SNI by default: the host name; no SNI for IP literals (RFC 6066
    /// forbids literal addresses in `server_name`).
    pub fn default_sni(&self) -> Option<&str> {
        match &self.host {
            Host::Name(name) => Some(name),
            Host::Ip(_) => None,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}:{}", self.service, self.host, self.port)
    }
}

/// Why a target string is not a target. The messages say what to write instead.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TargetError {
    /// Nothing was given.
    #[error("empty target: give a host such as mx.example.org or a URL such as smtp://mx.example.org")]
    Empty,
    /// The URL scheme is not one mxray speaks.
    #[error(
        "unknown scheme {0:?}: use one of smtp, submission, smtps, lmtp, imap, imaps, pop3, pop3s, sieve, https, tls"
    )]
    UnknownScheme(String),
    /// The port is not a number from 1 to 65535.
    #[error("invalid port {0:?}: give a number from 1 to 65535")]
    InvalidPort(String),
    /// `tls://` needs a port.
    #[error("tls:// needs a port, as in tls://host:8443")]
    MissingPort,
    /// A bare host with a port that is no well-known mail port.
    #[error(
        "port {0} is not a well-known mail port: say what to speak, e.g. smtp://host:{0} or tls://host:{0}"
    )]
    UnknownPort(u16),
    /// The host is not a valid name or address.
    #[error("invalid host {0:?}: give a DNS name or an IP address ([::1] for IPv6 with a port)")]
    InvalidHost(String),
    /// A URL path, query or user part that a scan cannot use.
    #[error("unexpected {0:?} in the target: give only scheme://host[:port]")]
    Unexpected(String),
}

/// Checks a DNS name (RFC 1123 labels; underscores allowed, as in SRV-style names).
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

fn parse_host(raw: &str) -> Result<Host, TargetError> {
    let inner = raw.strip_prefix('[').and_then(|r| r.strip_suffix(']'));
    if let Some(v6) = inner {
        return v6
            .parse::<std::net::Ipv6Addr>()
            .map(|ip| Host::Ip(IpAddr::V6(ip)))
            .map_err(|_| TargetError::InvalidHost(raw.to_owned()));
    }
    if let Ok(ip) = raw.parse::<IpAddr>() {
        return Ok(Host::Ip(ip));
    }
    let name = raw.strip_suffix('.').unwrap_or(raw).to_ascii_lowercase();
    if valid_name(&name) { Ok(Host::Name(name)) } else { Err(TargetError::InvalidHost(raw.to_owned())) }
}

fn parse_port(raw: &str) -> Result<u16, TargetError> {
    match raw.parse::<u16>() {
        Ok(0) | Err(_) => Err(TargetError::InvalidPort(raw.to_owned())),
        Ok(port) => Ok(port),
    }
}

/// Splits `host[:port]`, `[v6][:port]` or a bare IPv6 literal.
fn split_host_port(raw: &str) -> Result<(Host, Option<u16>), TargetError> {
    if raw.starts_with('[') {
        let end = raw.find(']').ok_or_else(|| TargetError::InvalidHost(raw.to_owned()))?;
        let (host, rest) = raw.split_at(end + 1);
        let port = match rest.strip_prefix(':') {
            Some(p) => Some(parse_port(p)?),
            None if rest.is_empty() => None,
            None => return Err(TargetError::InvalidHost(raw.to_owned())),
        };
        return Ok((parse_host(host)?, port));
    }
    // More than one colon without brackets: a bare IPv6 literal.
    if raw.matches(':').count() > 1 {
        return Ok((parse_host(raw)?, None));
    }
    match raw.split_once(':') {
        Some((host, port)) => Ok((parse_host(host)?, Some(parse_port(port)?))),
        None => Ok((parse_host(raw)?, None)),
    }
}

impl std::str::FromStr for Target {
    type Err = TargetError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err(TargetError::Empty);
        }
        if let Some((scheme, rest)) = s.split_once("://") {
            let service =
                Service::from_scheme(scheme).ok_or_else(|| TargetError::UnknownScheme(scheme.to_owned()))?;
            let authority = rest.strip_suffix('/').unwrap_or(rest);
            if let Some(bad) = authority.find(['/', '?', '#', '@']) {
                return Err(TargetError::Unexpected(authority[bad..].to_owned()));
            }
            let (host, port) = split_host_port(authority)?;
            let port = port.or(service.default_port()).ok_or(TargetError::MissingPort)?;
            return Ok(Self { host, port, service });
        }
        let (host, port) = split_host_port(s)?;
        match port {
            None => Ok(Self { host, port: 25, service: Service::Smtp }),
            Some(port) => {
                let service = Service::from_port(port).ok_or(TargetError::UnknownPort(port))?;
                Ok(Self { host, port, service })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use super::*;

    fn name(n: &str) -> Host {
        Host::Name(n.to_owned())
    }

    #[test]
    fn targets_parse_as_the_table_says() {
        let v6 = Host::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST));
        let v4 = Host::Ip(IpAddr::V4(Ipv4Addr::LOCALHOST));
        let table: &[(&str, Host, u16, Service)] = &[
            ("mx.example.org", name("mx.example.org"), 25, Service::Smtp),
            ("MX.Example.ORG.", name("mx.example.org"), 25, Service::Smtp),
            ("mx.example.org:587", name("mx.example.org"), 587, Service::Submission),
            ("mx.example.org:465", name("mx.example.org"), 465, Service::Smtps),
            ("mail.example.org:993", name("mail.example.org"), 993, Service::Imaps),
            ("smtp://mx.example.org", name("mx.example.org"), 25, Service::Smtp),
            ("smtp://mx.example.org:2525/", name("mx.example.org"), 2525, Service::Smtp),
            ("submission://mail.example.org", name("mail.example.org"), 587, Service::Submission),
            ("smtps://mail.example.org", name("mail.example.org"), 465, Service::Smtps),
            ("lmtp://127.0.0.1:24", v4.clone(), 24, Service::Lmtp),
            ("imap://127.0.0.1", v4.clone(), 143, Service::Imap),
            ("imaps://[::1]", v6.clone(), 993, Service::Imaps),
            ("pop3://[::1]:1110", v6.clone(), 1110, Service::Pop3),
            ("pop3s://mail.example.org", name("mail.example.org"), 995, Service::Pop3s),
            ("sieve://mail.example.org", name("mail.example.org"), 4190, Service::Sieve),
            ("https://mta-sts.example.org", name("mta-sts.example.org"), 443, Service::Https),
            ("tls://127.0.0.1:8443", v4.clone(), 8443, Service::Tls),
            ("::1", v6.clone(), 25, Service::Smtp),
            ("[::1]:110", v6, 110, Service::Pop3),
            ("127.0.0.1", v4, 25, Service::Smtp),
        ];
        for (input, host, port, service) in table {
            let target: Target = input.parse().unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!((&target.host, target.port, target.service), (host, *port, *service), "{input}");
        }
    }

    #[test]
    fn bad_targets_say_what_to_fix() {
        let table: &[(&str, TargetError)] = &[
            ("", TargetError::Empty),
            ("ftp://host", TargetError::UnknownScheme("ftp".into())),
            ("host:0", TargetError::InvalidPort("0".into())),
            ("host:99999", TargetError::InvalidPort("99999".into())),
            ("tls://host", TargetError::MissingPort),
            ("host:8443", TargetError::UnknownPort(8443)),
            ("-bad-.example", TargetError::InvalidHost("-bad-.example".into())),
            ("smtp://user@host", TargetError::Unexpected("@host".into())),
            ("https://host/path", TargetError::Unexpected("/path".into())),
            ("[::1", TargetError::InvalidHost("[::1".into())),
        ];
        for (input, err) in table {
            assert_eq!(input.parse::<Target>().as_ref(), Err(err), "{input}");
            assert!(!err.to_string().is_empty());
        }
        assert!(TargetError::UnknownPort(8443).to_string().contains("tls://host:8443"));
    }

    #[test]
    fn sni_is_the_name_and_never_an_address() {
        let t: Target = "smtp://mx.example.org".parse().unwrap();
        assert_eq!(t.default_sni(), Some("mx.example.org"));
        let t: Target = "smtp://127.0.0.1".parse().unwrap();
        assert_eq!(t.default_sni(), None);
        assert_eq!(t.to_string(), "smtp://127.0.0.1:25");
        let t: Target = "imaps://[::1]".parse().unwrap();
        assert_eq!(t.to_string(), "imaps://[::1]:993");
    }

    #[test]
    fn the_dialogue_follows_the_service() {
        assert_eq!(Service::Smtp.starttls(), Some(Protocol::Smtp));
        assert_eq!(Service::Submission.starttls(), Some(Protocol::Smtp));
        assert_eq!(Service::Lmtp.starttls(), Some(Protocol::Lmtp));
        assert_eq!(Service::Sieve.starttls(), Some(Protocol::Sieve));
        assert_eq!(Service::Smtps.starttls(), None);
        for service in Service::ALL {
            assert_eq!(Service::from_scheme(service.scheme()), Some(service));
        }
    }
}
