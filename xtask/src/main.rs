//! `cargo xtask`: mxray's project tasks, written as ordinary Rust.
//!
//! Run `cargo xtask help` for the list.

mod codegen;

use std::path::PathBuf;

use anyhow::{Result, bail};

/// The workspace root (the parent of this crate's directory).
fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = root();
    match args.first().map(String::as_str) {
        Some("codegen") => codegen::run(&root, args.iter().any(|a| a == "--check")),
        Some(other) => bail!("unknown task {other:?}: run `cargo xtask help`"),
        None => bail!("no task given: run `cargo xtask help`"),
    }
}
