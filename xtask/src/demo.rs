//! `cargo xtask demo`: the main job on this machine. It starts the test suite's real
//! Postfix and Dovecot on 127.0.0.1 (the `testbed` binary of `tests/`), scans a strong and
//! a weak endpoint of each kind with `mxray scan`, prints the reports a user would see,
//! and stops the servers. Nothing leaves the machine: every address is loopback.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::run::Cmd;
use crate::tools;

/// How long the testbed may take to print `ready`.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// The endpoints scanned, by the testbed's names.
const SCANNED: &[&str] = &["smtp-strong", "smtp-weak", "submission-strong", "imap-weak", "pop3s-strong"];

/// One line of the testbed's list: `smtp-strong 127.0.0.1:40025 smtp starttls`.
#[derive(Debug, PartialEq, Eq)]
struct Endpoint {
    name: String,
    addr: String,
    scheme: String,
}

fn parse_endpoint(line: &str) -> Option<Endpoint> {
    let mut words = line.split_whitespace();
    let (name, addr, scheme) = (words.next()?, words.next()?, words.next()?);
    addr.parse::<std::net::SocketAddr>().ok()?;
    Some(Endpoint { name: name.to_owned(), addr: addr.to_owned(), scheme: scheme.to_owned() })
}

/// The running testbed; dropping it closes its stdin (it then stops its servers by PID)
/// and waits for it, killing it if it does not exit in time.
struct Testbed {
    child: Child,
    stdin: Option<ChildStdin>,
}

impl Drop for Testbed {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_testbed(root: &Path) -> Result<(Testbed, Vec<Endpoint>, Option<String>)> {
    let mut child = Command::new(root.join("target/debug/testbed"))
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting the testbed")?;
    let stdin = child.stdin.take();
    let stdout = child.stdout.take().context("testbed stdout")?;
    let testbed = Testbed { child, stdin };
    // Read the endpoint list on a thread so that a hung testbed cannot hang the demo.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let ready = line.trim() == "ready";
            if tx.send(line).is_err() || ready {
                break;
            }
        }
    });
    let deadline = Instant::now() + READY_TIMEOUT;
    let mut endpoints = Vec::new();
    let mut ca = None;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) if line.trim() == "ready" => return Ok((testbed, endpoints, ca)),
            Ok(line) if line.starts_with("ca ") => ca = Some(line[3..].trim().to_owned()),
            Ok(line) => endpoints.extend(parse_endpoint(&line)),
            Err(_) => bail!("the testbed did not report ready within {READY_TIMEOUT:?}"),
        }
    }
}

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
    let (testbed, endpoints, ca) = start_testbed(root)?;
    for e in &endpoints {
        println!("  {:<18} {}://{}", e.name, e.scheme, e.addr);
    }
    let mxray = root.join("target/debug/mxray");
    for name in SCANNED {
        let e = endpoints
            .iter()
            .find(|e| e.name == *name)
            .with_context(|| format!("the testbed has no {name}"))?;
        let target = format!("{}://{}", e.scheme, e.addr);
        // 127.0.0.2 looks remote to the servers on 127.0.0.1 (Dovecot trusts its own address);
        // the servers' certificates come from the testbed's own CA.
        let mut args = vec!["scan", target.as_str(), "--sni", "mail.test.example", "--source", "127.0.0.2"];
        if let Some(ca) = &ca {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn testbed_lines_become_endpoints() {
        assert_eq!(
            parse_endpoint("smtp-strong 127.0.0.1:40025 smtp starttls"),
            Some(Endpoint {
                name: "smtp-strong".into(),
                addr: "127.0.0.1:40025".into(),
                scheme: "smtp".into()
            })
        );
        assert_eq!(parse_endpoint("ready"), None);
        assert_eq!(parse_endpoint("x notanaddress smtp"), None);
    }
}
