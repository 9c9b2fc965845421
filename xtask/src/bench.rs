//! `cargo xtask bench scan [--no-netns] [--testssl-timeout SECONDS] [--endpoints A,B]`:
//! runs mxray, sslscan and testssl.sh against the same real Postfix/Dovecot endpoints of
//! the `testbed` in one run and prints, per endpoint and tool, the TCP connections (SYNs
//! counted by `tcpdump` on the loopback interface, independently of the tools), the wall
//! time and the suites found, then the issue's targets as PASS/FAIL lines.
//!
//! Two parts: (a) plain loopback; (b) inside a network namespace that the bench creates
//! (`ip netns add mxray-bench-PID`) and removes, with `tc netem` delaying each packet by
//! 12.5 ms on the namespace's own `lo` (25 ms round trip), the testbed and every scanner
//! started inside it with `ip netns exec`. Part (b) scans the strong SMTP endpoint only,
//! because testssl.sh needs minutes there.
//!
//! A benchmark measures; it does not assert: missed targets print FAIL but the task
//! succeeds. A tool that fails (non-zero exit, unparsable output) fails the task; a tool
//! that runs past its time limit is stopped by PID and reported as timed out.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::run::{Cmd, output_of};
use crate::testbed::{Endpoint, Testbed};
use crate::tools;

/// The Debian packages the bench needs.
pub(crate) const BENCH_PACKAGES: &[(&str, &str)] = &[
    ("sslscan", "the bench compares mxray with sslscan"),
    ("testssl.sh", "the bench compares mxray with testssl.sh"),
    ("tcpdump", "the bench counts each tool's TCP connections from a capture on lo"),
    ("iproute2", "the bench runs a comparison in a network namespace with netem delay (ip, tc)"),
];

/// The endpoints part (a) scans unless `--endpoints` says otherwise.
const DEFAULT_ENDPOINTS: &[&str] = &["smtp-strong", "smtp-weak", "imaps-strong"];

/// The endpoint part (b) scans.
const NETNS_ENDPOINT: &str = "smtp-strong";

/// One-way delay netem adds on the namespace's loopback interface.
const NETEM_DELAY: &str = "12.5ms";

/// Time limit of an mxray or sslscan run.
const SCANNER_TIMEOUT: Duration = Duration::from_secs(600);

/// testssl.sh's checks: protocols, every suite per protocol, server order, server
/// defaults (certificate, session tickets/resumption), forward secrecy (groups).
const TESTSSL_CHECKS: &[&str] = &["-p", "-E", "-P", "-S", "-f"];

/// testssl.sh's full run (`--testssl-full`): every default check, the vulnerability
/// checks, implementation bugs and every suite per protocol, which is what a user who
/// runs testssl.sh to audit a server waits for.
const TESTSSL_FULL: &[&str] = &["--full"];

/// Options of `bench scan`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Options {
    netns: bool,
    testssl_timeout: Duration,
    testssl_full: bool,
    endpoints: Vec<String>,
}

fn parse_options(args: &[String]) -> Result<Options> {
    let mut it = args.iter();
    match it.next().map(String::as_str) {
        Some("scan") => {}
        Some("proxy") => bail!("`bench proxy` is internal"),
        Some(other) => bail!("unknown bench {other:?}; the benches are: scan"),
        None => {
            bail!("usage: cargo xtask bench scan [--no-netns] [--testssl-full] [--testssl-timeout SECONDS]")
        }
    }
    let mut options = Options {
        netns: true,
        testssl_timeout: Duration::from_secs(900),
        testssl_full: false,
        endpoints: DEFAULT_ENDPOINTS.iter().map(|s| (*s).to_owned()).collect(),
    };
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--no-netns" => options.netns = false,
            "--testssl-full" => options.testssl_full = true,
            "--testssl-timeout" => {
                let value = it.next().context("--testssl-timeout needs a number of seconds")?;
                let secs: u64 =
                    value.parse().with_context(|| format!("--testssl-timeout {value:?} is not a number"))?;
                options.testssl_timeout = Duration::from_secs(secs.max(1));
            }
            "--endpoints" => {
                let value = it.next().context("--endpoints needs a list such as smtp-strong,smtp-weak")?;
                options.endpoints = value.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect();
            }
            other => bail!("unknown bench option {other:?}"),
        }
    }
    Ok(options)
}

/// `cargo xtask bench …`.
pub(crate) fn run(root: &Path, args: &[String]) -> Result<()> {
    if args.first().is_some_and(|a| a == "proxy") {
        return proxy_main(&args[1..]);
    }
    if args.first().is_some_and(|a| a == "pcap") {
        return crate::bench_pcap::run(root, &args[1..]);
    }
    let options = parse_options(args)?;
    tools::ensure_debian_packages(BENCH_PACKAGES)?;
    Cmd::new("cargo")
        .current_dir(root)
        .args(["build", "--release", "--locked", "-p", "mxray", "-p", "mxray-tests"])
        .args(["--bin", "mxray", "--bin", "testbed"])
        .run()?;
    let work = root.join("target").join("tmp").join(format!("bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;
    let bench = Bench {
        root: root.to_owned(),
        work: work.clone(),
        openssl_codes: openssl_codes().context("reading `openssl ciphers -V`")?,
        testssl_timeout: options.testssl_timeout,
        testssl_checks: if options.testssl_full { TESTSSL_FULL } else { TESTSSL_CHECKS },
    };
    print_versions(root, bench.testssl_checks);

    let loopback = Env { prefix: Vec::new(), label: "loopback".into(), proxy: false };
    println!("\n== (a) loopback, no added delay ==");
    let rows = bench.part(&loopback, &options.endpoints)?;
    let mut report = render(&loopback.label, &rows);
    report.push_str(&targets(&rows, false));

    if options.netns {
        let ns = Netns::create(&format!("mxray-bench-{}", std::process::id()))?;
        let env = Env {
            prefix: ns.prefix(),
            label: if ns.netem {
                format!("netns {} (lo netem {NETEM_DELAY} each way)", ns.name)
            } else {
                format!("netns {} (no netem in this kernel: delay proxy, {NETEM_DELAY} each way)", ns.name)
            },
            proxy: !ns.netem,
        };
        println!("\n== (b) {} ==", env.label);
        let rows = bench.part(&env, &[NETNS_ENDPOINT.to_owned()])?;
        drop(ns);
        report.push('\n');
        report.push_str(&render(&env.label, &rows));
        report.push_str(&targets(&rows, true));
    }
    println!("\n{report}");
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

/// Prints the exact versions and flags of the tools compared.
fn print_versions(root: &Path, testssl_checks: &[&str]) {
    let strip = |s: String| strip_ansi(&s).split_whitespace().collect::<Vec<_>>().join(" ");
    let mxray =
        output_of(Command::new(root.join("target/release/mxray")).arg("--version")).unwrap_or_default();
    let sslscan = output_of(Command::new("sslscan").arg("--version")).unwrap_or_default();
    let testssl =
        output_of(Command::new("dpkg-query").args(["-W", "-f=${Version}", "testssl.sh"])).unwrap_or_default();
    let tcpdump = Command::new("tcpdump")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).lines().next().unwrap_or("").to_owned())
        .unwrap_or_default();
    println!("tools:");
    println!("  mxray     {} -- scan URL --json --per-host 1", strip(mxray));
    println!("  sslscan   {} -- --no-colour [--starttls-PROTO] 127.0.0.1:PORT", strip(sslscan));
    println!(
        "  testssl   testssl.sh {} (Debian) -- [-t PROTO] {} --nodns none --warnings off --color 0 --quiet \
         --csvfile FILE 127.0.0.1:PORT",
        strip(testssl),
        testssl_checks.join(" ")
    );
    println!("  counting  {} -- -i lo -nn -l 'tcp SYN and not ACK and dst port PORT'", strip(tcpdump));
}

/// Removes ANSI colour sequences.
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Where the tools run.

/// Where processes start: on the host, or inside a namespace (`ip netns exec NS`).
#[derive(Debug)]
struct Env {
    prefix: Vec<String>,
    label: String,
    /// Put a [`proxy_main`] delay proxy between the tools and the servers (when the
    /// kernel has no netem).
    proxy: bool,
}

impl Env {
    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        match self.prefix.split_first() {
            None => Command::new(program),
            Some((first, rest)) => {
                let mut cmd = Command::new(first);
                cmd.args(rest).arg(program);
                cmd
            }
        }
    }
}

