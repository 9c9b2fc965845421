//! The test harness's `testbed` binary, run by the demo and the benchmark: started with
//! its stdin piped, its endpoint list read up to `ready` (with a time limit, so a hung
//! testbed cannot hang the task), and stopped on drop by closing its stdin (it then stops
//! its servers by PID), then by SIGTERM to its own PID if it does not exit in time.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// How long the testbed may take to print `ready`.
const READY_TIMEOUT: Duration = Duration::from_secs(120);

/// How long the testbed may take to stop after its stdin closes.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// One endpoint line of the testbed: `smtp-strong 127.0.0.1:40025 smtp starttls`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    pub(crate) name: String,
    pub(crate) address: String,
    pub(crate) port: u16,
    /// The URL scheme mxray takes (`smtp`, `imaps`, …).
    pub(crate) service: String,
    pub(crate) starttls: bool,
}

/// Parses an endpoint line; `None` for other lines (`ca PATH`, `ready`).
pub(crate) fn parse_endpoint(line: &str) -> Option<Endpoint> {
    let mut words = line.split_whitespace();
    let name = words.next()?.to_owned();
    let address = words.next()?.to_owned();
    let port = address.parse::<std::net::SocketAddr>().ok()?.port();
    let service = words.next()?.to_owned();
    let starttls = words.next()? == "starttls";
    Some(Endpoint { name, address, port, service, starttls })
}

/// A running testbed.
#[derive(Debug)]
pub(crate) struct Testbed {
    child: Child,
    stdin: Option<ChildStdin>,
    pub(crate) endpoints: Vec<Endpoint>,
    /// The test CA's certificate, to validate the servers' chains with.
    pub(crate) ca: Option<String>,
}

impl Testbed {
    /// Starts `command` (the testbed binary, possibly behind `ip netns exec`) and reads its
    /// endpoints.
    pub(crate) fn start(mut command: Command) -> Result<Self> {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting the testbed ({command:?})"))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().context("testbed stdout")?;
        let mut bed = Self { child, stdin, endpoints: Vec::new(), ca: None };
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
        loop {
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) if line.trim() == "ready" => return Ok(bed),
                Ok(line) => match line.strip_prefix("ca ") {
                    Some(path) => bed.ca = Some(path.trim().to_owned()),
                    None => bed.endpoints.extend(parse_endpoint(&line)),
                },
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    bail!("the testbed did not report ready within {READY_TIMEOUT:?}")
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    bail!("the testbed exited before `ready`")
                }
            }
        }
    }

    /// The endpoint called `name`.
    pub(crate) fn endpoint(&self, name: &str) -> Result<&Endpoint> {
        self.endpoints
            .iter()
            .find(|e| e.name == name)
            .with_context(|| format!("the testbed has no endpoint {name:?}"))
    }
}

impl Drop for Testbed {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) | Err(_) => return,
                Ok(None) if Instant::now() > deadline => break,
                Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn testbed_lines_become_endpoints() {
        let e = parse_endpoint("smtp-strong 127.0.0.1:40025 smtp starttls").unwrap();
        assert_eq!(
            (e.name.as_str(), e.port, e.service.as_str(), e.starttls),
            ("smtp-strong", 40025, "smtp", true)
        );
        assert!(!parse_endpoint("imaps-strong 127.0.0.1:40993 imaps implicit").unwrap().starttls);
        assert_eq!(parse_endpoint("ready"), None);
        assert_eq!(parse_endpoint("ca /tmp/certs/ca.crt"), None);
        assert_eq!(parse_endpoint("x notanaddress smtp starttls"), None);
    }
}
