//! A real authoritative DNS server (Knot DNS, Debian's `knot`) serving a DNSSEC-signed test
//! tree on a 127.0.0.1 high port, keys generated per test.
//!
//! # Why Knot
//!
//! Debian 12 ships knot 3.2, nsd 4.6 and bind9 9.18. Knot signs zones itself (automatic
//! DNSSEC with a key-and-signing policy, no `dnssec-signzone` step, no re-signing cron), its
//! `keymgr` creates keys offline in a private KASP database before the server starts (so the
//! parent's DS records are known when its zone file is written), it serves the parent and
//! every child from one process (answering a child's DS query from the parent zone), and it
//! runs in the foreground as a plain child from a configuration file in a private directory.
//! NSD does not sign; bind9 signs too, but needs `dnssec-keygen`/`dnssec-dsfromkey` per key
//! and a `named` whose many defaults (root hints, rndc key, working directory) need taming.
//!
//! # The tree
//!
//! One signed parent, [`PARENT`] (`mxray.test.`), whose single key (a combined signing key,
//! so the whole DNSKEY set is the trust anchor) is written to [`Knot::trust_anchor`] as a
//! DNSKEY record and to [`Knot::trust_anchor_ds`] as DS records. Each [`Zone`] is a child
//! `LABEL.mxray.test.` delegated from the parent with a [`Delegation`]:
//!
//! - [`Delegation::Secure`]: signed by Knot, the parent holds a matching DS;
//! - [`Delegation::Insecure`]: unsigned, no DS (the parent's signed NSEC proves its absence);
//! - [`Delegation::BogusDs`]: signed by Knot, but the parent's DS carries the right key tag
//!   and algorithm with a wrong digest (a botched key roll);
//! - [`Delegation::DsButUnsigned`]: the parent holds a DS for a key the child never
//!   publishes, and the child is served unsigned (signing switched off, DS left behind);
//! - [`Delegation::ExpiredSignatures`]: a matching DS, but the child's zone file was signed
//!   offline by `kzonesign -t` with a key and a clock 60 days in the past, and is served as
//!   is (Knot does not re-sign it): every RRSIG has expired.
//!
//! Record lines are zone-file lines relative to the zone's origin (`@ MX 10 mx1`,
//! `mx1 A 127.0.0.2`). The name server itself is `ns.mxray.test.` at 127.0.0.1.
//!
//! # Lifecycle
//!
//! `knotd -c DIR/knot.conf` runs in the foreground as a direct child (no `-d`): it is
//! stopped by its PID and reaped on drop. Readiness: the TCP port listens and the log says
//! every zone was loaded. Start takes about 0.2 s.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};

use crate::net::{self, START_TIMEOUT};
use crate::{WorkDir, process};

/// The signed parent zone every test zone hangs from.
pub const PARENT: &str = "mxray.test.";

/// The DNSSEC algorithm of every key (ECDSA P-256 with SHA-256, algorithm 13).
const ALGORITHM: &str = "ecdsap256sha256";

/// How a child zone is delegated from [`PARENT`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delegation {
    /// Signed, with a matching DS in the parent: answers validate as secure.
    Secure,
    /// Unsigned and no DS: answers are provably insecure.
    Insecure,
    /// Signed, but the parent's DS digest does not match the child's key: bogus.
    BogusDs,
    /// The parent has a DS, the child is served unsigned: bogus (missing signatures).
    DsButUnsigned,
    /// A matching DS, but the child was signed offline (`kzonesign -t`) as of 60 days ago,
    /// so every signature expired about 46 days ago (Knot's default 14-day lifetime): bogus.
    ExpiredSignatures,
}

/// A child zone of [`PARENT`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Zone {
    /// The label under the parent (`secure` for `secure.mxray.test.`).
    pub label: String,
    /// How it is delegated.
    pub delegation: Delegation,
    /// Zone-file lines relative to the zone's origin.
    pub records: Vec<String>,
}

impl Zone {
    /// A child `LABEL.mxray.test.` with no records yet (SOA and NS are added).
    pub fn new(label: &str, delegation: Delegation) -> Self {
        Self { label: label.to_owned(), delegation, records: Vec::new() }
    }

    /// Adds one zone-file line, relative to the zone's origin.
    pub fn record(mut self, line: impl Into<String>) -> Self {
        self.records.push(line.into());
        self
    }

    /// The zone's absolute name, `LABEL.mxray.test.`.
    pub fn name(&self) -> String {
        format!("{}.{PARENT}", self.label)
    }

    /// Signed by knotd while it runs.
    fn signed(&self) -> bool {
        matches!(self.delegation, Delegation::Secure | Delegation::BogusDs)
    }
}

/// A running Knot DNS. Dropping it stops `knotd` by PID, reaps it and removes the work dir.
#[derive(Debug)]
pub struct Knot {
    addr: SocketAddr,
    child: Child,
    trust_anchor: PathBuf,
    trust_anchor_ds: PathBuf,
    started_in: Duration,
    dir: WorkDir,
}