/// A network namespace with its loopback up and delayed by netem, deleted on drop. A
/// watchdog shell in its own process group deletes it too if this process dies without
/// unwinding (Ctrl-C, kill).
#[derive(Debug)]
struct Netns {
    name: String,
    watchdog: Option<Child>,
    /// False when the kernel has no netem qdisc (`CONFIG_NET_SCH_NETEM` unset).
    netem: bool,
}

impl Netns {
    fn create(name: &str) -> Result<Self> {
        Cmd::new("ip").args(["netns", "add", name]).run()?;
        let mut ns = Self { name: name.to_owned(), watchdog: None, netem: true };
        let script = format!(
            "trap '' INT HUP; while kill -0 {pid} 2>/dev/null; do sleep 1; done; ip netns del {name} 2>/dev/null",
            pid = std::process::id()
        );
        let mut watchdog = Command::new("sh");
        watchdog.args(["-c", &script]).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut watchdog, 0);
        ns.watchdog = Some(watchdog.spawn().context("starting the namespace watchdog")?);
        Cmd::new("ip").args(["netns", "exec", name, "ip", "link", "set", "lo", "up"]).run()?;
        let netem = Cmd::new("ip")
            .args([
                "netns",
                "exec",
                name,
                "tc",
                "qdisc",
                "add",
                "dev",
                "lo",
                "root",
                "netem",
                "delay",
                NETEM_DELAY,
            ])
            .run();
        if let Err(e) = netem {
            let netem_in_kernel = Command::new("sh")
                .args(["-c", "zcat /proc/config.gz 2>/dev/null | grep -E '^CONFIG_NET_SCH_NETEM=' || true"])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
                .unwrap_or_default();
            println!(
                "netem is not available ({e:#}; kernel config: {}): falling back to a delay proxy inside the \
                 namespace that holds every byte {NETEM_DELAY} each way and opens the server connection one and a \
                 half round trips after accepting, as a TCP handshake over netem would",
                if netem_in_kernel.is_empty() {
                    "CONFIG_NET_SCH_NETEM not set".to_owned()
                } else {
                    netem_in_kernel
                }
            );
            ns.netem = false;
        }
        let ping = Command::new("ip")
            .args(["netns", "exec", name, "ping", "-c", "3", "-i", "0.2", "-q", "127.0.0.1"])
            .output();
        if let Ok(out) = ping
            && let Some(rtt) = String::from_utf8_lossy(&out.stdout).lines().find(|l| l.contains("rtt"))
        {
            println!("namespace {name}: ping 127.0.0.1: {rtt}");
        }
        Ok(ns)
    }

    fn prefix(&self) -> Vec<String> {
        vec!["ip".into(), "netns".into(), "exec".into(), self.name.clone()]
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        match Command::new("ip").args(["netns", "del", &self.name]).status() {
            Ok(s) if s.success() => println!("removed namespace {}", self.name),
            _ => eprintln!("warning: could not remove namespace {}; `ip netns del {}`", self.name, self.name),
        }
        if let Some(mut w) = self.watchdog.take() {
            let _ = Command::new("kill").args(["-TERM", &w.id().to_string()]).status();
            let _ = w.wait();
        }
    }
}

/// A `tcpdump` on `lo` counting the client SYNs to one port; stopped by PID.
#[derive(Debug)]
struct Capture {
    child: Child,
    out: PathBuf,
    stderr: mpsc::Receiver<String>,
}

impl Capture {
    fn start(env: &Env, port: u16, out: PathBuf) -> Result<Self> {
        let filter =
            format!("tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack == 0 and dst port {port}");
        let file = File::create(&out).with_context(|| format!("creating {}", out.display()))?;
        let mut child = env
            .command("tcpdump")
            .args(["-i", "lo", "-nn", "-l", "--immediate-mode", &filter])
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(Stdio::piped())
            .spawn()
            .context("starting tcpdump")?;
        let stderr = child.stderr.take().context("tcpdump stderr")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let capture = Self { child, out, stderr: rx };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match capture.stderr.recv_timeout(Duration::from_millis(100)) {
                Ok(line) if line.contains("listening on") => return Ok(capture),
                Ok(_) | Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => bail!("tcpdump exited before listening"),
            }
            if Instant::now() > deadline {
                bail!("tcpdump did not start listening within 10 s");
            }
        }
    }

    /// Stops the capture (SIGINT by PID) and returns the SYNs it saw.
    fn stop(mut self) -> Result<u64> {
        std::thread::sleep(Duration::from_millis(300));
        let _ = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
        let mut summary = Vec::new();
        while let Ok(line) = self.stderr.recv_timeout(Duration::from_millis(500)) {
            summary.push(line);
        }
        if let Some(dropped) = summary.iter().find(|l| l.contains("dropped by kernel"))
            && !dropped.starts_with("0 ")
        {
            bail!("tcpdump lost packets: {dropped}");
        }
        let text = std::fs::read_to_string(&self.out).context("reading the capture")?;
        Ok(count_syns(&text))
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status();
            let _ = self.child.wait();
        }
    }
}

