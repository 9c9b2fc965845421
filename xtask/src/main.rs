//! `cargo xtask`: mxray's project tasks, written as ordinary, tested Rust.
//!
//! Run `cargo xtask help` for the list.

mod bench;
mod bench_pcap;
mod ci;
mod codegen;
mod demo;
mod fuzz;
mod run;
mod testbed;
mod tidy;
mod tools;
mod web;

use std::path::PathBuf;

use anyhow::{Context, Result, bail};

const HELP: &str = "\
cargo xtask TASK

  demo                 the main job on this machine: start real Postfix and Dovecot on 127.0.0.1
                       and scan them with mxray
  ci                   every check CI runs (fmt, clippy, tests, wasm build and tests, fuzz smoke),
                       installing missing tools first; prints the time of each step
  setup                install what the tests need (wasm32 target, wasm-bindgen-cli, cargo-fuzz,
                       Debian packages) without running anything
  codegen [--check]    regenerate the registry tables from data/ (or check they are fresh)
  tidy                 check the architecture invariants (module docs, the core's dependency fence)
  fuzz [--seconds N] [TARGET...]
                       run the fuzz targets, N seconds each (default 60)
  bench scan [--no-netns] [--testssl-full] [--testssl-timeout SECONDS] [--endpoints A,B]
                       mxray vs sslscan vs testssl.sh on the testbed: connections (tcpdump on lo),
                       wall time, suites found; also in a netns with 25 ms RTT (netem)
  web                  build the browser page's wasm package into web/pkg (release, wasm-bindgen,
                       wasm-opt) and print the bundle size
  serve-web [--port N] serve web/ on http://127.0.0.1:N/ (default 8080)
  web-test             build web/pkg and run the page's tests in headless Chromium (file:// and http)
  bench pcap [--size-mb N] [--bulk-mb N] [--mss N]
                       mxray pcap (native, and wasm in node) vs tshark -Y tls.handshake on a ~1 GB
                       capture built from harness sessions captured on lo
";

/// The workspace root (the parent of this crate's directory).
pub(crate) fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

fn fuzz_args(args: &[String]) -> Result<(u64, Vec<String>)> {
    let mut seconds = 60;
    let mut targets = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "--seconds" {
            let value = it.next().context("--seconds needs a number")?;
            seconds = value.parse().with_context(|| format!("--seconds {value:?} is not a number"))?;
        } else if arg.starts_with('-') {
            bail!("unknown fuzz option {arg:?}");
        } else {
            targets.push(arg.clone());
        }
    }
    Ok((seconds, targets))
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = root();
    let rest = args.get(1..).unwrap_or_default();
    match args.first().map(String::as_str) {
        Some("demo") => demo::run(&root),
        Some("ci") => ci::run(&root),
        Some("setup") => {
            tools::ensure_debian_packages(tools::TEST_PACKAGES)?;
            tools::ensure_wasm_target()?;
            tools::ensure_wasm_bindgen_cli(&root)?;
            tools::ensure_cargo_fuzz(&root)?;
            Ok(())
        }
        Some("codegen") => codegen::run(&root, rest.iter().any(|a| a == "--check")),
        Some("tidy") => tidy::run(&root),
        Some("bench") => bench::run(&root, rest),
        Some("web") => web::build(&root),
        Some("serve-web") => web::serve(&root, rest),
        Some("web-test") => web::test(&root),
        Some("fuzz") => {
            let (seconds, targets) = fuzz_args(rest)?;
            fuzz::run(&root, seconds, &targets)
        }
        Some("help" | "--help" | "-h") | None => {
            print!("{HELP}");
            Ok(())
        }
        Some(other) => bail!("unknown task {other:?}\n\n{HELP}"),
    }
}
