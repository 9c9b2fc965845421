//! One module per `mxray` subcommand: its clap `Args` and a `run` that renders to a writer.

pub(crate) mod ciphers;
pub(crate) mod domain;
pub(crate) mod explain;
pub(crate) mod headers;
pub(crate) mod pcap;
pub(crate) mod pem;
pub(crate) mod policy;
pub(crate) mod scan;