/// The client SYNs (no ACK) in tcpdump's text output.
fn count_syns(text: &str) -> u64 {
    text.lines()
        .filter(|l| {
            l.split_once("Flags [").is_some_and(|(_, flags)| {
                let flags = flags.split(']').next().unwrap_or("");
                flags.contains('S') && !flags.contains('.')
            })
        })
        .count() as u64
}

/// The PIDs of every descendant of `pid` (from `/proc/*/stat`).
fn descendants(pid: u32) -> Vec<u32> {
    let mut parent_of = Vec::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            let Some(p) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
            // `pid (comm) state ppid …`; comm may hold spaces and parentheses.
            let Some(after) = stat.rsplit_once(')').map(|(_, a)| a) else { continue };
            if let Some(ppid) = after.split_whitespace().nth(1).and_then(|s| s.parse::<u32>().ok()) {
                parent_of.push((p, ppid));
            }
        }
    }
    let mut found = vec![pid];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(parent_of.iter().filter(|(_, pp)| *pp == parent).map(|(p, _)| *p));
        i += 1;
    }
    found.remove(0);
    found
}

/// How a tool run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ended {
    Exited(i32),
    TimedOut(u64),
}

/// Runs `cmd` with stdout and stderr into files, stopping it (and its descendants, by
/// PID) after `limit`.
fn run_limited(mut cmd: Command, stdout: &Path, stderr: &Path, limit: Duration) -> Result<(Ended, Duration)> {
    let out = File::create(stdout)?;
    let err = File::create(stderr)?;
    let started = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .with_context(|| format!("starting {cmd:?}"))?;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok((Ended::Exited(status.code().unwrap_or(-1)), started.elapsed()));
        }
        if started.elapsed() > limit {
            let elapsed = started.elapsed();
            let mut pids = descendants(child.id());
            pids.push(child.id());
            for pid in &pids {
                let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).stderr(Stdio::null()).status();
            }
            std::thread::sleep(Duration::from_secs(1));
            for pid in pids.iter().filter(|p| Path::new(&format!("/proc/{p}")).exists()) {
                let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).stderr(Stdio::null()).status();
            }
            let _ = child.wait();
            return Ok((Ended::TimedOut(elapsed.as_secs()), elapsed));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

// ---------------------------------------------------------------------------------------
// Measuring.

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tool {
    Mxray,
    Sslscan,
    Testssl,
}

impl Tool {
    const ALL: [Self; 3] = [Self::Mxray, Self::Sslscan, Self::Testssl];

    fn name(self) -> &'static str {
        match self {
            Self::Mxray => "mxray",
            Self::Sslscan => "sslscan",
            Self::Testssl => "testssl.sh",
        }
    }
}

/// A protocol version, normalised from every tool's spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Version {
    Ssl2,
    Ssl3,
    Tls10,
    Tls11,
    Tls12,
    Tls13,
}

impl Version {
    /// `TLSv1.2`, `TLSv1`, `TLS 1.2`, `tls1_2`, `SSLv3`, `ssl3`.
    fn parse(s: &str) -> Option<Self> {
        let k: String = s.to_ascii_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        Some(match k.as_str() {
            "sslv2" | "ssl2" => Self::Ssl2,
            "sslv3" | "ssl3" => Self::Ssl3,
            "tlsv1" | "tlsv10" | "tls1" | "tls10" => Self::Tls10,
            "tlsv11" | "tls11" => Self::Tls11,
            "tlsv12" | "tls12" => Self::Tls12,
            "tlsv13" | "tls13" => Self::Tls13,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::Ssl2 => "SSLv2",
            Self::Ssl3 => "SSLv3",
            Self::Tls10 => "TLSv1.0",
            Self::Tls11 => "TLSv1.1",
            Self::Tls12 => "TLSv1.2",
            Self::Tls13 => "TLSv1.3",
        }
    }
}

/// A suite as a tool reports it: by code (mxray, testssl.sh) or by name (sslscan).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Suite {
    version: Version,
    code: Option<u32>,
    name: String,
}

/// What mxray's JSON says about one endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct MxrayEndpoint {
    /// (version, code, IANA name, OpenSSL name).
    ciphers: Vec<(Version, u32, String, String)>,
    connections: u64,
    groups: usize,
    signature_schemes: usize,
    errors: Vec<String>,
}

impl MxrayEndpoint {
    fn accepted_per_version(&self) -> BTreeMap<Version, usize> {
        let mut per = BTreeMap::new();
        for (v, ..) in &self.ciphers {
            *per.entry(*v).or_insert(0) += 1;
        }
        per
    }

    /// Whether mxray reports `suite` (same version; same code, or same IANA or OpenSSL
    /// name, or the code OpenSSL gives that name).
    fn has(&self, suite: &Suite, openssl_codes: &BTreeMap<String, u32>) -> bool {
        let code = suite.code.or_else(|| openssl_codes.get(&suite.name).copied());
        self.ciphers.iter().any(|(v, c, iana, ossl)| {
            *v == suite.version && (Some(*c) == code || *iana == suite.name || *ossl == suite.name)
        })
    }
}

/// The issue's lower bound: sum over versions of (accepted suites + 1), plus accepted
/// groups (TLS 1.2 and TLS 1.3 lists) and signature schemes, plus 5.
fn lower_bound(
    accepted_per_version: &BTreeMap<Version, usize>,
    groups: usize,
    signature_schemes: usize,
) -> u64 {
    let suites: usize = accepted_per_version.values().filter(|n| **n > 0).map(|n| n + 1).sum();
    (suites + groups + signature_schemes + 5) as u64
}

/// `0xC02F`, `0x0700C0`, `xc02f`, `x9c`, `0xC0,0x2F` as a number.
fn parse_code(s: &str) -> Option<u32> {
    let s = s.trim();
    let hex: String = s
        .split(',')
        .map(|p| {
            let p = p.trim();
            let p = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")).unwrap_or(p);
            p.strip_prefix('x').unwrap_or(p).to_owned()
        })
        .collect();
    if hex.is_empty() || hex.len() > 6 {
        return None;
    }
    u32::from_str_radix(&hex, 16).ok()
}

