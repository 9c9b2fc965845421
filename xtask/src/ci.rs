//! `cargo xtask ci`: everything CI checks, in the order a developer wants to learn of a
//! failure, with the time each step took. `.ci/run` calls exactly this (through the
//! README's test command), so what CI proves is what a new user gets.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::run::Cmd;
use crate::{codegen, fuzz, tidy, tools, web};

/// Seconds each fuzz target runs in CI: a smoke test that the targets build and survive
/// their seed corpus; the long runs are `cargo xtask fuzz --seconds N`.
const CI_FUZZ_SECONDS: u64 = 10;

/// One step of the pipeline.
struct Step {
    name: &'static str,
    run: fn(&Path) -> Result<()>,
}

fn cargo(root: &Path) -> Cmd {
    Cmd::new("cargo").current_dir(root)
}

const STEPS: &[Step] = &[
    Step { name: "set-up (tools and packages)", run: set_up },
    Step { name: "codegen is fresh", run: |root| codegen::run(root, true) },
    Step { name: "tidy", run: tidy::run },
    Step { name: "rustfmt", run: |root| cargo(root).args(["fmt", "--all", "--check"]).run() },
    Step {
        name: "clippy",
        run: |root| {
            cargo(root)
                .args(["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"])
                .run()
        },
    },
    Step { name: "native tests", run: |root| cargo(root).args(["test", "--workspace", "--locked"]).run() },
    Step {
        name: "rustdoc",
        run: |root| {
            cargo(root)
                .args(["doc", "--workspace", "--no-deps", "--locked"])
                .env("RUSTDOCFLAGS", "-D warnings")
                .run()
        },
    },
    Step {
        name: "wasm32 build",
        run: |root| {
            cargo(root)
                .args(["build", "-p", "mxray-core", "-p", "mxray-wasm", "--target", "wasm32-unknown-unknown"])
                .arg("--locked")
                .run()
        },
    },
    Step { name: "wasm tests (node)", run: wasm_tests },
    Step { name: "web (chromium)", run: web::test },
    Step { name: "fuzz smoke", run: |root| fuzz::run(root, CI_FUZZ_SECONDS, &[]) },
];

fn set_up(root: &Path) -> Result<()> {
    tools::ensure_debian_packages(tools::TEST_PACKAGES)?;
    tools::ensure_wasm_target()?;
    tools::ensure_wasm_bindgen_cli(root)?;
    tools::ensure_cargo_fuzz(root)?;
    Ok(())
}

fn wasm_tests(root: &Path) -> Result<()> {
    let bin = tools::ensure_wasm_bindgen_cli(root)?;
    cargo(root)
        .args(["test", "-p", "mxray-wasm", "--target", "wasm32-unknown-unknown", "--locked"])
        .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", bin.join("wasm-bindgen-test-runner"))
        .run()
}

fn fmt_duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 60.0 { format!("{}m {:04.1}s", (s / 60.0).floor(), s % 60.0) } else { format!("{s:.1}s") }
}

/// Runs every step, stopping at the first failure, and prints the time of each.
pub(crate) fn run(root: &Path) -> Result<()> {
    let start = Instant::now();
    let mut times = Vec::new();
    let mut failure = None;
    for step in STEPS {
        println!("\n==> {}", step.name);
        let t = Instant::now();
        let result = (step.run)(root).with_context(|| format!("ci step `{}` failed", step.name));
        times.push((step.name, t.elapsed(), result.is_ok()));
        if let Err(e) = result {
            failure = Some(e);
            break;
        }
    }
    println!("\n==> ci timings");
    for (name, took, ok) in &times {
        println!("  {:<28} {:>10}  {}", name, fmt_duration(*took), if *ok { "ok" } else { "FAILED" });
    }
    println!("  {:<28} {:>10}", "total", fmt_duration(start.elapsed()));
    match failure {
        Some(e) => Err(e),
        None => {
            println!("ci: all {} steps passed", STEPS.len());
            Ok(())
        }
    }
}
