//! `mxray scan` end to end: the binary against simulated servers on 127.0.0.1, its JSON
//! report, its exit codes, and the messages of its usage errors.

use std::process::{Command, Output};

use mxray_core::sim::profiles::{strong, weak};
use mxray_net::simserver::{Behaviour, SimListener, SmtpScript};

fn mxray(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mxray")).args(args).output().expect("running mxray")
}

fn smtp() -> Behaviour {
    Behaviour { smtp: Some(SmtpScript::default()), throttle_first: 0 }
}

#[test]
fn json_report_of_a_strong_smtp_server() {
    let server = SimListener::start(strong(), smtp()).unwrap();
    let target = format!("smtp://{}", server.addr());
    let out = mxray(&["scan", &target, "--json", "--timeout", "5"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["schema_version"], "1.2");
    let e = &report["endpoints"][0];
    assert_eq!(e["service"], "smtp");
    assert_eq!(e["starttls"]["outcome"]["kind"], "ready_for_tls");
    let ciphers = e["ciphers"].as_array().unwrap();
    let tls13: Vec<&str> =
        ciphers.iter().filter(|c| c["version"] == "TLSv1.3").map(|c| c["code"].as_str().unwrap()).collect();
    assert_eq!(tls13, ["0x1302", "0x1303", "0x1301"], "TLS 1.3 suites in the server's order");
    let first12 = ciphers.iter().find(|c| c["version"] == "TLSv1.2").unwrap();
    assert_eq!(first12["code"], "0xC030");
    assert_eq!(first12["openssl"], "ECDHE-RSA-AES256-GCM-SHA384");
    assert_eq!(first12["rank"], 1);
    assert_eq!(first12["strength"], "secure");
    assert_eq!(e["connections"].as_u64().unwrap() as usize, server.connections());
    assert_eq!(e["groups"]["preferred"], "X25519MLKEM768");
    // Port 25: what each common sending MTA would get.
    let senders = e["mta_simulation"].as_array().unwrap();
    let ids: Vec<&str> = senders.iter().map(|o| o["profile"].as_str().unwrap()).collect();
    assert_eq!(ids, ["postfix", "exim-gnutls", "exchange-schannel"]);
    for o in senders {
        assert_eq!(
            (&o["negotiates"], &o["version"]),
            (&serde_json::json!(true), &serde_json::json!("TLSv1.3")),
            "{o}"
        );
    }
}

#[test]
fn terminal_report_marks_weak_and_insecure_and_fail_on_sets_the_exit_code() {
    let server = SimListener::start(weak(), smtp()).unwrap();
    let target = format!("smtp://{}", server.addr());
    let out = mxray(&["scan", &target, "--color", "never", "--fail-on", "medium"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "TLS 1.0 is a medium finding\n{text}");
    assert!(text.contains("TLSv1.0 yes"), "{text}");
    assert!(text.contains("TLS_RSA_WITH_3DES_EDE_CBC_SHA"), "{text}");
    assert!(text.contains("weak"), "{text}");
    assert!(text.contains("TLSv1.0 is enabled"), "{text}");
    assert!(text.contains("Senders") && text.contains("exchange-schannel"), "{text}");
    assert!(!text.contains("\x1b["), "no colour with --color never");

    let out = mxray(&["scan", &target, "--color", "never", "--fail-on", "critical"]);
    assert_eq!(out.status.code(), Some(0), "nothing critical on this server");
}

#[test]
fn json_out_writes_the_same_report_to_a_file() {
    let server = SimListener::start(strong(), Behaviour::default()).unwrap();
    let target = format!("tls://{}", server.addr());
    let dir = std::env::temp_dir().join(format!("mxray-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("report.json");
    let out = mxray(&["scan", &target, "--json-out", file.to_str().unwrap(), "--color", "never"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(report["endpoints"][0]["service"], "tls");
    assert!(String::from_utf8_lossy(&out.stdout).contains("TLSv1.3 ciphers"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn usage_and_target_errors_exit_2_and_say_what_to_fix() {
    let table: &[(&[&str], &str)] = &[
        (&["scan", "ftp://host"], "unknown scheme"),
        (&["scan", "127.0.0.1:8443"], "tls://host:8443"),
        (&["scan", "127.0.0.1:0"], "invalid port"),
        (&["scan", "smtp://127.0.0.1", "--per-host", "0"], "--per-host"),
        (&["scan", "smtp://127.0.0.1", "--fail-on", "severe"], "severity"),
        (&["scan", "smtp://127.0.0.1", "--ipv6"], "no IPv6 address"),
        (&["scan"], "TARGET"),
    ];
    for (args, needle) in table {
        let out = mxray(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}

#[test]
fn html_page_has_the_report_and_escapes_a_hostile_banner() {
    let script = SmtpScript {
        greeting: "<script>alert(1)</script> ESMTP \"x\" & y".into(),
        capabilities: vec!["<img src=x onerror=alert(2)>".into()],
        starttls: true,
    };
    let server = SimListener::start(weak(), Behaviour { smtp: Some(script), throttle_first: 0 }).unwrap();
    let target = format!("smtp://{}", server.addr());
    let dir = std::env::temp_dir().join(format!("mxray-cli-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("report.html");
    let json = dir.join("report.json");
    let out = mxray(&[
        "scan",
        &target,
        "--html",
        file.to_str().unwrap(),
        "--json-out",
        json.to_str().unwrap(),
        "--color",
        "never",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let page = std::fs::read_to_string(&file).unwrap();
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let e = &report["endpoints"][0];

    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(
        page.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src &#39;none&#39;")
    );
    assert_markup_is_inert(&page);
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; ESMTP &quot;x&quot; &amp; y"), "{page}");
    assert!(page.contains("&lt;img src=x onerror=alert(2)&gt;, STARTTLS"), "capabilities escaped: {page}");

    // The same content as the JSON: every accepted suite in order with its marking, the
    // grade, the graded findings with set and section, the profiles, the cost.
    for c in e["ciphers"].as_array().unwrap() {
        assert!(page.contains(c["code"].as_str().unwrap()), "{c}");
    }
    assert!(page.contains("TLSv1.0 ciphers") && page.contains("<td class=\"warn\">weak</td>"), "{page}");
    assert!(
        page.contains(&format!("<span class=\"grade bad\">{}</span>", e["grade"].as_str().unwrap()))
            || page.contains(&format!(">{}</span>", e["grade"].as_str().unwrap()))
    );
    for f in e["grading"]["findings"].as_array().unwrap() {
        assert!(page.contains(f["id"].as_str().unwrap()), "{f}");
        assert!(page.contains(&escaped(f["section"].as_str().unwrap())), "{f}");
        assert!(page.contains(&escaped(f["message"].as_str().unwrap())), "{f}");
    }
    for f in e["findings"].as_array().unwrap() {
        assert!(page.contains(f["id"].as_str().unwrap()), "{f}");
        assert!(page.contains(&escaped(f["message"].as_str().unwrap())), "{f}");
    }
    for needle in ["Mozilla server-side TLS", "NCSC-NL classification", "Mail posture", "Plaintext dialogue"]
    {
        assert!(page.contains(needle), "{needle}");
    }
    assert!(page.contains(&format!("{} connections", e["connections"])), "{page}");
    assert!(
        page.contains("<h4>Sending MTAs</h4>") && page.contains("Exim (Debian 12, GnuTLS 3.7 NORMAL)"),
        "{page}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Checks the page's markup (escaped text holds no `<`): only known elements, only the
/// attributes the page uses, nothing that loads an asset or runs a script.
fn assert_markup_is_inert(page: &str) {
    const ELEMENTS: &[&str] = &[
        "!DOCTYPE", "html", "head", "meta", "title", "style", "body", "header", "footer", "section", "h1",
        "h2", "h3", "h4", "p", "span", "dl", "dt", "dd", "table", "tr", "th", "td", "ul", "li",
    ];
    const ATTRIBUTES: &[&str] = &["lang", "charset", "http-equiv", "content", "name", "class", "html"];
    let body = page.split("</style>").nth(1).expect("a stylesheet");
    for tag in body.split('<').skip(1).map(|t| t.split('>').next().unwrap()) {
        let tag = tag.trim_start_matches('/');
        let mut words = tag.split_whitespace();
        let element = words.next().unwrap_or("");
        assert!(ELEMENTS.contains(&element), "element <{tag}>");
        for attribute in words.filter_map(|w| w.split_once('=')).map(|(a, _)| a) {
            assert!(ATTRIBUTES.contains(&attribute), "attribute {attribute} in <{tag}>");
        }
    }
    let lower = page.to_ascii_lowercase();
    for asset in ["url(", "@import", "<link", "<script", "<img", "<iframe", "<object"] {
        assert!(!lower.contains(asset), "no external asset or script ({asset})");
    }
}

/// Text as the page escapes it.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[test]
fn starttls_injection_is_off_by_default_and_reported_with_its_connections_when_asked() {
    let server = SimListener::start(strong(), smtp()).unwrap();
    let target = format!("smtp://{}", server.addr());
    let out = mxray(&["scan", &target, "--json", "--timeout", "5"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["endpoints"][0].get("starttls_injection").is_none(), "not in the default plan");
    let before = server.connections();

    // The simulated server speaks only the TLS messages a scanner reads, so rustls' handshake
    // fails with and without the injected command (it stays silent after rustls' hello):
    // inconclusive, two more connections. A short timeout keeps the test fast.
    let out = mxray(&["scan", &target, "--json", "--timeout", "1", "--starttls-injection"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let e = &report["endpoints"][0];
    assert_eq!(e["starttls_injection"]["verdict"], "inconclusive", "{e}");
    let reason = e["starttls_injection"]["reason"].as_str().unwrap();
    assert!(reason.contains("a handshake without the injected command failed too"), "{reason}");
    assert_eq!(e["connections"].as_u64().unwrap() as usize, server.connections() - before);

    let out = mxray(&["scan", &target, "--color", "never", "--timeout", "1", "--starttls-injection"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Injection   inconclusive: "), "{text}");
}
