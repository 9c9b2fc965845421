//! One module per `mxray` subcommand: its clap `Args` and a `run` that renders to a writer.

pub(crate) mod ciphers;
pub(crate) mod domain;
pub(crate) mod domain_ports;
pub(crate) mod explain;
pub(crate) mod headers;
pub(crate) mod pcap;
pub(crate) mod pem;
pub(crate) mod policy;
pub(crate) mod scan;

use std::net::{IpAddr, SocketAddr};

use crate::UsageError;

/// The bytes of `path` (`-`: standard input), at most `max` of them: the callers pass one
/// more than their core's limit, so an oversized input is read only that far and refused
/// there.
pub(crate) fn read_capped(path: &str, max: u64) -> anyhow::Result<Vec<u8>> {
    use anyhow::Context as _;
    use std::io::Read as _;
    let mut bytes = Vec::new();
    if path == "-" {
        std::io::stdin().lock().take(max).read_to_end(&mut bytes).context("reading standard input")?;
    } else {
        std::fs::File::open(path)
            .and_then(|f| f.take(max).read_to_end(&mut bytes))
            .map_err(|e| UsageError(format!("cannot read {path}: {e}")))?;
    }
    Ok(bytes)
}

/// Seconds since the epoch: the CLI is where mxray reads the clock.
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The address of `flag`'s value `text`: `IP`, `IP:PORT` or `[IPv6]:PORT`, with
/// `default_port` when none is given. Names are refused (nothing here resolves them).
pub(crate) fn ip_port(flag: &str, text: &str, default_port: u16) -> Result<SocketAddr, UsageError> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    text.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, default_port))
        .map_err(|_| UsageError(format!("{flag} {text:?}: write an IP address, IP:PORT or [IPv6]:PORT")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolver_argument_forms() {
        let parse_resolver = |t| ip_port("--resolver", t, 53);
        assert_eq!(parse_resolver("127.0.0.1").unwrap(), "127.0.0.1:53".parse().unwrap());
        assert_eq!(parse_resolver("127.0.0.1:5353").unwrap(), "127.0.0.1:5353".parse().unwrap());
        assert_eq!(parse_resolver("::1").unwrap(), "[::1]:53".parse().unwrap());
        assert_eq!(parse_resolver("[::1]:5353").unwrap(), "[::1]:5353".parse().unwrap());
        assert!(parse_resolver("dns.example").is_err());
    }

    #[test]
    fn connect_to_addresses() {
        let parse_addr = |t| ip_port("--connect-to", t, 443);
        assert_eq!(parse_addr("192.0.2.1").unwrap(), "192.0.2.1:443".parse().unwrap());
        assert_eq!(parse_addr("192.0.2.1:8443").unwrap(), "192.0.2.1:8443".parse().unwrap());
        assert_eq!(parse_addr("[2001:db8::1]:8443").unwrap(), "[2001:db8::1]:8443".parse().unwrap());
        assert_eq!(parse_addr("2001:db8::1").unwrap(), "[2001:db8::1]:443".parse().unwrap());
        assert!(parse_addr("mta-sts.example.org").is_err());
    }
}