/// mxray's `--json` report, first endpoint.
fn parse_mxray(text: &str) -> Result<MxrayEndpoint> {
    let json = Json::parse(text).context("mxray's JSON")?;
    let endpoint = json
        .get("endpoints")
        .and_then(Json::as_array)
        .and_then(|a| a.first())
        .context("no endpoints in the JSON")?;
    let mut out = MxrayEndpoint::default();
    for c in endpoint.get("ciphers").and_then(Json::as_array).context("no ciphers")? {
        let version =
            c.get("version").and_then(Json::as_str).and_then(Version::parse).context("cipher version")?;
        let code = c.get("code").and_then(Json::as_str).and_then(parse_code).context("cipher code")?;
        let name = c.get("name").and_then(Json::as_str).unwrap_or("").to_owned();
        let openssl = c.get("openssl").and_then(Json::as_str).unwrap_or("").to_owned();
        out.ciphers.push((version, code, name, openssl));
    }
    out.connections = endpoint.get("connections").and_then(Json::as_u64).context("no connections")?;
    let groups = endpoint.get("groups").context("no groups")?;
    out.groups = ["tls12", "tls13"].iter().filter_map(|k| groups.get(k)?.as_array()).map(Vec::len).sum();
    out.signature_schemes = endpoint.get("signature_schemes").and_then(Json::as_array).map_or(0, Vec::len);
    out.errors = endpoint
        .get("errors")
        .and_then(Json::as_array)
        .map(|a| a.iter().filter_map(Json::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    Ok(out)
}

/// sslscan's `Accepted`/`Preferred` lines.
fn parse_sslscan(text: &str) -> BTreeSet<Suite> {
    let text = strip_ansi(text);
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let mut w = line.split_whitespace();
        if !matches!(w.next(), Some("Accepted" | "Preferred")) {
            continue;
        }
        let Some(version) = w.next().and_then(Version::parse) else { continue };
        // `256 bits NAME …`
        let rest: Vec<&str> = w.collect();
        let Some(i) = rest.iter().position(|x| *x == "bits") else { continue };
        if let Some(name) = rest.get(i + 1) {
            found.insert(Suite { version, code: None, name: (*name).to_owned() });
        }
    }
    found
}

/// testssl.sh's CSV rows `"cipher-tls1_2_xc030",…,"TLSv1.2  xc030 NAME … available"` from
/// `-E` (rows of other checks are ignored).
fn parse_testssl_csv(text: &str) -> Result<BTreeSet<Suite>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(text.as_bytes());
    let mut found = BTreeSet::new();
    for record in reader.records() {
        let record = record.context("testssl.sh CSV")?;
        let id = record.get(0).unwrap_or("");
        let finding = record.get(4).unwrap_or("");
        let Some(rest) = id.strip_prefix("cipher-") else { continue };
        let Some((proto, hex)) = rest.rsplit_once('_') else { continue };
        let (Some(version), Some(code)) = (Version::parse(proto), parse_code(hex)) else { continue };
        if finding.contains("not a/v") {
            continue;
        }
        // `TLS 1.2   xc030   ECDHE-RSA-AES256-GCM-SHA384 …`: the OpenSSL name follows the code.
        let mut words = finding.split_whitespace();
        let name =
            words.by_ref().find(|w| w.eq_ignore_ascii_case(hex)).and(words.next()).unwrap_or("").to_owned();
        found.insert(Suite { version, code: Some(code), name });
    }
    Ok(found)
}

/// OpenSSL name -> code, from `openssl ciphers -V`, to match sslscan's names.
fn openssl_codes() -> Result<BTreeMap<String, u32>> {
    let text = output_of(Command::new("openssl").args(["ciphers", "-V", "ALL:COMPLEMENTOFALL:@SECLEVEL=0"]))?;
    Ok(parse_openssl_ciphers(&text))
}

fn parse_openssl_ciphers(text: &str) -> BTreeMap<String, u32> {
    let mut map = BTreeMap::new();
    for line in text.lines() {
        let mut w = line.split_whitespace();
        let (Some(code), Some("-"), Some(name)) = (w.next(), w.next(), w.next()) else { continue };
        if let Some(code) = parse_code(code) {
            map.insert(name.to_owned(), code);
        }
    }
    map
}

/// One tool on one endpoint.
#[derive(Debug, Clone)]
struct Row {
    endpoint: String,
    tool: Tool,
    syns: u64,
    wall: Duration,
    ended: Ended,
    suites: BTreeSet<Suite>,
    /// mxray's own report (mxray rows only).
    mxray: Option<MxrayEndpoint>,
    /// Suites this tool found that mxray did not report (other tools' rows).
    missed_by_mxray: Vec<Suite>,
}

#[derive(Debug)]
struct Bench {
    root: PathBuf,
    work: PathBuf,
    openssl_codes: BTreeMap<String, u32>,
    testssl_timeout: Duration,
    /// The testssl.sh options that choose its checks.
    testssl_checks: &'static [&'static str],
}

impl Bench {
    /// Starts the testbed in `env` and measures every tool on each endpoint.
    fn part(&self, env: &Env, names: &[String]) -> Result<Vec<Row>> {
        let bin = self.root.join("target/release/testbed");
        println!("starting {} ({})", bin.display(), env.label);
        let bed = Testbed::start(env.command(&bin))?;
        let mut rows = Vec::new();
        for name in names {
            let endpoint = bed
                .endpoints
                .iter()
                .find(|e| e.name == *name)
                .with_context(|| format!("the testbed has no endpoint {name:?}"))?;
            let proxy = if env.proxy { Some(DelayProxy::start(env, endpoint.port)?) } else { None };
            let port = proxy.as_ref().map_or(endpoint.port, |p| p.port);
            let mut mxray = None;
            for tool in Tool::ALL {
                let mut row = self.measure(env, endpoint, port, tool)?;
                if let Some(m) = &row.mxray {
                    mxray = Some(m.clone());
                }
                if let Some(m) = &mxray
                    && tool != Tool::Mxray
                {
                    row.missed_by_mxray =
                        row.suites.iter().filter(|s| !m.has(s, &self.openssl_codes)).cloned().collect();
                }
                rows.push(row);
            }
            drop(proxy);
        }
        drop(bed);
        Ok(rows)
    }

