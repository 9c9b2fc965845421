//! mxray-net: the part of mxray that waits. It opens sockets, moves bytes between them and
//! mxray-core's sans-IO readers and machines, and keeps a timeout on every wait.
//!
//! - [`transport`]: TCP connections with connect, idle and whole-exchange timeouts, and the
//!   loop that sends a ClientHello and feeds the server's answer to the core's
//!   `FlightReader`.
//! - [`starttls`]: the driver that runs mxray-core's STARTTLS machines over a connection.
//! - [`scan`]: the scan driver: mxray-core's `ScanPlanner` against one endpoint, with
//!   bounded parallel connections, back-off and retries, and a count of every connection.
//!
//! - [`mta_sts`]: the MTA-STS policy fetch over HTTPS (validated certificate, no redirects,
//!   `text/plain`, size bound, timeout) to caller-resolved addresses, with typed errors.
//! - [`simserver`]: mxray-core's simulated TLS servers behind a real listener on
//!   127.0.0.1 (optionally behind SMTP, optionally throttling), for tests.
//!
//! - [`dns`]: the DNSSEC-validating resolver (hickory-resolver) that fills the core's
//!   `dns::Answer`: MX, A/AAAA, TLSA, TXT, SRV, PTR with secure/insecure/bogus status.
//! - [`injection`]: the STARTTLS command-injection probe (CVE-2011-0411 class), one
//!   connection, off the default scan plan.
//! - [`submission`]: the "TLS before MAIL FROM and AUTH" probe of an SMTP/submission
//!   port (one plaintext connection, no credential sent).
//! - [`http_redirect`]: the "plain HTTP on port 80 only redirects to HTTPS" probe (one
//!   connection, bounded response head, no body read).
//!
//! - [`certificate`]: the certificate a server presents for one SNI name (one connection:
//!   dialogue and a rustls handshake recording the chain) and the one-connect port check.
//!
//! Every decision stays in mxray-core.
#![forbid(unsafe_code)]

pub mod certificate;
pub mod dns;
pub mod http_redirect;
pub mod injection;
pub mod mta_sts;
pub mod scan;
pub mod simserver;
pub mod starttls;
pub mod submission;
pub mod transport;
