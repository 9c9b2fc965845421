//! A private directory per server, removed on drop.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::{Context, Result};

static SEQUENCE: AtomicU32 = AtomicU32::new(0);

/// `$TMPDIR/mxray-testbed/NAME-PID-SEQ`, mode 0755 so that the unprivileged users Postfix
/// and Dovecot switch to can reach the files below it. Removed on drop unless
/// `MXRAY_TESTBED_KEEP` is set. Kept short: Unix socket paths must fit in 108 bytes.
#[derive(Debug)]
pub struct WorkDir {
    path: PathBuf,
}

impl WorkDir {
    /// Creates a fresh directory whose name starts with `name`.
    pub fn new(name: &str) -> Result<Self> {
        let base = std::env::temp_dir().join("mxray-testbed");
        fs::create_dir_all(&base).with_context(|| format!("creating {}", base.display()))?;
        let seq = SEQUENCE.fetch_add(1, Ordering::Relaxed);
        let path = base.join(format!("{name}-{}-{seq}", std::process::id()));
        if path.exists() {
            fs::remove_dir_all(&path).with_context(|| format!("removing stale {}", path.display()))?;
        }
        fs::create_dir(&path).with_context(|| format!("creating {}", path.display()))?;
        for dir in [&base, &path] {
            // The base may belong to another user; only our own directory must be 0755.
            let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o755));
        }
        Ok(Self { path })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A path inside the directory.
    pub fn join(&self, rel: &str) -> PathBuf {
        self.path.join(rel)
    }

    /// Creates `rel` (and parents) inside the directory with mode `mode`.
    pub fn mkdir(&self, rel: &str, mode: u32) -> Result<PathBuf> {
        let dir = self.path.join(rel);
        fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        fs::set_permissions(&dir, fs::Permissions::from_mode(mode))
            .with_context(|| format!("chmod {}", dir.display()))?;
        Ok(dir)
    }

    /// Writes `contents` to `rel`.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> Result<PathBuf> {
        let file = self.path.join(rel);
        fs::write(&file, contents).with_context(|| format!("writing {}", file.display()))?;
        Ok(file)
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        if std::env::var_os("MXRAY_TESTBED_KEEP").is_some() {
            eprintln!("testbed: keeping {}", self.path.display());
            return;
        }
        let _ = fs::remove_dir_all(&self.path);
    }
}
