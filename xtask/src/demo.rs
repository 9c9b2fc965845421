//! `cargo xtask demo`: the main job on this machine. It starts the test suite's real
//! Postfix and Dovecot on 127.0.0.1 (the `testbed` binary of `tests/`), scans a strong and
//! a weak endpoint of each kind with `mxray scan`, prints the reports a user would see,
//! and stops the servers. Nothing leaves the machine: every address is loopback.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::run::Cmd;
use crate::testbed::Testbed;
use crate::tools;

/// The endpoints scanned, by the testbed's names.
const SCANNED: &[&str] = &["smtp-strong", "smtp-weak", "submission-strong", "imap-weak", "pop3s-strong"];

/// Runs the demo.
pub(crate) fn run(root: &Path) -> Result<()> {
    tools::ensure_debian_packages(tools::SERVER_PACKAGES)?;
    Cmd::new("cargo")
        .current_dir(root)
        .args([
            "build",
            "--quiet",
            "--locked",
            "-p",
            "mxray",
            "-p",
            "mxray-tests",
            "--bin",
            "mxray",
            "--bin",
            "testbed",
        ])
        .run()?;
    println!("\nStarting real Postfix and Dovecot on 127.0.0.1 (private config dirs, high ports)...");
    let testbed = Testbed::start(Command::new(root.join("target/debug/testbed")))?;
    for e in &testbed.endpoints {
        println!("  {:<18} {}://{}", e.name, e.service, e.address);
    }
    let mxray = root.join("target/debug/mxray");
    for name in SCANNED {
        let e = testbed.endpoint(name)?;
        let target = format!("{}://{}", e.service, e.address);
        // 127.0.0.2 looks remote to the servers on 127.0.0.1 (Dovecot trusts its own address);
        // the servers' certificates come from the testbed's own CA.
        let mut args = vec!["scan", target.as_str(), "--sni", "mail.test.example", "--source", "127.0.0.2"];
        if let Some(ca) = &testbed.ca {
            args.extend(["--ca", ca.as_str()]);
        }
        println!("\n$ mxray {}", args.join(" "));
        let status = Command::new(&mxray).args(args).status().context("running mxray")?;
        if !status.success() {
            bail!("mxray scan {target} failed ({status})");
        }
    }
    println!("\nStopping the servers...");
    drop(testbed);
    println!("done");
    Ok(())
}
