//! A throwaway test CA and certificates, made with the `openssl` command-line tool.
//!
//! Everything is signed with `openssl ca` (not `openssl x509 -req`) because only `ca` takes
//! arbitrary `-startdate`/`-enddate` on OpenSSL 3.0, which the expired and not-yet-valid
//! cases need. A [`CertSpec`] describes any certificate: key type and size, names, issuer
//! (self-signed or any CA already issued in the same [`CertSet`]), signature digest,
//! validity window and whether it is a CA. For example:
//!
//! ```no_run
//! # use mxray_tests::{CertSet, CertSpec, KeyType, Validity, WorkDir};
//! # let dir = WorkDir::new("doc")?;
//! let mut set = CertSet::standard(dir.path())?;
//! set.issue(&CertSpec::leaf("sha1", "old.test.example").key(KeyType::Rsa(1024)).digest("sha1").self_signed())?;
//! set.issue(&CertSpec::leaf("expired", "mail.test.example").validity(Validity::days(-30, -1)))?;
//! set.issue(&CertSpec::leaf("wrong-name", "www.other.example"))?;
//! set.issue(&CertSpec::ca("intermediate", "mxray test intermediate"))?;
//! let leaf = set.issue(&CertSpec::leaf("via-int", "mail.test.example").issued_by("intermediate"))?;
//! // leaf.cert is the leaf alone (a chain missing its intermediate), leaf.chain has both.
//! # Ok::<(), anyhow::Error>(())
//! ```

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};

/// The key of a certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyType {
    /// RSA with this many bits.
    Rsa(u32),
    /// ECDSA on P-256.
    EcP256,
    /// ECDSA on P-384.
    EcP384,
}

/// Who signs a certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Issuer {
    /// Signed with its own key.
    SelfSigned,
    /// Signed by the CA issued earlier in the same set under this name.
    Ca(String),
}

/// A validity window in days relative to now (negative is in the past).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Validity {
    /// `notBefore`, days from now.
    pub not_before_days: i64,
    /// `notAfter`, days from now.
    pub not_after_days: i64,
}

impl Validity {
    /// From `not_before_days` to `not_after_days` relative to now; `days(-30, -1)` has expired.
    pub fn days(not_before_days: i64, not_after_days: i64) -> Self {
        Self { not_before_days, not_after_days }
    }
}

/// Everything about one certificate to make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertSpec {
    /// File stem and the name other specs use in [`Issuer::Ca`].
    pub name: String,
    /// The subject's common name.
    pub common_name: String,
    /// `subjectAltName` DNS entries.
    pub dns_names: Vec<String>,
    /// `subjectAltName` IP entries.
    pub ip_addresses: Vec<IpAddr>,
    /// The key.
    pub key: KeyType,
    /// The signer.
    pub issuer: Issuer,
    /// The signature digest as `openssl ca -md` takes it: `sha256`, `sha1`, `sha384`, …
    pub digest: String,
    /// The validity window.
    pub validity: Validity,
    /// `basicConstraints = CA:TRUE` and `keyCertSign`.
    pub is_ca: bool,
}

impl CertSpec {
    /// A server certificate for `common_name` (also its only DNS SAN), RSA 2048, SHA-256,
    /// valid from yesterday for 30 days, issued by the set's `ca`.
    pub fn leaf(name: &str, common_name: &str) -> Self {
        Self {
            name: name.to_owned(),
            common_name: common_name.to_owned(),
            dns_names: vec![common_name.to_owned()],
            ip_addresses: Vec::new(),
            key: KeyType::Rsa(2048),
            issuer: Issuer::Ca(CertSet::CA.to_owned()),
            digest: "sha256".to_owned(),
            validity: Validity::days(-1, 30),
            is_ca: false,
        }
    }

    /// A CA certificate, RSA 2048, issued by the set's `ca` (use [`Self::self_signed`] for a root).
    pub fn ca(name: &str, common_name: &str) -> Self {
        Self {
            dns_names: Vec::new(),
            is_ca: true,
            validity: Validity::days(-1, 365),
            ..Self::leaf(name, common_name)
        }
    }

    /// With this key.
    pub fn key(mut self, key: KeyType) -> Self {
        self.key = key;
        self
    }

    /// With one more DNS SAN.
    pub fn dns(mut self, name: &str) -> Self {
        self.dns_names.push(name.to_owned());
        self
    }

    /// With one more IP SAN.
    pub fn ip(mut self, ip: IpAddr) -> Self {
        self.ip_addresses.push(ip);
        self
    }

    /// Signed by the CA named `ca` in the set.
    pub fn issued_by(mut self, ca: &str) -> Self {
        self.issuer = Issuer::Ca(ca.to_owned());
        self
    }

    /// Self-signed.
    pub fn self_signed(mut self) -> Self {
        self.issuer = Issuer::SelfSigned;
        self
    }