    fn measure(&self, env: &Env, endpoint: &Endpoint, port: u16, tool: Tool) -> Result<Row> {
        let stem =
            format!("{}-{}-{}", if env.prefix.is_empty() { "lo" } else { "ns" }, endpoint.name, tool.name());
        let stdout = self.work.join(format!("{stem}.out"));
        let stderr = self.work.join(format!("{stem}.err"));
        let csv = self.work.join(format!("{stem}.csv"));
        let target = format!("127.0.0.1:{port}");
        let (cmd, limit) = match tool {
            Tool::Mxray => {
                let mut cmd = env.command(self.root.join("target/release/mxray"));
                cmd.args(["scan", &format!("{}://{target}", endpoint.service), "--json", "--per-host", "1"]);
                (cmd, SCANNER_TIMEOUT)
            }
            Tool::Sslscan => {
                let mut cmd = env.command("sslscan");
                cmd.arg("--no-colour");
                if endpoint.starttls {
                    cmd.arg(format!("--starttls-{}", starttls_proto(&endpoint.service)));
                }
                cmd.arg(&target);
                (cmd, SCANNER_TIMEOUT)
            }
            Tool::Testssl => {
                let mut cmd = env.command("testssl");
                if endpoint.starttls {
                    cmd.args(["-t", starttls_proto(&endpoint.service)]);
                }
                cmd.args(self.testssl_checks)
                    .args(["--nodns", "none", "--warnings", "off", "--color", "0", "--quiet", "--csvfile"])
                    .arg(&csv)
                    .arg(&target);
                (cmd, self.testssl_timeout)
            }
        };
        let capture = Capture::start(env, port, self.work.join(format!("{stem}.syns")))?;
        println!("  {} on {} ({target}) …", tool.name(), endpoint.name);
        let (ended, wall) = run_limited(cmd, &stdout, &stderr, limit)?;
        let syns = capture.stop()?;
        let out = std::fs::read_to_string(&stdout).unwrap_or_default();
        let err = std::fs::read_to_string(&stderr).unwrap_or_default();
        let fail = |why: &str| {
            let tail: Vec<&str> = err.lines().chain(out.lines()).rev().take(20).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            anyhow::anyhow!("{} on {} {why}:\n{}", tool.name(), endpoint.name, tail.join("\n"))
        };
        let mut row = Row {
            endpoint: endpoint.name.clone(),
            tool,
            syns,
            wall,
            ended,
            suites: BTreeSet::new(),
            mxray: None,
            missed_by_mxray: Vec::new(),
        };
        match (tool, ended) {
            (Tool::Mxray, Ended::Exited(0)) => {
                let m = parse_mxray(&out).map_err(|e| fail(&format!("printed no usable JSON ({e:#})")))?;
                row.suites = m
                    .ciphers
                    .iter()
                    .map(|(v, c, n, _)| Suite { version: *v, code: Some(*c), name: n.clone() })
                    .collect();
                row.mxray = Some(m);
            }
            (Tool::Sslscan, Ended::Exited(0)) => {
                row.suites = parse_sslscan(&out);
                if !out.contains("Supported Server Cipher") {
                    return Err(fail("printed no cipher list"));
                }
            }
            // testssl.sh's own errors are exit codes 242..=255; below that it counts findings.
            (Tool::Testssl, Ended::Exited(code)) if (0..242).contains(&code) => {
                let text = std::fs::read_to_string(&csv).map_err(|_| fail("wrote no CSV file"))?;
                row.suites = parse_testssl_csv(&text)?;
            }
            (Tool::Testssl, Ended::TimedOut(_)) => {
                row.suites = std::fs::read_to_string(&csv)
                    .ok()
                    .and_then(|t| parse_testssl_csv(&t).ok())
                    .unwrap_or_default();
            }
            (_, Ended::TimedOut(_)) => {}
            (_, Ended::Exited(code)) => return Err(fail(&format!("failed with exit code {code}"))),
        }
        let wall_text = match ended {
            Ended::TimedOut(s) => format!("timed out after {s} s"),
            Ended::Exited(_) => format!("{:.2} s", wall.as_secs_f64()),
        };
        println!("    {} connections, {wall_text}, {} suites", syns, row.suites.len());
        Ok(row)
    }
}

/// sslscan's `--starttls-X` and testssl.sh's `-t X` for a testbed service.
fn starttls_proto(service: &str) -> &'static str {
    match service {
        "imap" => "imap",
        "pop3" => "pop3",
        "lmtp" => "lmtp",
        "sieve" => "sieve",
        _ => "smtp",
    }
}

// ---------------------------------------------------------------------------------------
// The delay proxy: netem's stand-in where the kernel lacks it.

/// One-way delay of the proxy, matching [`NETEM_DELAY`].
const PROXY_ONE_WAY: Duration = Duration::from_micros(12_500);

/// A `xtask bench proxy` process inside the namespace; stopped on drop.
#[derive(Debug)]
struct DelayProxy {
    child: Child,
    stdin: Option<ChildStdin>,
    port: u16,
}

impl DelayProxy {
    fn start(env: &Env, upstream: u16) -> Result<Self> {
        let exe = std::env::current_exe().context("finding the xtask binary")?;
        let mut child = env
            .command(exe)
            .args(["bench", "proxy", &upstream.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting the delay proxy")?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().context("proxy stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).context("reading the proxy's port")?;
        let mut proxy = Self { child, stdin, port: 0 };
        proxy.port = line.trim().parse().with_context(|| format!("the proxy printed {line:?}"))?;
        println!("delay proxy 127.0.0.1:{} -> 127.0.0.1:{upstream} (pid {})", proxy.port, proxy.child.id());
        Ok(proxy)
    }
}

impl Drop for DelayProxy {
    fn drop(&mut self) {
        drop(self.stdin.take());
        std::thread::sleep(Duration::from_millis(200));
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        }
        let _ = self.child.wait();
    }
}

/// `xtask bench proxy UPSTREAM_PORT`: listens on 127.0.0.1 (port printed on stdout),
/// forwards each connection to 127.0.0.1:UPSTREAM_PORT, and exits when stdin closes.
/// Timing follows a TCP connection over a link with one-way delay d: the client's SYN
/// reaches the server at d and the server accepts at 3d, so the upstream connection is
/// opened 3d after accepting; every byte is then delivered d after it was read, and
/// never before the upstream connection exists.
fn proxy_main(args: &[String]) -> Result<()> {
    let upstream: u16 = args.first().context("bench proxy UPSTREAM_PORT")?.parse()?;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("binding the proxy")?;
    println!("{}", listener.local_addr()?.port());
    std::io::Write::flush(&mut std::io::stdout())?;
    std::thread::spawn(|| {
        let mut buf = [0u8; 64];
        while matches!(std::io::Read::read(&mut std::io::stdin(), &mut buf), Ok(n) if n > 0) {}
        std::process::exit(0);
    });
    for client in listener.incoming() {
        let Ok(client) = client else { continue };
        let accepted = Instant::now();
        std::thread::spawn(move || {
            let _ = proxy_connection(client, upstream, accepted);
        });
    }
    Ok(())
}

