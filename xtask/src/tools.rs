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
fn ensure_cargo_tool(
    root: &Path,
    krate: &str,
    version: &str,
    bin: &str,
    why: &str,
    locked: bool,
) -> Result<PathBuf> {
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

/// Debconf answers given before installing, so that no package asks a question or sets
/// up a system-wide service: Postfix is installed without any configuration (the test
/// harness writes its own into private directories).
const DEBCONF_PRESEEDS: &[(&str, &str)] = &[
    ("postfix", "postfix postfix/main_mailer_type select No configuration"),
    // tshark pulls in wireshark-common, which asks whether non-root users may capture.
    ("tshark", "wireshark-common wireshark-common/install-setuid boolean false"),
];

/// The `invoke-rc.d` policy hook. While it exists and exits 101, package scripts do not
/// start services, so installing Postfix or Dovecot does not open 0.0.0.0:25 or :143.
const POLICY_RC_D: &str = "/usr/sbin/policy-rc.d";

/// Removes [`POLICY_RC_D`] on drop if this process created it (and only then).
#[derive(Debug)]
struct PolicyRcGuard {
    created: bool,
}

impl PolicyRcGuard {
    /// Makes sure a policy hook that forbids starting services exists during an install.
    /// An existing hook is left as it is (a container image's usually exits 101 already).
    fn install(sudo: bool) -> Result<Self> {
        if Path::new(POLICY_RC_D).exists() {
            return Ok(Self { created: false });
        }
        println!("creating a temporary {POLICY_RC_D} (exit 101) so the packages' own services do not start");
        let script =
            "#!/bin/sh\n# Temporary, made by `cargo xtask setup`: forbid starting services.\nexit 101\n";
        if sudo {
            let mut child = Command::new("sudo")
                .args(["tee", POLICY_RC_D])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::null())
                .spawn()
                .context("starting sudo tee")?;
            if let Some(stdin) = child.stdin.as_mut() {
                std::io::Write::write_all(stdin, script.as_bytes()).context("writing policy-rc.d")?;
            }
            drop(child.stdin.take());
            if !child.wait().context("waiting for sudo tee")?.success() {
                bail!("could not write {POLICY_RC_D}");
            }
            Cmd::new("sudo").args(["chmod", "755", POLICY_RC_D]).run()?;
        } else {
            std::fs::write(POLICY_RC_D, script).with_context(|| format!("writing {POLICY_RC_D}"))?;
            let perms = std::os::unix::fs::PermissionsExt::from_mode(0o755);
            std::fs::set_permissions(POLICY_RC_D, perms).with_context(|| format!("chmod {POLICY_RC_D}"))?;
        }
        Ok(Self { created: true })
    }
}

impl Drop for PolicyRcGuard {
    fn drop(&mut self) {
        if !self.created {
            return;
        }
        let sudo = output_of(Command::new("id").arg("-u")).map(|u| u.trim() != "0").unwrap_or(true);
        let removed = if sudo {
            Command::new("sudo")
                .args(["rm", "-f", POLICY_RC_D])
                .status()
                .map(|s| s.success())
                .unwrap_or(false)
        } else {
            std::fs::remove_file(POLICY_RC_D).is_ok()
        };
        if removed {
            println!("removed the temporary {POLICY_RC_D}");
        } else {
            eprintln!("warning: could not remove the temporary {POLICY_RC_D}; remove it by hand");
        }
    }
}

/// Installs the Debian packages among `packages` that are missing, saying why. Services
/// are kept from starting during the install (see [`PolicyRcGuard`]) and Postfix is
/// preseeded to "No configuration".
pub(crate) fn ensure_debian_packages(packages: &[(&str, &str)]) -> Result<()> {
    let missing: Vec<&(&str, &str)> = packages.iter().filter(|(p, _)| !deb_installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    for (package, why) in &missing {
        println!("installing Debian package {package} ({why})");
    }
    let sudo = output_of(Command::new("id").arg("-u")).map(|u| u.trim() != "0").unwrap_or(true);
    let with_sudo = |program: &str| if sudo { Cmd::new("sudo").arg(program) } else { Cmd::new(program) };
    let apt = |args: &[&str]| with_sudo("apt-get").env("DEBIAN_FRONTEND", "noninteractive").args(args);
    for (package, line) in DEBCONF_PRESEEDS {
        if missing.iter().any(|(p, _)| p == package) {
            let mut child = if sudo {
                Command::new("sudo").arg("debconf-set-selections").stdin(std::process::Stdio::piped()).spawn()
            } else {
                Command::new("debconf-set-selections").stdin(std::process::Stdio::piped()).spawn()
            }
            .context("starting debconf-set-selections")?;
            println!("$ echo '{line}' | debconf-set-selections");
            if let Some(stdin) = child.stdin.as_mut() {
                std::io::Write::write_all(stdin, format!("{line}\n").as_bytes())
                    .context("preseeding debconf")?;
            }
            drop(child.stdin.take());
            if !child.wait().context("waiting for debconf-set-selections")?.success() {
                bail!("debconf-set-selections failed for {package}");
            }
        }
    }
    apt(&["update", "-q"]).run().context("apt-get update")?;
    let _policy = PolicyRcGuard::install(sudo)?;
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
    ("clang", "ring builds for wasm32 with clang"),
    ("postfix", "the test harness runs a real Postfix (SMTP STARTTLS, submission, smtps) on loopback"),
    ("dovecot-imapd", "the test harness runs a real Dovecot IMAP/IMAPS server on loopback"),
    ("dovecot-pop3d", "the test harness runs a real Dovecot POP3/POP3S server on loopback"),
    ("sslscan", "the scan tests cross-check mxray's findings against sslscan's"),
    ("testssl.sh", "the scan benchmark compares mxray with testssl.sh"),
    ("nginx-light", "the MTA-STS tests fetch policies from a real nginx over HTTPS on loopback"),
    ("knot", "the DNS tests run a real authoritative Knot DNS serving a DNSSEC-signed test tree on loopback"),
    (
        "knot-dnssecutils",
        "kzonesign signs a test zone as of a past time (the expired-signatures DNSSEC case)",
    ),
    ("chromium", "the browser tests (`cargo xtask web-test`) run the page in headless Chromium"),
    ("tcpdump", "the pcap fixtures are captured on lo with tcpdump (regenerate.sh)"),
    ("tshark", "the pcap fixtures' JA3/JA3S are cross-checked with tshark; editcap writes pcapng"),
    ("gnutls-bin", "the MTA-profile tests replay Exim's GnuTLS NORMAL hello with gnutls-cli"),
];

/// The Debian packages `cargo xtask demo` needs: the servers it scans.
pub(crate) const SERVER_PACKAGES: &[(&str, &str)] = &[
    ("openssl", "the demo's servers get certificates from a test CA made with openssl"),
    ("postfix", "the demo scans a real Postfix on loopback"),
    ("dovecot-imapd", "the demo scans a real Dovecot IMAP server on loopback"),
    ("dovecot-pop3d", "the demo scans a real Dovecot POP3 server on loopback"),
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
