//! Mail header analysis: the hop timeline of a message from its `Received:` fields, the TLS
//! each hop negotiated (as every major MTA writes it), graded with the scan's own rules, and
//! the authentication results and TLS policy fields it carries.
//!
//! [`analyse`] takes a whole message or a pasted header block (folded lines, RFC 2047
//! encoded words, CRLF or LF, an mbox `From ` line first) and returns a [`HeadersReport`];
//! it fails ([`HeadersError`]) only for text that cannot be a header block at all. Anything
//! it cannot read is kept raw in the report with a warning, never dropped.
//!
//! - `parse`: the header block: where it ends, unfolding, field names, RFC 2047 decoding.
//! - `received`: the `Received:` grammar (RFC 5321 §4.4, RFC 5322 §3.6.7) as MTAs write it.
//! - `tls`: the TLS annotations of Postfix, Exim, Sendmail, Microsoft 365/Exchange, Gmail,
//!   qmail, OpenSMTPD, Haraka, Stalwart, Courier, Cisco ESA, as a table of recognisers, and
//!   the mapping of every cipher naming (IANA, OpenSSL, GnuTLS, rustls, Schannel) to the
//!   registry.
//! - `date`: RFC 5322 dates, obsolete forms included.
//! - `auth_results`: `Authentication-Results` / `ARC-Authentication-Results` (RFC 8601),
//!   `Received-SPF` (RFC 7208).
//! - `report`: the serde model ([`HeadersReport`]), documented in `docs/headers.md`.
//!
//! The core has no clock: every time in the report comes from the headers themselves.

mod auth_results;
mod date;
mod parse;
mod received;
mod report;
mod tls;

#[cfg(test)]
mod tests;

pub use date::{MessageDate, parse_date};
pub use parse::{MAX_FIELDS, MAX_HEADER_BYTES};
pub use report::{
    AuthMethodResult, AuthResults, ClientCertificate, HeadersReport, Hop, HopGrade, HopHost, KeyValue,
    PolicyField, SCHEMA_VERSION, SuiteMatch, Summary, Timestamp, TlsAnnotation, Transport, Warning,
};

/// Why a text cannot be analysed as a header block at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeadersError {
    /// The header block (everything before the first empty line) is larger than the cap.
    #[error(
        "the header block is larger than {max} bytes ({} MiB) (read {size} bytes without finding its end); paste only the headers, or check that this is a mail message",
        max / (1024 * 1024)
    )]
    TooLarge {
        /// Bytes of header text seen.
        size: usize,
        /// [`MAX_HEADER_BYTES`].
        max: usize,
    },
    /// NUL bytes or mostly control characters: a binary file, not mail headers.
    #[error("this looks like binary data, not mail headers ({reason})")]
    Binary {
        /// What gave it away.
        reason: String,
    },
    /// No line of the form `Name: value` at the start of the text.
    #[error(
        "no header fields found: a header block starts with lines such as `Received: from …` or `From: …` (paste the message source, not its rendered text)"
    )]
    NoHeaderFields,
}

/// Analyses a whole message or a pasted header block. Hops are listed **oldest first**
/// (the sender's side first, the recipient's mailbox last), the reverse of the order of
/// the `Received:` fields in the header.
pub fn analyse(text: &str) -> Result<HeadersReport, HeadersError> {
    let block = parse::HeaderBlock::parse(text)?;
    Ok(report::build(&block))
}