fn proxy_connection(client: std::net::TcpStream, upstream: u16, accepted: Instant) -> Result<()> {
    let d = PROXY_ONE_WAY;
    client.set_nodelay(true)?;
    // Client bytes are read (and stamped) from the start, before the upstream exists.
    let (c2s_tx, c2s_rx) = mpsc::channel::<(Instant, Vec<u8>)>();
    let client_reader = client.try_clone()?;
    std::thread::spawn(move || pump_read(client_reader, &c2s_tx));
    sleep_until(accepted + 3 * d);
    let server = match std::net::TcpStream::connect(("127.0.0.1", upstream)) {
        Ok(s) => s,
        Err(e) => {
            let _ = client.shutdown(std::net::Shutdown::Both);
            return Err(e.into());
        }
    };
    server.set_nodelay(true)?;
    let (s2c_tx, s2c_rx) = mpsc::channel::<(Instant, Vec<u8>)>();
    let server_reader = server.try_clone()?;
    std::thread::spawn(move || pump_read(server_reader, &s2c_tx));
    let server_writer = server.try_clone()?;
    let up = std::thread::spawn(move || pump_write(&c2s_rx, server_writer, d));
    pump_write(&s2c_rx, client, d);
    let _ = up.join();
    drop(server);
    Ok(())
}

/// Reads chunks and stamps them; an empty chunk means end of stream.
fn pump_read(mut from: std::net::TcpStream, to: &mpsc::Sender<(Instant, Vec<u8>)>) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = std::io::Read::read(&mut from, &mut buf).unwrap_or(0);
        if to.send((Instant::now(), buf[..n].to_vec())).is_err() || n == 0 {
            return;
        }
    }
}

/// Writes each chunk `d` after it was read; passes the end of stream on as a shutdown.
fn pump_write(from: &mpsc::Receiver<(Instant, Vec<u8>)>, mut to: std::net::TcpStream, d: Duration) {
    while let Ok((at, chunk)) = from.recv() {
        sleep_until(at + d);
        if chunk.is_empty() || std::io::Write::write_all(&mut to, &chunk).is_err() {
            break;
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Write);
}

fn sleep_until(t: Instant) {
    let now = Instant::now();
    if t > now {
        std::thread::sleep(t - now);
    }
}

// ---------------------------------------------------------------------------------------
// Reporting.

fn wall_text(row: &Row) -> String {
    match row.ended {
        Ended::TimedOut(s) => format!("timed out after {s} s"),
        Ended::Exited(_) => format!("{:.2} s", row.wall.as_secs_f64()),
    }
}

/// The table of one part.
fn render(label: &str, rows: &[Row]) -> String {
    let header =
        ["endpoint", "tool", "connections", "wall time", "suites found", "ratio vs mxray (conn / time)"];
    let mut table: Vec<[String; 6]> = vec![header.map(str::to_owned)];
    for row in rows {
        let mxray = rows.iter().find(|r| r.endpoint == row.endpoint && r.tool == Tool::Mxray);
        let ratio = match (row.tool, mxray) {
            (Tool::Mxray, _) => "1 / 1".to_owned(),
            (_, Some(m)) => {
                let conn = row.syns as f64 / m.syns.max(1) as f64;
                let time = row.wall.as_secs_f64() / m.wall.as_secs_f64().max(1e-6);
                let more = if matches!(row.ended, Ended::TimedOut(_)) { "≥ " } else { "" };
                format!("{more}{conn:.1} x / {more}{time:.1} x")
            }
            _ => "-".to_owned(),
        };
        let mut suites = row.suites.len().to_string();
        if matches!(row.ended, Ended::TimedOut(_)) {
            suites.push_str(" (partial)");
        }
        if let Some(m) = &row.mxray {
            suites.push_str(&format!(" (mxray counts {} conn.)", m.connections));
        }
        table.push([
            row.endpoint.clone(),
            row.tool.name().to_owned(),
            row.syns.to_string(),
            wall_text(row),
            suites,
            ratio,
        ]);
    }
    let mut widths = [0usize; 6];
    for r in &table {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = format!("{label}\n");
    for (i, r) in table.iter().enumerate() {
        let cells: Vec<String> =
            r.iter().zip(widths).map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count()))).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
        if i == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            let _ = writeln!(out, "|-{}-|", rule.join("-|-"));
        }
    }
    out
}

