//! One module per `mxray` subcommand: its clap `Args` and a `run` that renders to a writer.

pub(crate) mod ciphers;
pub(crate) mod headers;
pub(crate) mod pcap;
pub(crate) mod pem;
pub(crate) mod scan;
