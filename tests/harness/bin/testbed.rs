//! `testbed`: starts the standard real-server set (strong and weak Postfix, strong and weak
//! Dovecot) on 127.0.0.1, prints one line per endpoint (`smtp-strong 127.0.0.1:40025 smtp
//! starttls`), then `ca PATH` (the test CA's certificate, to validate the servers' chains
//! with) and `ready`, and stops everything by PID when stdin closes or on
//! SIGTERM, SIGINT or SIGHUP. Exit status 1 (with the reason on stderr) if it cannot start.

use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use mxray_tests::Testbed;
use mxray_tests::process::termination_flag;

fn main() {
    let terminate = termination_flag();
    let bed = match Testbed::standard() {
        Ok(bed) => bed,
        Err(e) => {
            eprintln!("testbed: {e:#}");
            std::process::exit(1);
        }
    };
    let mut out = std::io::stdout().lock();
    for endpoint in bed.endpoints() {
        let _ = writeln!(out, "{endpoint}");
    }
    if let Ok(ca) = bed.certs.get(mxray_tests::CertSet::CA) {
        let _ = writeln!(out, "ca {}", ca.cert.display());
    }
    let _ = writeln!(out, "ready");
    let _ = out.flush();
    drop(out);

    let stdin_closed = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stdin_closed);
    std::thread::spawn(move || {
        let mut buf = [0u8; 256];
        let mut stdin = std::io::stdin().lock();
        while matches!(stdin.read(&mut buf), Ok(n) if n > 0) {}
        flag.store(true, Ordering::SeqCst);
    });
    while !terminate.load(Ordering::SeqCst) && !stdin_closed.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(50));
    }
    eprintln!("testbed: stopping");
    drop(bed);
    eprintln!("testbed: stopped");
}
