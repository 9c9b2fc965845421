//! `mxray pcap` end to end on the core's real harness captures
//! (`crates/mxray-core/tests/fixtures/pcap/`) and on files that are no capture: text and
//! JSON output, the STARTTLS verdicts, and exit code 2 with a clear message for unreadable
//! input, without freezing on a 200 MB file.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn mxray(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mxray")).args(args).output().expect("running mxray")
}

fn fixture(name: &str) -> String {
    format!("{}/../crates/mxray-core/tests/fixtures/pcap/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("mxray-pcap-cli-{}-{name}", std::process::id()))
}

#[test]
fn text_output_shows_the_starttls_verdict_and_the_handshake() {
    let out = mxray(&["pcap", &fixture("smtp-starttls-tls12.pcapng")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    for want in [
        "pcapng",
        "Linux cooked capture v2 (SLL2) (276)",
        "SMTP  STARTTLS used",
        "banner: mail.test.example ESMTP mxray-testbed",
        "SNI mail.test.example",
        "chosen: TLSv1.2",
        "JA3  ",
        "JA3S ",
        "JA4  t12d",
        "certificate 0: CN=mail.test.example",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }

    let out = mxray(&["pcap", &fixture("smtp-offered-not-used.pcap")]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("STARTTLS offered, not used, STRIPPED"), "{text}");
    assert!(text.contains("TLS handshakes (0)"), "{text}");
}

#[test]
fn json_output_is_the_core_report() {
    let out = mxray(&["pcap", "--json", &fixture("imaps-tls13.pcapng")]);
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["schema"], 1);
    assert_eq!(json["capture"]["format"], "pcapng");
    assert_eq!(json["flows"][0]["protocol"], "tls");
    assert_eq!(json["flows"][0]["implicit_tls"], true);
    let hs = &json["handshakes"][0];
    assert_eq!(hs["server"]["version"], "TLSv1.3");
    assert_eq!(hs["client"]["alpn"][0], "imap");
    assert_eq!(hs["client"]["ja3"]["hash"].as_str().unwrap().len(), 32);
    assert!(hs["client"]["ja4"].as_str().unwrap().starts_with("t13d"));
    assert!(hs["server"]["ja3s"]["string"].as_str().unwrap().starts_with("771,"));

    // Standard input works too.
    let bytes = std::fs::read(fixture("smtp-not-offered.pcap")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mxray"))
        .args(["pcap", "--json", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), &bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["flows"][0]["starttls"]["status"], "not_offered");
}

#[test]
fn unreadable_input_exits_2_with_a_message() {
    let out = mxray(&["pcap", "/nonexistent/capture.pcap"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent/capture.pcap"));

    let text = temp("mail.eml");
    std::fs::write(&text, "From: a@example.org\r\nSubject: hello\r\n\r\nbody\r\n").unwrap();
    let out = mxray(&["pcap", text.to_str().unwrap()]);
    std::fs::remove_file(&text).unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a pcap or pcapng capture"));

    let short = temp("short.pcap");
    std::fs::write(&short, &std::fs::read(fixture("pop3s-tls12.pcap")).unwrap()[..12]).unwrap();
    let out = mxray(&["pcap", short.to_str().unwrap()]);
    std::fs::remove_file(&short).unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the capture is truncated"));
}

#[test]
fn a_truncated_last_packet_is_a_warning() {
    let bytes = std::fs::read(fixture("pop3s-tls12.pcap")).unwrap();
    let cut = temp("cut.pcap");
    std::fs::write(&cut, &bytes[..bytes.len() - 5]).unwrap();
    let out = mxray(&["pcap", cut.to_str().unwrap()]);
    std::fs::remove_file(&cut).unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("warning: the last record is truncated"), "{text}");
    assert!(text.contains("TLS handshakes (1)"), "{text}");
}

#[test]
fn two_hundred_megabytes_of_garbage_never_freeze() {
    // Garbage from the first byte: refused at once.
    let garbage = temp("garbage.bin");
    let block: Vec<u8> = (0..1u32 << 20).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    {
        let mut f = std::fs::File::create(&garbage).unwrap();
        for _ in 0..200 {
            std::io::Write::write_all(&mut f, &block).unwrap();
        }
    }
    let start = Instant::now();
    let out = mxray(&["pcap", garbage.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a pcap"));

    // A valid capture followed by 200 MB of garbage: reading stops at the damage, the rest
    // is skipped, and what came before is reported.
    let mut f = std::fs::OpenOptions::new().write(true).open(&garbage).unwrap();
    std::io::Write::write_all(&mut f, &std::fs::read(fixture("pop3s-tls12.pcap")).unwrap()).unwrap();
    drop(f);
    let out = mxray(&["pcap", garbage.to_str().unwrap()]);
    std::fs::remove_file(&garbage).unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("warning: the capture is damaged"), "{text}");
    assert!(text.contains("TLS handshakes (1)"), "{text}");
    assert!(start.elapsed() < Duration::from_secs(60), "took {:?}", start.elapsed());
}
