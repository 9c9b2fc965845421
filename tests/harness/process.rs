//! Signals by PID, liveness, and the bounded stop every server's `Drop` uses.
//!
//! This is the only module with `unsafe`: three libc calls (`kill`, `signal`) whose
//! arguments are plain integers and a handler that only stores to an atomic.

use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// How long a stop waits after SIGTERM before SIGKILL, and again after SIGKILL.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// Sends `signal` to exactly `pid`. Refuses PIDs that would address a group or everything.
pub fn signal(pid: u32, signal: i32) -> Result<()> {
    let Ok(raw) = i32::try_from(pid) else { bail!("PID {pid} out of range") };
    if raw <= 1 {
        bail!("refusing to signal PID {pid}");
    }
    // SAFETY: kill(2) takes two integers; a positive pid addresses that one process.
    let rc = unsafe { libc::kill(raw, signal) };
    if rc != 0 {
        let err = std::io::Error::last_os_error();
        if err.raw_os_error() == Some(libc::ESRCH) {
            return Ok(());
        }
        return Err(err).with_context(|| format!("kill -{signal} {pid}"));
    }
    Ok(())
}

/// The one-letter state of `pid` from `/proc/PID/stat`, `None` if there is no such process.
fn state(pid: u32) -> Option<char> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "PID (comm) S ...": comm may hold spaces and parentheses; the state follows the last ')'.
    stat.rsplit_once(')')?.1.trim_start().chars().next()
}

/// True while `pid` exists and is not a zombie (see the crate doc on zombies).
pub fn alive(pid: u32) -> bool {
    !matches!(state(pid), None | Some('Z' | 'X' | 'x'))
}

/// The command name of `pid` (`/proc/PID/comm`), if it exists.
pub fn comm(pid: u32) -> Option<String> {
    fs::read_to_string(format!("/proc/{pid}/comm")).ok().map(|s| s.trim().to_owned())
}

/// Polls `done` every 10 ms until it is true or `timeout` passes; true if it became true.
pub fn wait_until(timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if done() {
            return true;
        }
        if start.elapsed() >= timeout {
            return false;
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// SIGTERM to `pid`, wait up to [`STOP_TIMEOUT`], then SIGKILL and wait again.
pub fn stop_pid(pid: u32, what: &str) -> Result<()> {
    if !alive(pid) {
        return Ok(());
    }
    signal(pid, libc::SIGTERM)?;
    if wait_until(STOP_TIMEOUT, || !alive(pid)) {
        return Ok(());
    }
    eprintln!("testbed: {what} (PID {pid}) ignored SIGTERM for {STOP_TIMEOUT:?}; sending SIGKILL");
    signal(pid, libc::SIGKILL)?;
    if wait_until(STOP_TIMEOUT, || !alive(pid)) {
        return Ok(());
    }
    bail!("{what} (PID {pid}) is still running after SIGKILL")
}

/// Reads a PID file (`master.pid`), which Postfix pads with spaces.
pub fn read_pid_file(path: &Path) -> Result<u32> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.trim().parse().with_context(|| format!("{} holds {text:?}, not a PID", path.display()))
}

static TERMINATE: AtomicBool = AtomicBool::new(false);

extern "C" fn on_terminate(_: libc::c_int) {
    TERMINATE.store(true, Ordering::SeqCst);
}

/// Installs SIGTERM/SIGINT/SIGHUP handlers that only set a flag; returns the flag. Used by
/// the `testbed` binary so that a signal stops the servers instead of orphaning them.
pub fn termination_flag() -> &'static AtomicBool {
    for sig in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
        // SAFETY: the handler is async-signal-safe (one atomic store).
        unsafe {
            libc::signal(sig, on_terminate as extern "C" fn(libc::c_int) as libc::sighandler_t);
        }
    }
    &TERMINATE
}