    /// Signed with this digest (`sha1`, `sha256`, …).
    pub fn digest(mut self, digest: &str) -> Self {
        self.digest = digest.to_owned();
        self
    }

    /// With this validity window.
    pub fn validity(mut self, validity: Validity) -> Self {
        self.validity = validity;
        self
    }
}

/// A certificate made by a [`CertSet`]: PEM files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issued {
    /// What was asked for.
    pub spec: CertSpec,
    /// The certificate alone.
    pub cert: PathBuf,
    /// Its private key (PKCS#8, unencrypted).
    pub key: PathBuf,
    /// The certificate followed by every issuing CA up to, not including, the self-signed
    /// root: what a server should send.
    pub chain: PathBuf,
}

/// The certificates of one testbed, in one directory, with a shared `openssl ca` database.
#[derive(Debug)]
pub struct CertSet {
    dir: PathBuf,
    issued: HashMap<String, Issued>,
}

impl CertSet {
    /// The name of the root CA of [`Self::standard`].
    pub const CA: &'static str = "ca";
    /// The RSA-2048 leaf for `mail.test.example`, `localhost` and 127.0.0.1.
    pub const RSA: &'static str = "rsa";
    /// The ECDSA P-256 leaf with the same names.
    pub const ECDSA: &'static str = "ecdsa";
    /// The common name of the standard leaves.
    pub const HOST: &'static str = "mail.test.example";

    /// An empty set writing under `dir/certs`.
    pub fn empty(dir: &Path) -> Result<Self> {
        let dir = dir.join("certs");
        fs::create_dir_all(dir.join("newcerts")).with_context(|| format!("creating {}", dir.display()))?;
        fs::write(dir.join("index.txt"), "").context("creating the CA index")?;
        fs::write(dir.join("serial"), "1000\n").context("creating the CA serial")?;
        fs::write(dir.join("ca.cnf"), ca_config(&dir)).context("writing the CA configuration")?;
        Ok(Self { dir, issued: HashMap::new() })
    }

    /// The standard set: root CA `ca` (`/CN=mxray test CA`, RSA 2048), leaves `rsa`
    /// (RSA 2048) and `ecdsa` (P-256) for `mail.test.example`, `localhost` and 127.0.0.1, and
    /// `dh1024.pem` (`openssl dhparam 1024`) for the weak profiles.
    pub fn standard(dir: &Path) -> Result<Self> {
        let mut set = Self::empty(dir)?;
        set.issue(&CertSpec::ca(Self::CA, "mxray test CA").self_signed())?;
        for (name, key) in [(Self::RSA, KeyType::Rsa(2048)), (Self::ECDSA, KeyType::EcP256)] {
            set.issue(
                &CertSpec::leaf(name, Self::HOST)
                    .key(key)
                    .dns("localhost")
                    .ip(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            )?;
        }
        openssl(&["dhparam", "-out"], &[&set.dir.join("dh1024.pem")], &["1024"])?;
        Ok(set)
    }

    /// The directory holding the files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// 1024-bit DH parameters (only in a [`Self::standard`] set).
    pub fn dh1024(&self) -> PathBuf {
        self.dir.join("dh1024.pem")
    }

    /// A certificate issued earlier.
    pub fn get(&self, name: &str) -> Result<&Issued> {
        self.issued.get(name).with_context(|| format!("no certificate named {name:?} in the set"))
    }

    /// Makes the certificate `spec` describes (its issuer must exist already).
    pub fn issue(&mut self, spec: &CertSpec) -> Result<Issued> {
        if self.issued.contains_key(&spec.name) || spec.name == "ca.cnf" {
            bail!("a certificate named {:?} exists already", spec.name);
        }
        let file = |ext: &str| self.dir.join(format!("{}.{ext}", spec.name));
        let (key, csr, cert, chain, ext) =
            (file("key"), file("csr"), file("crt"), file("chain.pem"), file("ext"));
        match spec.key {
            KeyType::Rsa(bits) => openssl(
                &["genpkey", "-algorithm", "RSA", "-pkeyopt", &format!("rsa_keygen_bits:{bits}"), "-out"],
                &[&key],
                &[],
            )?,
            KeyType::EcP256 | KeyType::EcP384 => {
                let curve = if spec.key == KeyType::EcP256 { "P-256" } else { "P-384" };
                openssl(
                    &[
                        "genpkey",
                        "-algorithm",
                        "EC",
                        "-pkeyopt",
                        &format!("ec_paramgen_curve:{curve}"),
                        "-out",
                    ],
                    &[&key],
                    &[],
                )?;
            }
        }
        run_openssl(
            Command::new("openssl")
                .args(["req", "-new", "-key"])
                .arg(&key)
                .args(["-subj", &format!("/CN={}", spec.common_name), "-out"])
                .arg(&csr),
        )?;
        fs::write(&ext, extensions(spec)).with_context(|| format!("writing {}", ext.display()))?;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).context("clock before 1970")?.as_secs();
        let at = |days: i64| asn1_time(now.saturating_add_signed(days * 86_400));
        let mut sign = Command::new("openssl");
        sign.args(["ca", "-batch", "-notext", "-config"])
            .arg(self.dir.join("ca.cnf"))
            .args(["-md", &spec.digest, "-startdate"])
            .arg(at(spec.validity.not_before_days))
            .arg("-enddate")
            .arg(at(spec.validity.not_after_days))
            .arg("-extfile")
            .arg(&ext)
            .args(["-extensions", "ext", "-in"])
            .arg(&csr)
            .arg("-out")
            .arg(&cert);
        let mut chain_pem = Vec::new();
        match &spec.issuer {
            Issuer::SelfSigned => {
                sign.arg("-selfsign").arg("-keyfile").arg(&key);
            }
            Issuer::Ca(ca) => {
                let ca = self.get(ca)?;
                if !ca.spec.is_ca {
                    bail!("{:?} is not a CA", ca.spec.name);
                }
                sign.arg("-cert").arg(&ca.cert).arg("-keyfile").arg(&ca.key);
                if ca.spec.issuer != Issuer::SelfSigned {
                    chain_pem = fs::read(&ca.chain).context("reading the issuer's chain")?;
                }
            }
        }
        run_openssl(&mut sign).with_context(|| format!("signing {}", spec.name))?;
        let mut full = fs::read(&cert).context("reading the new certificate")?;
        full.extend_from_slice(&chain_pem);
        fs::write(&chain, full).context("writing the chain")?;
        let issued = Issued { spec: spec.clone(), cert, key, chain };
        self.issued.insert(spec.name.clone(), issued.clone());
        Ok(issued)
    }
}

