//! `cargo xtask fuzz [--seconds N] [TARGET…]`: runs the cargo-fuzz targets of `fuzz/`,
//! each for N seconds, seeded with the captured fixtures, and prints how many inputs each
//! one executed. A crash fails the task and leaves the input under `fuzz/artifacts/`.
//!
//! cargo-fuzz needs nightly-only compiler flags (sanitizers, coverage instrumentation);
//! the project has one stable toolchain, so the runs set `RUSTC_BOOTSTRAP=1`.

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::run::Cmd;
use crate::tools;

/// The fuzz targets declared in `fuzz/Cargo.toml`, in file order.
pub(crate) fn targets(root: &Path) -> Result<Vec<String>> {
    let manifest =
        std::fs::read_to_string(root.join("fuzz/Cargo.toml")).context("reading fuzz/Cargo.toml")?;
    let mut names = Vec::new();
    let mut in_bin = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
        } else if in_bin && let Some(name) = line.strip_prefix("name = ") {
            names.push(name.trim_matches('"').to_owned());
        }
    }
    Ok(names)
}

/// Copies the `.bin` fixtures (for the `headers` target: the `.eml` header fixtures) into a
/// target's corpus so every run starts from real bytes.
fn seed_corpus(root: &Path, target: &str) -> Result<()> {
    let corpus = root.join("fuzz/corpus").join(target);
    std::fs::create_dir_all(&corpus)?;
    if target == "headers" {
        for sub in ["captured", "constructed"] {
            let dir = root.join("crates/mxray-core/tests/fixtures/headers").join(sub);
            for entry in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
                let path = entry?.path();
                if path.extension().is_some_and(|e| e == "eml")
                    && let Some(name) = path.file_name()
                {
                    std::fs::copy(&path, corpus.join(name))?;
                }
            }
        }
        return Ok(());
    }
    let fixtures = root.join("crates/mxray-core/tests/fixtures");
    if let Ok(entries) = std::fs::read_dir(&fixtures) {
        for entry in entries {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "bin")
                && let Some(name) = path.file_name()
            {
                std::fs::copy(&path, corpus.join(name))?;
            }
        }
    }
    // The pcap target starts from the real captures (its byte 0 is the chunk size).
    if target == "pcap"
        && let Ok(entries) = std::fs::read_dir(fixtures.join("pcap"))
    {
        for entry in entries {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "pcap" || e == "pcapng")
                && let Some(name) = path.file_name()
            {
                let mut seed = vec![64u8];
                seed.extend(std::fs::read(&path)?);
                std::fs::write(corpus.join(name), seed)?;
            }
        }
    }
    Ok(())
}

/// The `Done N runs in S second(s)` count of a libFuzzer log.
fn executions(log: &str) -> Option<u64> {
    log.lines().rev().find_map(|l| l.strip_prefix("Done ")?.split_whitespace().next()?.parse().ok())
}

/// Runs `only` (or every target) for `seconds` each.
pub(crate) fn run(root: &Path, seconds: u64, only: &[String]) -> Result<()> {
    let bin = tools::ensure_cargo_fuzz(root)?;
    let all = targets(root)?;
    for name in only {
        if !all.contains(name) {
            bail!("unknown fuzz target {name:?}; the targets are: {}", all.join(", "));
        }
    }
    let chosen: Vec<&String> = all.iter().filter(|t| only.is_empty() || only.contains(t)).collect();
    let mut summary = Vec::new();
    for target in chosen {
        seed_corpus(root, target)?;
        let log = Cmd::new(&bin.join("cargo-fuzz").to_string_lossy())
            .current_dir(&root.join("fuzz"))
            .env("RUSTC_BOOTSTRAP", "1")
            .args(["run", target.as_str(), "--", "-rss_limit_mb=2048", "-print_final_stats=1"])
            .arg(format!("-max_total_time={seconds}"))
            .run_captured()
            .with_context(|| format!("fuzz target {target} failed; see fuzz/artifacts/{target}/"))?;
        let runs = executions(&log).map_or_else(|| "?".to_owned(), |n| n.to_string());
        println!("fuzz {target}: {runs} inputs in {seconds} s, no crash");
        summary.push((target.clone(), runs));
    }
    println!("\nfuzz summary ({seconds} s per target):");
    for (target, runs) in summary {
        println!("  {target:<24} {runs:>12} inputs");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libfuzzer_run_counts_are_read() {
        let log =
            "#1024 pulse cov: 10\nDone 123456 runs in 10 second(s)\nstat::number_of_executed_units: 123456\n";
        assert_eq!(executions(log), Some(123_456));
        assert_eq!(executions("crashed"), None);
    }

    #[test]
    fn every_fuzz_target_has_a_source_file() {
        let root = crate::root();
        let names = targets(&root).unwrap();
        assert!(!names.is_empty());
        for name in names {
            assert!(root.join("fuzz/fuzz_targets").join(format!("{name}.rs")).is_file(), "{name}");
        }
    }
}
