//! `cargo xtask bench pcap [--size-mb N] [--bulk-mb N] [--mss N]`: the throughput of `mxray pcap`
//! on a large capture, against `tshark -Y tls.handshake` on the same file in the same run.
//!
//! The capture is built from real harness sessions captured with tcpdump on `lo`: a
//! Postfix SMTP STARTTLS session (TLS 1.3) and a bulk TLS 1.3 transfer of `--bulk-mb` MB
//! (`openssl s_client` fetching a file from `openssl s_server -WWW` with the harness's
//! certificate), which gives the capture its application data. Both are replicated until
//! the file reaches `--size-mb` MB (default 1024), each replica with its own client address
//! and port (127.1.x.y) and later timestamps, so every replica is a distinct connection
//! with its own handshake. Loopback captures carry segments of up to 64 KB (lo's MTU and
//! segmentation offload); a capture on an Ethernet link has 1448-byte segments, so by
//! default (`--mss 1448`, `--mss 0` keeps lo's) the replicas' TCP payloads are split into
//! segments of that size, which is what makes per-packet costs show. Then, in one run: `mxray pcap` (release build) twice,
//! the wasm build in node (see [`wasm_leg`]), and `tshark -r FILE -Y
//! tls.handshake` once; the handshake counts are cross-checked, and the throughputs and
//! the ratio are printed with the issue's targets (native >= 1 GB/s, wasm >= 300 MB/s,
//! >= 20x tshark) as PASS/FAIL lines. A benchmark measures; missed targets do not fail it.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::run::Cmd;
use crate::testbed::Testbed;
use crate::tools;

/// The Debian packages this bench needs.
pub(crate) const BENCH_PCAP_PACKAGES: &[(&str, &str)] = &[
    ("tcpdump", "the pcap bench captures harness sessions on lo"),
    ("tshark", "the pcap bench compares mxray pcap with tshark -Y tls.handshake"),
    ("openssl", "the pcap bench drives the sessions with openssl s_client/s_server"),
];

struct Options {
    size_mb: u64,
    bulk_mb: u64,
    /// Split TCP payloads into segments of at most this many bytes (0: keep loopback's).
    mss: usize,
}

fn parse_options(args: &[String]) -> Result<Options> {
    let mut options = Options { size_mb: 1024, bulk_mb: 32, mss: 1448 };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || -> Result<u64> {
            it.next().with_context(|| format!("{arg} needs a value"))?.parse().context("a number of MB")
        };
        match arg.as_str() {
            "--size-mb" => options.size_mb = value()?.max(1),
            "--bulk-mb" => options.bulk_mb = value()?.max(1),
            "--mss" => options.mss = usize::try_from(value()?)?,
            other => bail!("unknown bench pcap option {other:?}"),
        }
    }
    Ok(options)
}

/// `cargo xtask bench pcap …`.
pub(crate) fn run(root: &Path, args: &[String]) -> Result<()> {
    let options = parse_options(args)?;
    tools::ensure_debian_packages(BENCH_PCAP_PACKAGES)?;
    Cmd::new("cargo")
        .current_dir(root)
        .args(["build", "--release", "--locked", "-p", "mxray", "-p", "mxray-tests"])
        .args(["--bin", "mxray", "--bin", "testbed"])
        .run()?;
    let work = root.join("target").join("tmp").join(format!("bench-pcap-{}", std::process::id()));
    std::fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;
    let result = bench(root, &work, &options);
    let _ = std::fs::remove_dir_all(&work);
    result
}