/// The issue's targets as PASS/FAIL lines.
fn targets(rows: &[Row], timed: bool) -> String {
    let mut out = String::new();
    let verdict = |ok: bool| if ok { "PASS" } else { "FAIL" };
    for m in rows.iter().filter(|r| r.tool == Tool::Mxray) {
        let Some(report) = &m.mxray else { continue };
        if m.endpoint.ends_with("-strong") {
            let _ =
                writeln!(out, "{}: {} mxray connections {} <= 30", verdict(m.syns <= 30), m.endpoint, m.syns);
        }
        let per = report.accepted_per_version();
        let bound = lower_bound(&per, report.groups, report.signature_schemes);
        let limit = bound as f64 * 1.1;
        let detail: Vec<String> = per.iter().map(|(v, n)| format!("{} {n}+1", v.name())).collect();
        let _ = writeln!(
            out,
            "{}: {} mxray connections {} <= 1.1 x lower bound {bound} = {limit:.1} (suites {}; groups {}; \
             signature schemes {}; + 5)",
            verdict(m.syns as f64 <= limit),
            m.endpoint,
            m.syns,
            detail.join(", "),
            report.groups,
            report.signature_schemes,
        );
        if m.syns != report.connections {
            let _ = writeln!(
                out,
                "note: {} capture counted {} SYNs, mxray reported {} connections",
                m.endpoint, m.syns, report.connections
            );
        }
        for e in &report.errors {
            let _ = writeln!(out, "note: {} mxray error: {e}", m.endpoint);
        }
        for other in rows.iter().filter(|r| r.endpoint == m.endpoint && r.tool != Tool::Mxray) {
            for s in &other.missed_by_mxray {
                let code = s.code.map(|c| format!(" 0x{c:04X}")).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "FAIL: {} {} found {} {}{code}, mxray did not",
                    m.endpoint,
                    other.tool.name(),
                    s.version.name(),
                    s.name
                );
            }
            if other.missed_by_mxray.is_empty() {
                let _ = writeln!(
                    out,
                    "PASS: {} mxray found every suite {} found ({} of mxray's {}){}",
                    m.endpoint,
                    other.tool.name(),
                    other.suites.len(),
                    m.suites.len(),
                    if matches!(other.ended, Ended::TimedOut(_)) { " [partial: timed out]" } else { "" }
                );
            }
            if timed {
                let factor = if other.tool == Tool::Sslscan { 0.4 } else { 0.01 };
                let ratio = m.wall.as_secs_f64() / other.wall.as_secs_f64().max(1e-6);
                let timed_out = matches!(other.ended, Ended::TimedOut(_));
                let _ = writeln!(
                    out,
                    "{}: {} mxray wall time {:.2} s <= {factor} x {}'s {} (ratio {ratio:.4}{})",
                    verdict(ratio <= factor),
                    m.endpoint,
                    m.wall.as_secs_f64(),
                    other.tool.name(),
                    wall_text(other),
                    if timed_out { ", an upper bound: the tool was stopped" } else { "" },
                );
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// A small JSON reader (the xtask has no serde_json): enough for mxray's report.

#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Self>),
    Object(Vec<(String, Self)>),
}

impl Json {
    fn parse(text: &str) -> Result<Self> {
        let mut p = JsonParser { s: text.as_bytes(), i: 0 };
        let v = p.value(0)?;
        p.ws();
        if p.i != p.s.len() {
            bail!("trailing bytes at {}", p.i);
        }
        Ok(v)
    }

    fn get(&self, key: &str) -> Option<&Self> {
        match self {
            Self::Object(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn as_array(&self) -> Option<&Vec<Self>> {
        if let Self::Array(a) = self { Some(a) } else { None }
    }

    fn as_str(&self) -> Option<&str> {
        if let Self::String(s) = self { Some(s) } else { None }
    }

    fn as_u64(&self) -> Option<u64> {
        match self {
            Self::Number(n) if *n >= 0.0 && n.fract() == 0.0 => Some(*n as u64),
            _ => None,
        }
    }
}

struct JsonParser<'a> {
    s: &'a [u8],
    i: usize,
}

impl JsonParser<'_> {
    fn ws(&mut self) {
        while self.s.get(self.i).is_some_and(u8::is_ascii_whitespace) {
            self.i += 1;
        }
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.s[self.i..].starts_with(lit.as_bytes()) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json> {
        if depth > 64 {
            bail!("JSON nested too deep at {}", self.i);
        }
        self.ws();
        match self.s.get(self.i) {
            Some(b'{') => {
                self.i += 1;
                let mut fields = Vec::new();
                self.ws();
                if self.eat("}") {
                    return Ok(Json::Object(fields));
                }
                loop {
                    self.ws();
                    let key = self.string()?;
                    self.ws();
                    if !self.eat(":") {
                        bail!("expected ':' at {}", self.i);
                    }
                    fields.push((key, self.value(depth + 1)?));
                    self.ws();
                    if self.eat("}") {
                        return Ok(Json::Object(fields));
                    }
                    if !self.eat(",") {
                        bail!("expected ',' or '}}' at {}", self.i);
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.eat("]") {
                    return Ok(Json::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    if self.eat("]") {
                        return Ok(Json::Array(items));
                    }
                    if !self.eat(",") {
                        bail!("expected ',' or ']' at {}", self.i);
                    }
                }
            }
            Some(b'"') => Ok(Json::String(self.string()?)),
            Some(_) if self.eat("null") => Ok(Json::Null),
            Some(_) if self.eat("true") => Ok(Json::Bool(true)),
            Some(_) if self.eat("false") => Ok(Json::Bool(false)),
            Some(b'-' | b'0'..=b'9') => {
                let start = self.i;
                while self.s.get(self.i).is_some_and(|b| b"+-.eE0123456789".contains(b)) {
                    self.i += 1;
                }
                let text = std::str::from_utf8(&self.s[start..self.i])?;
                Ok(Json::Number(text.parse().with_context(|| format!("bad number at {start}"))?))
            }
            _ => bail!("unexpected byte at {}", self.i),
        }
    }

    fn string(&mut self) -> Result<String> {
        if !self.eat("\"") {
            bail!("expected a string at {}", self.i);
        }
        let mut out = Vec::new();
        loop {
            let Some(&b) = self.s.get(self.i) else { bail!("unterminated string") };
            self.i += 1;
            match b {
                b'"' => return Ok(String::from_utf8(out)?),
                b'\\' => {
                    let Some(&e) = self.s.get(self.i) else { bail!("unterminated escape") };
                    self.i += 1;
                    let c = match e {
                        b'n' => '\n',
                        b't' => '\t',
                        b'r' => '\r',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'u' => {
                            let hex = self.s.get(self.i..self.i + 4).context("short \\u escape")?;
                            self.i += 4;
                            let n = u32::from_str_radix(std::str::from_utf8(hex)?, 16)?;
                            char::from_u32(n).unwrap_or('\u{fffd}')
                        }
                        other => char::from(other),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                other => out.push(other),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SSLSCAN: &str = "\
\u{1b}[1;34mVersion: 2.0.7\u{1b}[0m
  Supported Server Cipher(s):
Preferred TLSv1.3  256 bits  TLS_AES_256_GCM_SHA384        Curve 25519 DHE 253
Accepted  TLSv1.3  128 bits  TLS_AES_128_GCM_SHA256        Curve 25519 DHE 253
Preferred TLSv1.2  256 bits  ECDHE-ECDSA-AES256-GCM-SHA384 Curve 25519 DHE 253
Accepted  TLSv1.2  256 bits  DHE-RSA-AES256-GCM-SHA384     DHE 1024 bits
Accepted  TLSv1.0  256 bits  ECDHE-RSA-AES256-SHA          Curve 25519 DHE 253

  Server Key Exchange Group(s):
TLSv1.3  128 bits  secp256r1 (NIST P-256)
";

    #[test]
    fn sslscan_accepted_and_preferred_lines_are_suites() {
        let found = parse_sslscan(SSLSCAN);
        assert_eq!(found.len(), 5);
        assert!(found.contains(&Suite {
            version: Version::Tls10,
            code: None,
            name: "ECDHE-RSA-AES256-SHA".into()
        }));
        assert!(found.iter().any(|s| s.version == Version::Tls13 && s.name == "TLS_AES_256_GCM_SHA384"));
    }

    const TESTSSL_CSV: &str = r#""id","fqdn/ip","port","severity","finding","cve","cwe"
"service","127.0.0.1/127.0.0.1","34453","INFO","SMTP","",""
"TLS1_2","127.0.0.1/127.0.0.1","34453","OK","offered","",""
"cipher-tls1_2_xc030","127.0.0.1/127.0.0.1","34453","INFO","TLS 1.2   xc030   ECDHE-RSA-AES256-GCM-SHA384       ECDH 253   AESGCM      256      TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384              available","",""
"cipher-tls1_2_x9f","127.0.0.1/127.0.0.1","34453","INFO","TLS 1.2   x9f     DHE-RSA-AES256-GCM-SHA384         DH 1024    AESGCM      256      TLS_DHE_RSA_WITH_AES_256_GCM_SHA384","",""
"cipher-tls1_2_x9e","127.0.0.1/127.0.0.1","34453","INFO","TLS 1.2   x9e     DHE-RSA-AES128-GCM-SHA256         DH 1024    AESGCM      128      TLS_DHE_RSA_WITH_AES_128_GCM_SHA256   not a/v","",""
"cipher-tls1_3_x1302","127.0.0.1/127.0.0.1","34453","INFO","TLS 1.3  x1302   TLS_AES_256_GCM_SHA384            ECDH 253   AESGCM      256      TLS_AES_256_GCM_SHA384","",""
"cipher-tls1_xc014","127.0.0.1/127.0.0.1","34453","INFO","TLS 1   xc014   ECDHE-RSA-AES256-SHA   ECDH 253   AES   256   TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA","",""
"cipher_order-tls1_2","127.0.0.1/127.0.0.1","34453","INFO","ECDHE-RSA-AES256-GCM-SHA384","",""
"cipherorder_TLSv1_2","127.0.0.1/127.0.0.1","34453","INFO","ECDHE-RSA-AES256-GCM-SHA384","",""
"#;

    #[test]
    fn testssl_csv_cipher_rows_are_suites_with_codes() {
        let found = parse_testssl_csv(TESTSSL_CSV).unwrap();
        let codes: Vec<(Version, u32)> = found.iter().map(|s| (s.version, s.code.unwrap())).collect();
        assert_eq!(
            codes,
            vec![
                (Version::Tls10, 0xC014),
                (Version::Tls12, 0x9F),
                (Version::Tls12, 0xC030),
                (Version::Tls13, 0x1302)
            ]
        );
        assert!(found.iter().any(|s| s.name == "ECDHE-RSA-AES256-GCM-SHA384"));
        assert!(found.iter().any(|s| s.name == "TLS_AES_256_GCM_SHA384"));
    }

    #[test]
    fn tcpdump_lines_count_syns_only() {
        let text = "\
11:08:53.100000 IP 127.0.0.1.51234 > 127.0.0.1.34453: Flags [S], seq 1, win 65495, length 0
11:08:53.200000 IP 127.0.0.1.51236 > 127.0.0.1.34453: Flags [SEW], seq 2, win 65495, length 0
11:08:53.300000 IP 127.0.0.1.34453 > 127.0.0.1.51236: Flags [S.], seq 3, ack 3, length 0
11:08:53.400000 IP 127.0.0.1.51234 > 127.0.0.1.34453: Flags [P.], seq 1:10, ack 1, length 9
";
        assert_eq!(count_syns(text), 2);
        assert_eq!(count_syns(""), 0);
    }

    #[test]
    fn the_lower_bound_follows_the_issue() {
        // The strong endpoint: TLS 1.3 with 3 suites, TLS 1.2 with 6, 5 + 5 groups, 13
        // signature schemes: (3+1) + (6+1) + 10 + 13 + 5 = 39.
        let per = BTreeMap::from([(Version::Tls13, 3), (Version::Tls12, 6), (Version::Tls11, 0)]);
        assert_eq!(lower_bound(&per, 10, 13), 39);
        assert_eq!(lower_bound(&BTreeMap::new(), 0, 0), 5);
    }

    #[test]
    fn mxray_json_gives_suites_groups_and_connections() {
        let json = r#"{"schema_version":"1.0","endpoints":[{"target":"smtp://127.0.0.1:1",
            "ciphers":[{"version":"TLSv1.3","code":"0x1302","name":"TLS_AES_256_GCM_SHA384","openssl":"TLS_AES_256_GCM_SHA384","rank":1},
                       {"version":"TLSv1.2","code":"0xC030","name":"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384","openssl":"ECDHE-RSA-AES256-GCM-SHA384","rank":null}],
            "groups":{"tls12":[29,23],"tls13":[29],"preferred":29,"dhe_bits":[],"complete":true},
            "signature_schemes":[1027,2052],"connections":12,"errors":["a \"quoted\" \u00e9 error"]}]}"#;
        let m = parse_mxray(json).unwrap();
        assert_eq!(m.ciphers.len(), 2);
        assert_eq!(m.ciphers[1].1, 0xC030);
        assert_eq!((m.connections, m.groups, m.signature_schemes), (12, 3, 2));
        assert_eq!(m.errors, vec!["a \"quoted\" é error".to_owned()]);
        let codes = BTreeMap::from([("ECDHE-RSA-AES256-GCM-SHA384".to_owned(), 0xC030)]);
        let by_name =
            Suite { version: Version::Tls12, code: None, name: "ECDHE-RSA-AES256-GCM-SHA384".into() };
        assert!(m.has(&by_name, &codes));
        let other_version = Suite { version: Version::Tls11, ..by_name };
        assert!(!m.has(&other_version, &codes));
        assert!(m.has(&Suite { version: Version::Tls13, code: Some(0x1302), name: String::new() }, &codes));
    }

    #[test]
    fn codes_versions_and_openssl_names_parse() {
        assert_eq!(parse_code("0xC02F"), Some(0xC02F));
        assert_eq!(parse_code("x9c"), Some(0x9C));
        assert_eq!(parse_code("0x0700C0"), Some(0x0700C0));
        assert_eq!(parse_code("0xC0,0x30"), Some(0xC030));
        assert_eq!(Version::parse("TLS 1.3"), Some(Version::Tls13));
        assert_eq!(Version::parse("TLSv1"), Some(Version::Tls10));
        assert_eq!(Version::parse("tls1_1"), Some(Version::Tls11));
        let map = parse_openssl_ciphers(
            "          0x13,0x02 - TLS_AES_256_GCM_SHA384         TLSv1.3 Kx=any      Au=any\n          \
             0xC0,0x30 - ECDHE-RSA-AES256-GCM-SHA384    TLSv1.2 Kx=ECDH\n",
        );
        assert_eq!(map.get("ECDHE-RSA-AES256-GCM-SHA384"), Some(&0xC030));
        assert_eq!(map.get("TLS_AES_256_GCM_SHA384"), Some(&0x1302));
    }

    #[test]
    fn options_parse() {
        let args: Vec<String> =
            ["scan", "--no-netns", "--testssl-timeout", "30"].iter().map(|s| (*s).to_owned()).collect();
        let o = parse_options(&args).unwrap();
        assert!(!o.netns);
        assert_eq!(o.testssl_timeout, Duration::from_secs(30));
        assert!(parse_options(&["other".to_owned()]).is_err());
    }
}