impl Knot {
    /// Generates keys, writes the parent (with `parent_records` and the delegations) and
    /// every child of `zones`, and starts `knotd` on a free 127.0.0.1 port.
    pub fn start(parent_records: &[&str], zones: &[Zone]) -> Result<Self> {
        for (tool, package) in [("/usr/sbin/knotd", "knot"), ("/usr/bin/kzonesign", "knot-dnssecutils")] {
            if !Path::new(tool).exists() {
                bail!("the DNS harness needs {tool} (Debian package {package}); run `cargo xtask setup`");
            }
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            match Self::start_once(parent_records, zones) {
                Err(e) if attempt < 3 && format!("{e:#}").contains("in use") => continue,
                other => return other.context("starting knotd"),
            }
        }
    }

    fn start_once(parent_records: &[&str], zones: &[Zone]) -> Result<Self> {
        let t0 = Instant::now();
        let dir = WorkDir::new("knot")?;
        for sub in ["zones", "db", "keys", "run"] {
            dir.mkdir(sub, 0o755)?;
        }
        let addr = net::loopback(net::free_port()?);
        let conf = dir.write("knot.conf", knot_conf(dir.path(), addr, zones))?;

        // Keys first, offline: the parent's zone file needs the children's DS records.
        generate_key(&conf, PARENT)?;
        let mut parent = zone_header();
        parent.push_str("ns A 127.0.0.1\n");
        for line in parent_records {
            writeln!(parent, "{line}")?;
        }
        for zone in zones {
            let mut child = zone_header();
            for line in &zone.records {
                writeln!(child, "{line}")?;
            }
            dir.write(&format!("zones/{}zone", zone.name()), child)?;
            writeln!(parent, "{} NS ns.{PARENT}", zone.label)?;
            if zone.delegation == Delegation::Insecure {
                continue;
            }
            if zone.delegation == Delegation::ExpiredSignatures {
                let past =
                    (SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() - 60 * 86_400).to_string();
                generate_key_at(&conf, &zone.name(), &past)?;
                sign_offline(&dir, &conf, &zone.name(), &past)?;
            } else {
                generate_key(&conf, &zone.name())?;
            }
            let ds = sha256_ds(&conf, &zone.name())?;
            let ds = if zone.delegation == Delegation::BogusDs { corrupt_digest(&ds)? } else { ds };
            writeln!(parent, "{}", ds.replacen(&zone.name(), &zone.label, 1))?;
        }
        dir.write(&format!("zones/{PARENT}zone"), parent)?;

        let dnskey = keymgr(&conf, &[PARENT, "dnskey"])?;
        let anchor: String = dnskey
            .lines()
            .filter_map(|l| l.split_once(" DNSKEY "))
            .map(|(name, rest)| format!("{name} 3600 IN DNSKEY {rest}\n"))
            .collect();
        if anchor.is_empty() {
            bail!("keymgr printed no DNSKEY for {PARENT}: {dnskey}");
        }
        let trust_anchor = dir.write("trust-anchor.dnskey", anchor)?;
        let ds: String = keymgr(&conf, &[PARENT, "ds"])?
            .lines()
            .filter_map(|l| l.split_once(" DS "))
            .map(|(name, rest)| format!("{name} 3600 IN DS {rest}\n"))
            .collect();
        let trust_anchor_ds = dir.write("trust-anchor.ds", ds)?;

        let out = File::create(dir.join("knotd.out")).context("creating knotd.out")?;
        let child = Command::new("knotd")
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .context("starting knotd (run `cargo xtask setup`)")?;
        let mut this = Self { addr, child, trust_anchor, trust_anchor_ds, started_in: Duration::ZERO, dir };
        let mut names: Vec<String> = zones.iter().map(Zone::name).collect();
        names.push(PARENT.to_owned());
        let child = &mut this.child;
        let log_path = this.dir.join("knot.log");
        let mut exited = None;
        let ready = process::wait_until(START_TIMEOUT, || {
            exited = child.try_wait().ok().flatten();
            if exited.is_some() {
                return true;
            }
            let log = fs::read_to_string(&log_path).unwrap_or_default();
            net::is_listening(addr.port()) && names.iter().all(|n| log.contains(&format!("[{n}] loaded")))
        });
        if let Some(status) = exited {
            bail!("knotd exited during start ({status}):\n{}", this.log());
        }
        if !ready {
            bail!("knotd did not serve every zone on {addr} within {START_TIMEOUT:?}:\n{}", this.log());
        }
        this.started_in = t0.elapsed();
        Ok(this)
    }

    /// The address it answers on (UDP and TCP), 127.0.0.1 and a high port.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A file with the parent's DNSKEY (`mxray.test. 3600 IN DNSKEY 257 3 13 …`).
    pub fn trust_anchor(&self) -> &Path {
        &self.trust_anchor
    }

    /// A file with the parent's DS records (SHA-256 and SHA-384), in zone-file format.
    pub fn trust_anchor_ds(&self) -> &Path {
        &self.trust_anchor_ds
    }

    /// Its PID.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Wall time from key generation to every zone served.
    pub fn started_in(&self) -> Duration {
        self.started_in
    }

