//! `mxray`: audit the transport security of mail servers.
//!
//! The binary is thin: [`Cli`] parses the command line (clap, no IO), each subcommand
//! module in [`cmd`] calls mxray-core and renders the result. anyhow is used here only.
//!
//! Exit codes: `0` success (a closed stdout, as in `mxray ciphers | head`, counts as
//! success); `1` the command failed, or `scan --fail-on SEVERITY` found something at or
//! above SEVERITY; `2` usage or target error (bad flag, bad target, a name that does not
//! resolve), with a message that says what to fix.

mod cmd;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Audit the TLS security of mail servers.
#[derive(Debug, Parser)]
#[command(name = "mxray", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// List cipher suites with IANA and OpenSSL names and every property, like
    /// `openssl ciphers -V`.
    Ciphers(cmd::ciphers::Args),
    /// Scan mail endpoints: protocol versions, cipher suites in server order, groups,
    /// signature schemes, session features and the plaintext dialogue before STARTTLS.
    Scan(cmd::scan::Args),
    /// Analyse a PEM or DER certificate chain offline: names, keys, signatures, validity,
    /// trust and the three validation levels.
    Pem(cmd::pem::Args),
    /// Analyse a message's header offline: the hop timeline from its Received: fields with
    /// each hop's TLS version, cipher and grade, delays and clock skew, authentication results.
    Headers(cmd::headers::Args),
    /// Analyse a pcap/pcapng capture offline: STARTTLS offered, used or stripped, every TLS
    /// handshake with versions, suites, SNI, certificates and JA3/JA3S/JA4.
    Pcap(cmd::pcap::Args),
}

/// Exit code for a failed command, and for `scan --fail-on` when a finding reached the
/// threshold.
const EXIT_FAILURE: u8 = 1;
/// Exit code when `scan --fail-on SEVERITY` found something at or above SEVERITY.
const EXIT_FINDINGS: u8 = 1;
/// Exit code for a usage error.
const EXIT_USAGE: u8 = 2;

/// An error that is the user's: printed, then exit code 2.
#[derive(Debug)]
pub(crate) struct UsageError(pub(crate) String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// True if `err` is (caused by) a closed pipe on stdout.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .any(|cause| cause.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe))
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // Help and version go to stdout with success; real errors exit 2.
            let code = if err.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Ciphers(args) => cmd::ciphers::run(&args, &mut io::stdout().lock()).map(|()| false),
        Command::Scan(args) => cmd::scan::run(&args, &mut io::stdout().lock()),
        Command::Pem(args) => cmd::pem::run(&args, &mut io::stdout().lock()).map(|()| false),
        Command::Headers(args) => cmd::headers::run(&args, &mut io::stdout().lock()).map(|()| false),
        Command::Pcap(args) => cmd::pcap::run(&args, &mut io::stdout().lock()).map(|()| false),
    };
    match result {
        Ok(false) => ExitCode::SUCCESS,
        Ok(true) => ExitCode::from(EXIT_FINDINGS),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let mut stderr = io::stderr().lock();
            let _ = writeln!(stderr, "mxray: {err:#}");
            if err.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(EXIT_USAGE)
            } else {
                ExitCode::from(EXIT_FAILURE)
            }
        }
    }
}