/// Runs `openssl ARGS PATHS TAIL` and fails with its stderr.
fn openssl(args: &[&str], paths: &[&Path], tail: &[&str]) -> Result<()> {
    let mut cmd = Command::new("openssl");
    cmd.args(args).args(paths).args(tail);
    run_openssl(&mut cmd)
}

fn run_openssl(cmd: &mut Command) -> Result<()> {
    let out = cmd.output().with_context(|| format!("starting {cmd:?} (run `cargo xtask setup`)"))?;
    if !out.status.success() {
        bail!("{cmd:?} failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(())
}

/// The minimal `openssl ca` configuration: any subject, no unique-subject check, random
/// serials, extensions only from the per-certificate `-extfile`.
fn ca_config(dir: &Path) -> String {
    format!(
        "[ca]\ndefault_ca = ca_sect\n\n[ca_sect]\ndir = {}\ndatabase = $dir/index.txt\nnew_certs_dir = \
         $dir/newcerts\nserial = $dir/serial\npolicy = policy_any\nunique_subject = no\nemail_in_dn = no\ncopy_extensions = \
         none\ndefault_md = sha256\n\n[policy_any]\ncommonName = supplied\n",
        dir.display()
    )
}

fn extensions(spec: &CertSpec) -> String {
    let mut ext = String::from("[ext]\nsubjectKeyIdentifier = hash\n");
    if spec.issuer != Issuer::SelfSigned {
        ext.push_str("authorityKeyIdentifier = keyid\n");
    }
    if spec.is_ca {
        ext.push_str("basicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\n");
    } else {
        let usage = match spec.key {
            KeyType::Rsa(_) => "digitalSignature, keyEncipherment",
            KeyType::EcP256 | KeyType::EcP384 => "digitalSignature",
        };
        let _ = write!(ext, "basicConstraints = critical, CA:FALSE\nkeyUsage = critical, {usage}\n");
        ext.push_str("extendedKeyUsage = serverAuth\n");
    }
    let sans: Vec<String> = spec
        .dns_names
        .iter()
        .map(|d| format!("DNS:{d}"))
        .chain(spec.ip_addresses.iter().map(|ip| format!("IP:{ip}")))
        .collect();
    if !sans.is_empty() {
        let _ = writeln!(ext, "subjectAltName = {}", sans.join(", "));
    }
    ext
}

/// `YYYYMMDDHHMMSSZ` (GeneralizedTime, which `openssl ca -startdate` accepts) for a Unix time.
fn asn1_time(unix: u64) -> String {
    let (days, secs) = (unix / 86_400, unix % 86_400);
    let (y, m, d) = civil_from_days(i64::try_from(days).unwrap_or(0));
    format!("{y:04}{m:02}{d:02}{:02}{:02}{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asn1_time_of_known_instants() {
        assert_eq!(asn1_time(0), "19700101000000Z");
        assert_eq!(asn1_time(951_782_400), "20000229000000Z");
        assert_eq!(asn1_time(1_700_000_000), "20231114221320Z");
    }
}