    /// The server's log and console output.
    pub fn log(&self) -> String {
        let log = fs::read_to_string(self.dir.join("knot.log")).unwrap_or_default();
        let out = fs::read_to_string(self.dir.join("knotd.out")).unwrap_or_default();
        format!("{log}{out}")
    }

    /// Stops it by PID and reaps it (what [`Drop`] does).
    pub fn stop(&mut self) -> Result<()> {
        if self.child.try_wait().ok().flatten().is_some() {
            return Ok(());
        }
        let stopped = process::stop_pid(self.child.id(), "knotd");
        let _ = self.child.wait();
        stopped
    }
}

impl Drop for Knot {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            eprintln!("testbed: stopping knotd: {e:#}");
        }
    }
}

fn zone_header() -> String {
    format!("$TTL 300\n@ SOA ns.{PARENT} hostmaster.{PARENT} 1 3600 600 86400 300\n@ NS ns.{PARENT}\n")
}

fn knot_conf(dir: &Path, addr: SocketAddr, zones: &[Zone]) -> String {
    let d = dir.display();
    let mut conf = format!(
        "server:\n    rundir: {d}/run\n    pidfile: {d}/run/knot.pid\n    listen: {ip}@{port}\n\
         database:\n    storage: {d}/db\n    kasp-db: {d}/keys\n\
         log:\n  - target: {d}/knot.log\n    any: info\n\
         policy:\n  - id: csk\n    algorithm: {ALGORITHM}\n    single-type-signing: on\n    manual: on\n    \
         nsec3: off\n\
         template:\n  - id: default\n    storage: {d}/zones\n    file: \"%s.zone\"\n    zonefile-sync: -1\n    \
         journal-content: none\n\
         zone:\n  - domain: {PARENT}\n    dnssec-signing: on\n    dnssec-policy: csk\n",
        ip = addr.ip(),
        port = addr.port(),
    );
    for zone in zones {
        let _ = writeln!(conf, "  - domain: {}", zone.name());
        if zone.signed() {
            conf.push_str("    dnssec-signing: on\n    dnssec-policy: csk\n");
        } else if zone.delegation == Delegation::ExpiredSignatures {
            // The policy is for kzonesign; knotd serves the pre-signed file as it is.
            conf.push_str("    dnssec-policy: csk\n");
        }
    }
    conf
}

fn keymgr(conf: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new("keymgr")
        .arg("-c")
        .arg(conf)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .context("running keymgr (Debian package knot)")?;
    if !out.status.success() {
        bail!("keymgr {args:?} failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A combined signing key (KSK and ZSK in one) for `zone`.
fn generate_key(conf: &Path, zone: &str) -> Result<()> {
    keymgr(conf, &[zone, "generate", &format!("algorithm={ALGORITHM}"), "ksk=yes", "zsk=yes"]).map(drop)
}

/// A combined signing key created, published and active since unix time `at`.
fn generate_key_at(conf: &Path, zone: &str, at: &str) -> Result<()> {
    let timers = [format!("created={at}"), format!("publish={at}"), format!("active={at}")];
    let mut args = vec![zone, "generate", "ksk=yes", "zsk=yes"];
    let algorithm = format!("algorithm={ALGORITHM}");
    args.push(&algorithm);
    args.extend(timers.iter().map(String::as_str));
    keymgr(conf, &args).map(drop)
}

/// Signs `DIR/zones/ZONEzone` with `kzonesign` as of unix time `at` and puts the signed file
/// in its place.
fn sign_offline(dir: &WorkDir, conf: &Path, zone: &str, at: &str) -> Result<()> {
    let out_dir = dir.mkdir("signed", 0o755)?;
    let out = Command::new("kzonesign")
        .arg("-c")
        .arg(conf)
        .arg("-o")
        .arg(&out_dir)
        .args(["-t", at, zone])
        .stdin(Stdio::null())
        .output()
        .context("running kzonesign (Debian package knot-dnssecutils)")?;
    if !out.status.success() {
        bail!("kzonesign {zone} failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr).trim());
    }
    let file = format!("{zone}zone");
    fs::rename(out_dir.join(&file), dir.join(&format!("zones/{file}")))
        .with_context(|| format!("moving the signed {file} into place"))
}

/// `ZONE DS TAG 13 2 HEX` for the zone's key.
fn sha256_ds(conf: &Path, zone: &str) -> Result<String> {
    let out = keymgr(conf, &[zone, "ds"])?;
    out.lines()
        .find(|l| l.split_whitespace().nth(4) == Some("2"))
        .map(str::to_owned)
        .with_context(|| format!("keymgr printed no SHA-256 DS for {zone}: {out}"))
}

/// The same DS with the first digest digit changed.
fn corrupt_digest(ds: &str) -> Result<String> {
    let fields: Vec<&str> = ds.split_whitespace().collect();
    let [name, "DS", tag, alg, digest_type, digest] = fields[..] else { bail!("unexpected DS line {ds:?}") };
    let first = if digest.starts_with('0') { '1' } else { '0' };
    Ok(format!("{name} DS {tag} {alg} {digest_type} {first}{}", &digest[1..]))
}
