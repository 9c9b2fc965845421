//! Installing what the tasks need when it is missing: the wasm32 target, a
//! `wasm-bindgen-cli` of exactly the version the workspace pins, `cargo-fuzz`, and Debian
//! packages. Every install says what it installs and why before it starts.
//!
//! Cargo-installed tools go under `target/xtask-tools/NAME-VERSION/`, so a clean clone
//! installs them once and later runs find them there.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::run::{Cmd, output_of};

/// The version of `cargo-fuzz` the fuzz task installs.
const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// The version `Cargo.lock` records for package `name`.
pub(crate) fn locked_version(root: &Path, name: &str) -> Result<String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).context("reading Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == format!("name = \"{name}\"")
            && let Some(version) = lines.next().and_then(|l| l.trim().strip_prefix("version = "))
        {
            return Ok(version.trim_matches('"').to_owned());
        }
    }
    bail!("{name} is not in Cargo.lock")
}

/// Adds the `wasm32-unknown-unknown` target to the toolchain if it is not installed.
pub(crate) fn ensure_wasm_target() -> Result<()> {
    let installed = output_of(Command::new("rustup").args(["target", "list", "--installed"]))?;
    if installed.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        return Ok(());
    }
    println!("installing the wasm32-unknown-unknown target (mxray-core and mxray-wasm build for it)");
    Cmd::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]).run()
}

/// Where a cargo-installed tool of a given version lives.
fn tool_root(root: &Path, name: &str, version: &str) -> PathBuf {
    root.join("target").join("xtask-tools").join(format!("{name}-{version}"))
}

/// Installs crate `krate` at exactly `version` under `target/xtask-tools` unless `bin` is
/// already there; returns the directory holding its binaries.
fn ensure_cargo_tool(root: &Path, krate: &str, version: &str, bin: &str, why: &str, locked: bool) -> Result<PathBuf> {
    let dir = tool_root(root, krate, version);
    let bin_dir = dir.join("bin");
    if bin_dir.join(bin).is_file() {
        return Ok(bin_dir);
    }
    println!("installing {krate} {version} into {} ({why}); this takes a few minutes once", dir.display());
    let mut cmd = Cmd::new("cargo").args(["install", krate, "--version"]).arg(format!("={version}"));
    if locked {
        cmd = cmd.arg("--locked");
    }
    cmd.arg("--root").arg(&dir).run().with_context(|| format!("installing {krate} {version}"))?;
    Ok(bin_dir)
}

/// The `wasm-bindgen-cli` binaries matching the workspace's pinned `wasm-bindgen`.
pub(crate) fn ensure_wasm_bindgen_cli(root: &Path) -> Result<PathBuf> {
    let version = locked_version(root, "wasm-bindgen")?;
    // Without --locked: the CLI's lock file names a dependency version the registry lacks.
    ensure_cargo_tool(
        root,
        "wasm-bindgen-cli",
        &version,
        "wasm-bindgen-test-runner",
        "runs the wasm tests and must match the wasm-bindgen crate exactly",
        false,
    )
}

/// The `cargo-fuzz` binary directory.
pub(crate) fn ensure_cargo_fuzz(root: &Path) -> Result<PathBuf> {
    ensure_cargo_tool(root, "cargo-fuzz", CARGO_FUZZ_VERSION, "cargo-fuzz", "runs the fuzz targets", true)
}

/// True if the Debian package is installed.
fn deb_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

/// Installs the Debian packages among `packages` that are missing, saying why.
pub(crate) fn ensure_debian_packages(packages: &[(&str, &str)]) -> Result<()> {
    let missing: Vec<&(&str, &str)> = packages.iter().filter(|(p, _)| !deb_installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    for (package, why) in &missing {
        println!("installing Debian package {package} ({why})");
    }
    let sudo = output_of(Command::new("id").arg("-u")).map(|u| u.trim() != "0").unwrap_or(true);
    let apt = |args: &[&str]| {
        let mut cmd = if sudo { Cmd::new("sudo").arg("apt-get") } else { Cmd::new("apt-get") };
        cmd = cmd.env("DEBIAN_FRONTEND", "noninteractive");
        for a in args {
            cmd = cmd.arg(a);
        }
        cmd
    };
    apt(&["update", "-q"]).run().context("apt-get update")?;
    let mut install = apt(&["install", "-y", "-q", "--no-install-recommends"]);
    for (package, _) in &missing {
        install = install.arg(package);
    }
    install.run().context("apt-get install")
}

/// The Debian packages the test suite needs.
pub(crate) const TEST_PACKAGES: &[(&str, &str)] = &[
    ("openssl", "the tests run real `openssl s_server` peers on loopback"),
    ("nodejs", "wasm-bindgen-test-runner runs the wasm tests in node"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pinned_wasm_bindgen_is_found_in_the_lock_file() {
        let root = crate::root();
        let version = locked_version(&root, "wasm-bindgen").unwrap();
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        assert!(
            manifest.contains(&format!("wasm-bindgen = \"={version}\"")),
            "Cargo.toml must pin wasm-bindgen exactly to the locked {version}"
        );
    }
}