fn bench(root: &Path, work: &Path, options: &Options) -> Result<()> {
    let release = root.join("target/release");
    let bed = Testbed::start(Command::new(release.join("testbed")))?;
    let smtp = bed.endpoint("smtp-strong")?.port;
    let ca = bed.ca.clone().context("the testbed reported no CA")?;
    let certs = Path::new(&ca).parent().context("CA path")?.to_owned();

    println!("== capturing the harness sessions (tcpdump -i lo) ==");
    let starttls = work.join("starttls.pcap");
    capture(&starttls, smtp, || {
        let mut child = Command::new("openssl")
            .args(["s_client", "-quiet", "-starttls", "smtp", "-tls1_3", "-servername", "mail.test.example"])
            .args(["-connect", &format!("127.0.0.1:{smtp}")])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        child.stdin.take().context("stdin")?.write_all(b"QUIT\r\n")?;
        wait_limited(child, Duration::from_secs(20))
    })?;

    let port = free_port()?;
    let payload = work.join("payload.bin");
    write_payload(&payload, options.bulk_mb << 20)?;
    // `-WWW` serves files from the current directory: the client's GET brings the payload
    // back as TLS application data, and the server closes after it (HTTP/1.0).
    let mut server = Command::new("openssl")
        .current_dir(work)
        .args(["s_server", "-quiet", "-tls1_3", "-WWW", "-accept", &format!("127.0.0.1:{port}")])
        .arg("-cert")
        .arg(certs.join("rsa.crt"))
        .arg("-key")
        .arg(certs.join("rsa.key"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting openssl s_server")?;
    std::thread::sleep(Duration::from_millis(500));
    let bulk = work.join("bulk.pcap");
    let captured = capture(&bulk, port, || {
        let mut child = Command::new("openssl")
            .args(["s_client", "-quiet", "-tls1_3", "-servername", "mail.test.example"])
            .args(["-connect", &format!("127.0.0.1:{port}")])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        child.stdin.take().context("stdin")?.write_all(b"GET /payload.bin HTTP/1.0\r\n\r\n")?;
        wait_limited(child, Duration::from_secs(120))
    });
    let _ = server.kill();
    let _ = server.wait();
    captured?;
    drop(bed);
    let bulk_size = std::fs::metadata(&bulk)?.len();
    if bulk_size < (options.bulk_mb << 20) / 2 {
        bail!(
            "the bulk transfer captured only {bulk_size} bytes; openssl s_client/s_server did not transfer the payload"
        );
    }

    let big = work.join("big.pcap");
    let replicas = replicate(&[(&starttls, smtp), (&bulk, port)], &big, options.size_mb << 20, options.mss)?;
    let size = std::fs::metadata(&big)?.len();
    let packets = count_records(&big)?;
    println!(
        "capture: {} ({:.2} GB, {packets} packets, {:.1} KB per packet on average; {replicas} replicas of a \
         STARTTLS session and a {} MB TLS 1.3 transfer; {})",
        big.display(),
        size as f64 / 1e9,
        size as f64 / packets.max(1) as f64 / 1e3,
        options.bulk_mb,
        if options.mss == 0 {
            "segments as captured on lo (up to 64 KB)".to_owned()
        } else {
            format!("TCP payloads split into {}-byte segments, as on an Ethernet link", options.mss)
        }
    );

    // Every tool reads the file from the page cache: flush the writes, then read it once.
    File::open(&big)?.sync_all()?;
    warm_cache(&big)?;

    println!("\n== mxray pcap (native, release) ==");
    let mxray = release.join("mxray");
    let mut native = Vec::new();
    for run in 1..=2 {
        let start = Instant::now();
        let out = Command::new(&mxray).arg("pcap").arg(&big).output()?;
        let wall = start.elapsed();
        if !out.status.success() {
            bail!("mxray pcap failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        let handshakes = handshake_count(&String::from_utf8_lossy(&out.stdout))
            .context("no `TLS handshakes (N)` line in mxray's output")?;
        println!(
            "run {run}: {:.3} s, {:.2} GB/s, {handshakes} handshakes",
            wall.as_secs_f64(),
            gbps(size, wall)
        );
        native.push((wall, handshakes));
    }

    println!("\n== mxray pcap (wasm, node) ==");
    let wasm = wasm_leg(root, &big)?;

    println!("\n== tshark -Y tls.handshake ==");
    let version = Command::new("tshark").arg("-v").output()?;
    println!("{}", String::from_utf8_lossy(&version.stdout).lines().next().unwrap_or("tshark"));
    let start = Instant::now();
    let out = Command::new("tshark")
        .arg("-r")
        .arg(&big)
        .args(["-d", &format!("tcp.port=={smtp},smtp"), "-d", &format!("tcp.port=={port},tls")])
        .args(["-Y", "tls.handshake.type == 1", "-T", "fields", "-e", "frame.number"])
        .stderr(Stdio::null())
        .output()
        .context("running tshark")?;
    let tshark_wall = start.elapsed();
    let tshark_hellos = String::from_utf8_lossy(&out.stdout).lines().count();
    println!(
        "{:.3} s, {:.3} GB/s, {tshark_hellos} ClientHellos",
        tshark_wall.as_secs_f64(),
        gbps(size, tshark_wall)
    );

    let best = native.iter().map(|(w, _)| *w).min().unwrap_or_default();
    let found = native.first().map_or(0, |(_, h)| *h);
    let native_gbps = gbps(size, best);
    let ratio = tshark_wall.as_secs_f64() / best.as_secs_f64().max(1e-9);
    println!("\n== summary ({:.2} GB) ==", size as f64 / 1e9);
    println!("mxray native  {:>8.3} s  {native_gbps:>6.2} GB/s  {found} handshakes", best.as_secs_f64());
    match wasm {
        Some(w) => println!("mxray wasm    {:>8.3} s  {:>6.2} GB/s", w.as_secs_f64(), gbps(size, w)),
        None => println!("mxray wasm    not run yet (the node runner is added with the wasm build)"),
    }
    println!(
        "tshark        {:>8.3} s  {:>6.3} GB/s  {tshark_hellos} ClientHellos",
        tshark_wall.as_secs_f64(),
        gbps(size, tshark_wall)
    );
    println!("ratio         {ratio:.1}x faster than tshark");
    let verdict = |ok: bool| if ok { "PASS" } else { "FAIL" };
    println!("{} native >= 1 GB/s ({native_gbps:.2})", verdict(native_gbps >= 1.0));
    match wasm {
        Some(w) => println!("{} wasm >= 300 MB/s ({:.2} GB/s)", verdict(gbps(size, w) >= 0.3), gbps(size, w)),
        None => println!("---- wasm >= 300 MB/s: not measured yet"),
    }
    println!("{} >= 20x tshark ({ratio:.1}x)", verdict(ratio >= 20.0));
    println!(
        "{} handshakes agree: mxray {found}, tshark {tshark_hellos} ClientHellos, expected {}",
        verdict(found == tshark_hellos && found == 2 * replicas as usize),
        2 * replicas
    );
    Ok(())
}

/// The wasm leg: `mxray_core::pcap::analyse` through the page's wasm build (`cargo xtask
/// web`, the same module the browser loads), run in node by `web/tests/bench-pcap.cjs` on
/// the same file. The script reads the file into memory first and times `analysePcap`
/// (including turning the report into JavaScript values), as the page does once it holds
/// the file; the native runs also include reading the file. Node's own JSON line is
/// printed as it came.
fn wasm_leg(root: &Path, capture: &Path) -> Result<Option<Duration>> {
    crate::web::build(root).context("building the wasm package for the wasm leg")?;
    let out = Command::new("node")
        .arg(root.join("web/tests/bench-pcap.cjs"))
        .arg(root.join("web/pkg"))
        .arg(capture)
        .output()
        .context("running node web/tests/bench-pcap.cjs")?;
    if !out.status.success() {
        bail!("the wasm leg failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let line = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    println!("{line}");
    let seconds = line
        .split("\"seconds\":")
        .nth(1)
        .and_then(|rest| rest.split([',', '}']).next())
        .and_then(|n| n.trim().parse::<f64>().ok())
        .context("no seconds in the wasm leg's output")?;
    Ok(Some(Duration::from_secs_f64(seconds)))
}

/// Reads the file once so that the timed runs read it from the page cache.
fn warm_cache(path: &Path) -> Result<()> {
    let mut file = File::open(path)?;
    let mut buf = vec![0u8; 8 << 20];
    while std::io::Read::read(&mut file, &mut buf)? > 0 {}
    Ok(())
}

/// The N of mxray's `TLS handshakes (N)` line.
fn handshake_count(text: &str) -> Option<usize> {
    text.lines().find_map(|l| l.strip_prefix("TLS handshakes (")?.strip_suffix(')')?.parse().ok())
}

fn gbps(bytes: u64, wall: Duration) -> f64 {
    bytes as f64 / 1e9 / wall.as_secs_f64().max(1e-9)
}

/// Captures `tcp port P` on lo with tcpdump while `session` runs.
fn capture(out: &Path, port: u16, session: impl FnOnce() -> Result<()>) -> Result<()> {
    let mut tcpdump = Command::new("tcpdump")
        .args(["-i", "lo", "-U", "-s", "0", "-w"])
        .arg(out)
        .arg(format!("tcp port {port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting tcpdump")?;
    std::thread::sleep(Duration::from_millis(1500));
    let result = session();
    std::thread::sleep(Duration::from_millis(1000));
    // SIGINT lets tcpdump flush; it is our child, stopped by its PID.
    let _ = Command::new("kill").args(["-INT", &tcpdump.id().to_string()]).status();
    let _ = tcpdump.wait();
    result?;
    if count_records(out)? == 0 {
        bail!("tcpdump captured nothing on port {port}");
    }
    Ok(())
}

fn wait_limited(mut child: std::process::Child, limit: Duration) -> Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        if child.try_wait()?.is_some() {
            return Ok(());
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!("the client session ran past {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Pseudo-random bytes (incompressible enough for TLS not to care).
fn write_payload(path: &Path, len: u64) -> Result<()> {
    let mut out = BufWriter::new(File::create(path)?);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut block = vec![0u8; 1 << 16];
    let mut written = 0;
    while written < len {
        for b in block.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
        let n = (len - written).min(block.len() as u64) as usize;
        out.write_all(&block[..n])?;
        written += n as u64;
    }
    out.flush()?;
    Ok(())
}

/// One packet record of a little-endian microsecond pcap written by tcpdump.
struct Record {
    ts_sec: u32,
    ts_usec: u32,
    data: Vec<u8>,
}

fn read_pcap(path: &Path) -> Result<(Vec<u8>, Vec<Record>)> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    if bytes.len() < 24 || bytes[..4] != [0xd4, 0xc3, 0xb2, 0xa1] {
        bail!("{}: not a little-endian microsecond pcap", path.display());
    }
    let u32_at = |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let mut records = Vec::new();
    let mut at = 24;
    while at + 16 <= bytes.len() {
        let caplen = u32_at(at + 8) as usize;
        let Some(data) = bytes.get(at + 16..at + 16 + caplen) else { break };
        records.push(Record { ts_sec: u32_at(at), ts_usec: u32_at(at + 4), data: data.to_vec() });
        at += 16 + caplen;
    }
    Ok((bytes[..24].to_vec(), records))
}

fn count_records(path: &Path) -> Result<u64> {
    Ok(read_pcap(path)?.1.len() as u64)
}

/// Writes `out` from replicas of the sessions until it reaches `target` bytes; each
/// replica's client gets the address 127.1.x.y and its own port. Returns the number of
/// replicas.
fn replicate(sessions: &[(&PathBuf, u16)], out: &Path, target: u64, mss: usize) -> Result<u64> {
    let mut loaded = Vec::new();
    let mut header = Vec::new();
    for (path, server_port) in sessions {
        let (h, records) = read_pcap(path)?;
        header = h;
        loaded.push((records, *server_port));
    }
    let mut file = BufWriter::with_capacity(1 << 20, File::create(out)?);
    file.write_all(&header)?;
    let mut written = header.len() as u64;
    let mut replica: u64 = 0;
    let mut clock: u32 = 0;
    while written < target {
        for (records, server_port) in &loaded {
            let k = replica * loaded.len() as u64 + 1;
            let client_ip = [127, 1, (k >> 8) as u8, k as u8];
            let client_port = 1024 + (k % 60_000) as u16;
            let base = records.first().map_or(0, |r| r.ts_sec);
            for r in records {
                let mut data = r.data.clone();
                rewrite(&mut data, *server_port, client_ip, client_port);
                for frame in segment(&data, mss) {
                    let len = u32::try_from(frame.len())?;
                    file.write_all(&(r.ts_sec - base + 1_700_000_000 + clock).to_le_bytes())?;
                    file.write_all(&r.ts_usec.to_le_bytes())?;
                    file.write_all(&len.to_le_bytes())?;
                    file.write_all(&len.to_le_bytes())?;
                    file.write_all(&frame)?;
                    written += 16 + frame.len() as u64;
                }
            }
            clock += 2 + records.last().map_or(0, |r| r.ts_sec - base);
        }
        replica += 1;
    }
    file.flush()?;
    Ok(replica)
}

/// Splits an Ethernet/IPv4/TCP frame whose payload exceeds `mss` bytes into frames of
/// at most `mss` payload bytes (sequence numbers and IP lengths adjusted; checksums are not
/// recomputed, as neither reader checks them). `mss` 0 keeps the frame.
fn segment(frame: &[u8], mss: usize) -> Vec<Vec<u8>> {
    let whole = || vec![frame.to_vec()];
    if mss == 0 || frame.len() < 14 + 20 + 20 || frame[12..14] != [0x08, 0x00] {
        return whole();
    }
    let ihl = usize::from(frame[14] & 0x0f) * 4;
    let tcp = 14 + ihl;
    let Some(&offset_byte) = frame.get(tcp + 12) else { return whole() };
    let payload_at = tcp + usize::from(offset_byte >> 4) * 4;
    let Some(payload) = frame.get(payload_at..) else { return whole() };
    if payload.len() <= mss {
        return whole();
    }
    let seq = u32::from_be_bytes([frame[tcp + 4], frame[tcp + 5], frame[tcp + 6], frame[tcp + 7]]);
    let mut out = Vec::with_capacity(payload.len().div_ceil(mss));
    for (i, piece) in payload.chunks(mss).enumerate() {
        let mut f = Vec::with_capacity(payload_at + piece.len());
        f.extend_from_slice(&frame[..payload_at]);
        f.extend_from_slice(piece);
        let total = u16::try_from(f.len() - 14).unwrap_or(u16::MAX);
        f[16..18].copy_from_slice(&total.to_be_bytes());
        let s = seq.wrapping_add(u32::try_from(i * mss).unwrap_or(0));
        f[tcp + 4..tcp + 8].copy_from_slice(&s.to_be_bytes());
        out.push(f);
    }
    out
}

/// Rewrites the client side (address and port) of an Ethernet/IPv4/TCP frame.
fn rewrite(frame: &mut [u8], server_port: u16, ip: [u8; 4], port: u16) {
    if frame.len() < 14 + 20 + 4 || frame[12..14] != [0x08, 0x00] {
        return;
    }
    let ihl = usize::from(frame[14] & 0x0f) * 4;
    let tcp = 14 + ihl;
    if frame.len() < tcp + 4 {
        return;
    }
    let sport = u16::from_be_bytes([frame[tcp], frame[tcp + 1]]);
    if sport == server_port {
        frame[14 + 16..14 + 20].copy_from_slice(&ip);
        frame[tcp + 2..tcp + 4].copy_from_slice(&port.to_be_bytes());
    } else {
        frame[14 + 12..14 + 16].copy_from_slice(&ip);
        frame[tcp..tcp + 2].copy_from_slice(&port.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_side_is_rewritten() {
        let mut frame = vec![0u8; 14 + 20 + 20];
        frame[12..14].copy_from_slice(&[0x08, 0x00]);
        frame[14] = 0x45;
        frame[14 + 12..14 + 16].copy_from_slice(&[127, 0, 0, 1]);
        frame[14 + 16..14 + 20].copy_from_slice(&[127, 0, 0, 1]);
        frame[34..36].copy_from_slice(&5000u16.to_be_bytes());
        frame[36..38].copy_from_slice(&25u16.to_be_bytes());
        rewrite(&mut frame, 25, [127, 1, 0, 9], 1033);
        assert_eq!(&frame[26..30], &[127, 1, 0, 9]);
        assert_eq!(&frame[30..34], &[127, 0, 0, 1]);
        assert_eq!(u16::from_be_bytes([frame[34], frame[35]]), 1033);
        assert_eq!(u16::from_be_bytes([frame[36], frame[37]]), 25);
    }

    #[test]
    fn the_handshake_count_is_read() {
        assert_eq!(handshake_count("Connections (2)\n\nTLS handshakes (14)\n  [0] a -> b"), Some(14));
        assert_eq!(handshake_count("nothing"), None);
    }

    #[test]
    fn large_segments_are_split_at_the_mss() {
        let mut frame = vec![0u8; 14 + 20 + 20];
        frame[12..14].copy_from_slice(&[0x08, 0x00]);
        frame[14] = 0x45;
        frame[34 + 4..34 + 8].copy_from_slice(&u32::MAX.to_be_bytes());
        frame[34 + 12] = 0x50;
        frame.extend((0..3000u32).map(|i| i as u8));
        let pieces = segment(&frame, 1448);
        assert_eq!(pieces.len(), 3);
        let payload: Vec<u8> = pieces.iter().flat_map(|p| p[54..].to_vec()).collect();
        assert_eq!(payload, frame[54..]);
        assert_eq!(u16::from_be_bytes([pieces[1][16], pieces[1][17]]), 20 + 20 + 1448);
        assert_eq!(u32::from_be_bytes([pieces[1][38], pieces[1][39], pieces[1][40], pieces[1][41]]), 1447);
        assert_eq!(segment(&frame, 0).len(), 1);
    }

    #[test]
    fn options_are_parsed() {
        let o = parse_options(&["--size-mb".into(), "64".into()]).unwrap();
        assert_eq!((o.size_mb, o.bulk_mb, o.mss), (64, 32, 1448));
        assert!(parse_options(&["--nope".into()]).is_err());
    }
}
