//! Entry points for the fuzz targets in `fuzz/` and for the property tests: each takes
//! arbitrary bytes, must never panic, and where a decoder accepts the input, checks that
//! re-encoding the decoded value gives the same bytes back.

mod client;
mod server;

pub use client::*;
pub use server::*;
