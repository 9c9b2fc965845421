//! `cargo xtask codegen [--check]`: writes `crates/mxray-core/src/registry/generated.rs`
//! from the registry data under `data/`.
//!
//! Each registry becomes a sorted `(code, name)` table and one associated constant per
//! assigned value on its newtype. Ranges, "Reserved" and "Unassigned" rows are skipped;
//! a parenthetical note after a name (`supported_groups (renamed from "elliptic_curves")`)
//! is dropped from the name. The output is passed through rustfmt, so the check compares
//! exactly what `cargo fmt` would keep.
//!
//! Besides the names, it writes one info row per value with its properties:
//!
//! - cipher suites: [`parse_suite`] derives key exchange, authentication, cipher, key bits,
//!   MAC, export, forward secrecy and versions from the IANA name
//!   (`TLS_{KX}_{AUTH}[_EXPORT|_EXPORT1024]_WITH_{CIPHER}_{MAC}` or the TLS 1.3 form
//!   `TLS_{AEAD}_{HASH}`); `data/openssl/cipher-names.csv` adds the OpenSSL names;
//!   `data/registry/cipher-suites-legacy.csv` adds code points outside the registry with
//!   their versions; `data/registry/cipher-suite-overrides.csv` sets what a name cannot
//!   tell. The rules are described in `mxray_core::registry::cipher_suite`.
//! - SSL 2.0 kinds: [`parse_sslv2_kind`] on the `SSL_CK_*` names.
//! - groups, signature schemes, extensions, alerts and compression methods: the IANA
//!   columns (Recommended, TLS 1.3, DTLS) and what the name says (group kind and size).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail, ensure};

/// Where the generated module lives, relative to the workspace root.
pub(crate) const GENERATED: &str = "crates/mxray-core/src/registry/generated.rs";

/// One registry to generate.
struct Registry {
    /// CSV files under `data/`; later files add rows to the first.
    files: &'static [&'static str],
    /// Rust newtype in `mxray_core::registry`.
    newtype: &'static str,
    /// Name of the generated `(code, name)` table.
    table: &'static str,
    /// Wire integer type.
    int: &'static str,
    /// Hex digits used to print codes.
    digits: usize,
}

const CIPHER_SUITES: Registry = Registry {
    files: &["iana/tls-parameters-4.csv"],
    newtype: "CipherSuite",
    table: "CIPHER_SUITE_NAMES",
    int: "u16",
    digits: 4,
};
const NAMED_GROUPS: Registry = Registry {
    files: &["iana/tls-parameters-8.csv"],
    newtype: "NamedGroup",
    table: "NAMED_GROUP_NAMES",
    int: "u16",
    digits: 4,
};
const SIGNATURE_SCHEMES: Registry = Registry {
    files: &["iana/tls-signaturescheme.csv", "registry/tls12-signature-algorithms.csv"],
    newtype: "SignatureScheme",
    table: "SIGNATURE_SCHEME_NAMES",
    int: "u16",
    digits: 4,
};
const EXTENSION_TYPES: Registry = Registry {
    files: &["iana/tls-extensiontype-values-1.csv"],
    newtype: "ExtensionType",
    table: "EXTENSION_TYPE_NAMES",
    int: "u16",
    digits: 4,
};
const ALERT_DESCRIPTIONS: Registry = Registry {
    files: &["iana/tls-parameters-6.csv"],
    newtype: "AlertDescription",
    table: "ALERT_DESCRIPTION_NAMES",
    int: "u8",
    digits: 2,
};
const COMPRESSION_METHODS: Registry = Registry {
    files: &["registry/compression-methods.csv"],
    newtype: "CompressionMethod",
    table: "COMPRESSION_METHOD_NAMES",
    int: "u8",
    digits: 2,
};
const SSLV2_CIPHER_KINDS: Registry = Registry {
    files: &["registry/sslv2-cipher-kinds.csv"],
    newtype: "Sslv2CipherKind",
    table: "SSLV2_CIPHER_KIND_NAMES",
    int: "u32",
    digits: 6,
};
const PROTOCOL_VERSIONS: Registry = Registry {
    files: &["registry/protocol-versions.csv"],
    newtype: "ProtocolVersion",
    table: "PROTOCOL_VERSION_NAMES",
    int: "u16",
    digits: 4,
};

const REGISTRIES: &[&Registry] = &[
    &CIPHER_SUITES,
    &NAMED_GROUPS,
    &SIGNATURE_SCHEMES,
    &EXTENSION_TYPES,
    &ALERT_DESCRIPTIONS,
    &COMPRESSION_METHODS,
    &SSLV2_CIPHER_KINDS,
    &PROTOCOL_VERSIONS,
];

/// Code points outside the IANA cipher suite registry, with their versions.
const LEGACY_SUITES: &str = "registry/cipher-suites-legacy.csv";
/// OpenSSL names of cipher suites.
const OPENSSL_NAMES: &str = "openssl/cipher-names.csv";
/// Facts about cipher suites that their names cannot tell.
const SUITE_OVERRIDES: &str = "registry/cipher-suite-overrides.csv";

/// `TLSv1.3-draft18` -> `TLSV1_3_DRAFT18`, `server_name` -> `SERVER_NAME`.
fn upper_snake(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_uppercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_').to_owned();
    if out.starts_with(|c: char| c.is_ascii_digit()) { format!("_{out}") } else { out }
}

/// Parses a registry value: `0x00,0x2F` (cipher suites), `0x0403`, or decimal `23`.
/// Returns `None` for ranges.
fn parse_value(raw: &str) -> Result<Option<u32>> {
    let raw = raw.trim();
    if raw.contains('-') || raw.contains('*') {
        return Ok(None);
    }
    if let Some((hi, lo)) = raw.split_once(',') {
        let hi = u32::from_str_radix(hi.trim().trim_start_matches("0x"), 16)?;
        let lo = u32::from_str_radix(lo.trim().trim_start_matches("0x"), 16)?;
        return Ok(Some(hi << 8 | lo));
    }
    if let Some(hex) = raw.strip_prefix("0x").or_else(|| raw.strip_prefix("0X")) {
        return Ok(Some(u32::from_str_radix(hex, 16)?));
    }
    Ok(Some(raw.parse()?))
}

/// The assigned name of a row, or `None` for reserved and unassigned rows.
fn assigned_name(description: &str) -> Option<&str> {
    let name = description.split(" (").next().unwrap_or(description).trim();
    let lower = name.to_ascii_lowercase();
    if name.is_empty() || lower.starts_with("reserved") || lower.starts_with("unassigned") {
        return None;
    }
    Some(name)
}

/// A one-word parenthetical note after the name (`connection_id (deprecated)` -> `deprecated`).
fn status_note(description: &str) -> Option<&str> {
    let (_, rest) = description.split_once(" (")?;
    let note = rest.strip_suffix(')')?;
    note.chars().all(|c| c.is_ascii_alphabetic()).then_some(note)
}

/// One assigned row of a registry file.
#[derive(Debug, Clone)]
struct Row {
    /// The name (with a status note appended when the plain name is used twice).
    name: String,
    /// The lower-cased parenthetical note, if any (`obsolete`, `deprecated`).
    note: Option<String>,
    /// The other columns by header (`Recommended`, `Reference`, `TLS 1.3`, …).
    columns: BTreeMap<String, String>,
}

impl Row {
    /// A column's trimmed value, or `""` when absent.
    fn get(&self, column: &str) -> &str {
        self.columns.get(column).map_or("", |v| v.trim())
    }
}

/// Reads the assigned rows of one CSV file (value in the first column, name in the second).
fn read_rows(data: &Path, file: &str) -> Result<BTreeMap<u32, Row>> {
    let path = data.join(file);
    let mut reader = csv::Reader::from_path(&path).with_context(|| format!("reading {}", path.display()))?;
    let headers = reader.headers()?.clone();
    let mut rows = BTreeMap::new();
    for record in reader.records() {
        let record = record.with_context(|| format!("parsing {}", path.display()))?;
        let (Some(value), Some(description)) = (record.get(0), record.get(1)) else { continue };
        let Some(name) = assigned_name(description) else { continue };
        let Some(code) = parse_value(value).with_context(|| format!("{file}: value {value:?}"))? else {
            continue;
        };
        let columns = headers.iter().zip(record.iter()).map(|(h, v)| (h.to_owned(), v.to_owned())).collect();
        let note = status_note(description).map(str::to_ascii_lowercase);
        let row = Row { name: name.to_owned(), note, columns };
        if let Some(previous) = rows.insert(code, row) {
            bail!("{file}: code {code:#x} is listed twice ({}, {name})", previous.name);
        }
    }
    ensure!(!rows.is_empty(), "{file}: no assigned rows");
    Ok(rows)
}

/// Reads one registry's assigned rows from all its files, sorted by code.
fn read_registry(data: &Path, reg: &Registry) -> Result<BTreeMap<u32, Row>> {
    let mut rows = BTreeMap::new();
    for file in reg.files {
        for (code, row) in read_rows(data, file)? {
            if let Some(previous) = rows.insert(code, row) {
                bail!("{file}: code {code:#x} is already {}", previous.name);
            }
        }
    }
    // A name reused by a later assignment (`connection_id` 53, deprecated, then 54) keeps
    // its note, so both values get a name of their own.
    let mut count = BTreeMap::new();
    for row in rows.values() {
        *count.entry(row.name.clone()).or_insert(0) += 1;
    }
    for row in rows.values_mut() {
        if count[row.name.as_str()] > 1
            && let Some(note) = &row.note
        {
            row.name = format!("{}_{note}", row.name);
        }
    }
    Ok(rows)
}

/// Writes the `(code, name)` table and the constants of one registry.
fn render_names(out: &mut String, reg: &Registry, rows: &BTreeMap<u32, Row>) -> Result<()> {
    let width = reg.digits + 2;
    writeln!(out)?;
    writeln!(out, "/// Assigned `{}` values and their registry names, sorted by value.", reg.newtype)?;
    writeln!(out, "pub static {}: &[({}, &str)] = &[", reg.table, reg.int)?;
    for (code, row) in rows {
        writeln!(out, "    ({code:#0width$x}, {:?}),", row.name)?;
    }
    writeln!(out, "];")?;
    writeln!(out)?;
    writeln!(out, "#[allow(missing_docs)]")?;
    writeln!(out, "impl {} {{", reg.newtype)?;
    let mut seen = BTreeMap::new();
    for (code, row) in rows {
        let constant = upper_snake(&row.name);
        if let Some(other) = seen.insert(constant.clone(), *code) {
            bail!("{}: constant {constant} names both {other:#x} and {code:#x}", reg.newtype);
        }
        writeln!(out, "    pub const {constant}: Self = Self({code:#0width$x});")?;
    }
    writeln!(out, "}}")?;
    Ok(())
}

/// The `Option<Recommended>` expression for a Recommended column value.
fn recommended(value: &str) -> &'static str {
    match value.trim() {
        "Y" => "Some(Recommended::Yes)",
        "N" => "Some(Recommended::No)",
        "D" => "Some(Recommended::Discouraged)",
        _ => "None",
    }
}

/// The `Versions` constant for a version name of the data files.
fn version_const(name: &str) -> Result<&'static str> {
    Ok(match name.trim() {
        "SSLv2" => "SSLV2",
        "SSLv3" => "SSLV3",
        "TLSv1.0" => "TLS1_0",
        "TLSv1.1" => "TLS1_1",
        "TLSv1.2" => "TLS1_2",
        "TLSv1.3" => "TLS1_3",
        other => bail!("unknown version {other:?}"),
    })
}

/// Parses `TLSv1.2` or `SSLv3-TLSv1.0` into `(min, max)` version constants.
fn parse_versions(text: &str) -> Result<(&'static str, &'static str)> {
    match text.split_once('-') {
        Some((min, max)) => Ok((version_const(min)?, version_const(max)?)),
        None => Ok((version_const(text)?, version_const(text)?)),
    }
}

/// The properties of a cipher suite, as the variant names of the core's enums.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Suite {
    kx: &'static str,
    auth: &'static str,
    cipher: &'static str,
    bits: u16,
    mac: &'static str,
    export: bool,
    fs: bool,
    scsv: bool,
    /// `(min, max)` version constants; `None` for SCSVs.
    versions: Option<(&'static str, &'static str)>,
}

/// True for the `BulkCipher` variants that are AEADs.
fn is_aead(cipher: &str) -> bool {
    [
        "AesGcm",
        "AesCcm",
        "AesCcm8",
        "CamelliaGcm",
        "AriaGcm",
        "ChaCha20Poly1305",
        "Sm4Gcm",
        "Sm4Ccm",
        "Aegis256",
        "Aegis128L",
        "AsconAead128",
        "KuznyechikMgmL",
        "KuznyechikMgmS",
        "MagmaMgmL",
        "MagmaMgmS",
    ]
    .contains(&cipher)
}

/// Key exchange and authentication of the part before `_WITH_` (export marker removed).
fn parse_kx_auth(kx_auth: &str) -> Result<(&'static str, &'static str)> {
    Ok(match kx_auth {
        "NULL" => ("Null", "None"),
        "RSA" | "RSA_FIPS" | "RSA_OLDFIPS" => ("Rsa", "Rsa"),
        "DH_DSS" => ("Dh", "Dss"),
        "DH_RSA" => ("Dh", "Rsa"),
        "DHE_DSS" => ("Dhe", "Dss"),
        "DHE_RSA" => ("Dhe", "Rsa"),
        "DH_anon" => ("Dhe", "None"),
        "ECDH_ECDSA" => ("Ecdh", "Ecdsa"),
        "ECDH_RSA" => ("Ecdh", "Rsa"),
        "ECDHE_ECDSA" => ("Ecdhe", "Ecdsa"),
        "ECDHE_RSA" => ("Ecdhe", "Rsa"),
        "ECDH_anon" => ("Ecdhe", "None"),
        "KRB5" => ("Krb5", "Krb5"),
        "PSK" => ("Psk", "Psk"),
        "DHE_PSK" | "PSK_DHE" => ("DhePsk", "Psk"),
        "RSA_PSK" => ("RsaPsk", "Rsa"),
        "ECDHE_PSK" => ("EcdhePsk", "Psk"),
        "SRP_SHA" => ("Srp", "Srp"),
        "SRP_SHA_RSA" => ("Srp", "Rsa"),
        "SRP_SHA_DSS" => ("Srp", "Dss"),
        "ECCPWD" => ("EcCpwd", "EcCpwd"),
        "GOSTR341094" => ("Gost", "Gost94"),
        "GOSTR341001" => ("Gost", "Gost2001"),
        "GOSTR341112_256" => ("Gost", "Gost2012"),
        "FORTEZZA_KEA" => ("Fortezza", "Fortezza"),
        other => bail!("unknown key exchange {other:?}"),
    })
}

/// The bulk cipher and its key bits from the cipher part of a name (`AES_128_GCM`).
fn parse_cipher(part: &str) -> Result<(&'static str, u16)> {
    Ok(match part {
        "NULL" => ("Null", 0),
        "RC4_40" => ("Rc4", 40),
        "RC4_56" => ("Rc4", 56),
        "RC4_128" => ("Rc4", 128),
        "RC2_CBC_40" => ("Rc2Cbc", 40),
        "RC2_CBC_56" => ("Rc2Cbc", 56),
        "IDEA_CBC" => ("IdeaCbc", 128),
        "DES40_CBC" | "DES_CBC_40" => ("DesCbc", 40),
        "DES_CBC" => ("DesCbc", 56),
        "3DES_EDE_CBC" => ("TripleDesCbc", 168),
        "SEED_CBC" => ("SeedCbc", 128),
        "FORTEZZA_CBC" => ("FortezzaCbc", 80),
        "CHACHA20_POLY1305" => ("ChaCha20Poly1305", 256),
        "28147_CNT" => ("Gost28147Cnt", 256),
        "KUZNYECHIK_CTR" => ("KuznyechikCtr", 256),
        "MAGMA_CTR" => ("MagmaCtr", 256),
        "KUZNYECHIK_MGM_L" => ("KuznyechikMgmL", 256),
        "KUZNYECHIK_MGM_S" => ("KuznyechikMgmS", 256),
        "MAGMA_MGM_L" => ("MagmaMgmL", 256),
        "MAGMA_MGM_S" => ("MagmaMgmS", 256),
        "AEGIS_256" => ("Aegis256", 256),
        "AEGIS_128L" => ("Aegis128L", 128),
        "SM4_GCM" => ("Sm4Gcm", 128),
        "SM4_CCM" => ("Sm4Ccm", 128),
        "ASCONAEAD128" => ("AsconAead128", 128),
        _ => {
            let mut it = part.splitn(3, '_');
            let (Some(alg), Some(bits), Some(mode)) = (it.next(), it.next(), it.next()) else {
                bail!("unknown cipher {part:?}")
            };
            let bits: u16 = bits.parse().with_context(|| format!("key bits of cipher {part:?}"))?;
            let cipher = match (alg, mode) {
                ("AES", "CBC") => "AesCbc",
                ("AES", "GCM") => "AesGcm",
                ("AES", "CCM") => "AesCcm",
                ("AES", "CCM_8") => "AesCcm8",
                ("CAMELLIA", "CBC") => "CamelliaCbc",
                ("CAMELLIA", "GCM") => "CamelliaGcm",
                ("ARIA", "CBC") => "AriaCbc",
                ("ARIA", "GCM") => "AriaGcm",
                _ => bail!("unknown cipher {part:?}"),
            };
            (cipher, bits)
        }
    })
}

/// The MAC suffixes of `_WITH_` names, longest first, with their `Mac` variant.
const MAC_SUFFIXES: &[(&str, &str)] = &[
    ("_SHA256", "Sha256"),
    ("_SHA384", "Sha384"),
    ("_SHA", "Sha1"),
    ("_MD5", "Md5"),
    ("_OMAC", "Omac"),
    ("_IMIT", "Gost28147Imit"),
    ("_GOSTR3411", "Gostr341194"),
    ("_NULL", "Null"),
];

/// The hash suffixes of TLS 1.3 names.
const HASH_SUFFIXES: &[(&str, &str)] = &[
    ("_SHA256", "Sha256"),
    ("_SHA384", "Sha384"),
    ("_SHA512", "Sha512"),
    ("_SM3", "Sm3"),
    ("_ASCONHASH256", "AsconHash256"),
];

/// Derives a cipher suite's properties from its IANA (or IANA-style legacy) name.
fn parse_suite(name: &str) -> Result<Suite> {
    let base = name
        .strip_prefix("TLS_")
        .or_else(|| name.strip_prefix("SSL_"))
        .with_context(|| format!("{name}: not a TLS_/SSL_ name"))?;
    let base = base.strip_suffix("_OLD").unwrap_or(base);
    if base.ends_with("_SCSV") {
        return Ok(Suite {
            kx: "Null",
            auth: "None",
            cipher: "Null",
            bits: 0,
            mac: "Null",
            export: false,
            fs: false,
            scsv: true,
            versions: None,
        });
    }
    let Some((kx_auth, rest)) = base.split_once("_WITH_") else {
        return parse_tls13_suite(name, base);
    };
    let (kx_auth, export) =
        match kx_auth.strip_suffix("_EXPORT1024").or_else(|| kx_auth.strip_suffix("_EXPORT")) {
            Some(kx_auth) => (kx_auth, true),
            None => (kx_auth, false),
        };
    let (kx, auth) = parse_kx_auth(kx_auth).with_context(|| name.to_owned())?;
    let (cipher_part, mac) = MAC_SUFFIXES
        .iter()
        .find_map(|(suffix, mac)| rest.strip_suffix(suffix).map(|c| (c, *mac)))
        .unwrap_or((rest, "Aead"));
    let (cipher, bits) = parse_cipher(cipher_part).with_context(|| name.to_owned())?;
    let aead = is_aead(cipher);
    ensure!(aead || mac != "Aead", "{name}: no MAC for a non-AEAD cipher");
    let mac = if aead { "Aead" } else { mac };
    let sslv3 = ["Null", "Rsa", "Dh", "Dhe"].contains(&kx) && ["Null", "Md5", "Sha1"].contains(&mac);
    let min = if sslv3 { "SSLV3" } else { "TLS1_0" };
    // RFC 5487 §4 and RFC 5489 §3.2: the AES-CBC and NULL PSK suites with SHA-256/384 run
    // in TLS 1.0 and 1.1 too, with that version's PRF.
    let psk_sha2 =
        ["Psk", "DhePsk", "RsaPsk", "EcdhePsk"].contains(&kx) && ["AesCbc", "Null"].contains(&cipher);
    let versions = if psk_sha2 && (mac == "Sha256" || mac == "Sha384") {
        ("TLS1_0", "TLS1_2")
    } else if aead || mac == "Sha256" || mac == "Sha384" {
        ("TLS1_2", "TLS1_2")
    } else if export {
        (min, "TLS1_0")
    } else {
        (min, "TLS1_2")
    };
    let fs = ["Dhe", "Ecdhe", "DhePsk", "EcdhePsk"].contains(&kx) && auth != "None";
    Ok(Suite { kx, auth, cipher, bits, mac, export, fs, scsv: false, versions: Some(versions) })
}

/// Derives the properties of a TLS 1.3-form name (`AES_128_GCM_SHA256`, `SHA256_SHA256`).
fn parse_tls13_suite(name: &str, base: &str) -> Result<Suite> {
    let (cipher_part, hash) = HASH_SUFFIXES
        .iter()
        .find_map(|(suffix, hash)| base.strip_suffix(suffix).map(|c| (c, *hash)))
        .with_context(|| format!("{name}: no hash"))?;
    let (cipher, bits, mac) = match cipher_part {
        // RFC 9150 integrity-only suites: HMAC with the hash, no encryption.
        "SHA256" | "SHA384" => ("Null", 0, hash),
        _ => {
            let (cipher, bits) = parse_cipher(cipher_part).with_context(|| name.to_owned())?;
            ensure!(is_aead(cipher), "{name}: TLS 1.3 suites are AEADs");
            (cipher, bits, "Aead")
        }
    };
    Ok(Suite {
        kx: "Any",
        auth: "Any",
        cipher,
        bits,
        mac,
        export: false,
        fs: true,
        scsv: false,
        versions: Some(("TLS1_3", "TLS1_3")),
    })
}

/// Derives an SSL 2.0 kind's properties from its `SSL_CK_*` name.
fn parse_sslv2_kind(name: &str) -> Result<Suite> {
    let part = name
        .strip_prefix("SSL_CK_")
        .and_then(|n| n.strip_suffix("_WITH_MD5"))
        .with_context(|| format!("{name}: not SSL_CK_*_WITH_MD5"))?;
    let (part, export) = match part.strip_suffix("_EXPORT40") {
        Some(part) => (part, true),
        None => (part, false),
    };
    let (cipher, bits) = match part {
        "RC4_128" => ("Rc4", 128),
        "RC4_64" => ("Rc4", 64),
        "RC2_128_CBC" => ("Rc2Cbc", 128),
        "IDEA_128_CBC" => ("IdeaCbc", 128),
        "DES_64_CBC" => ("DesCbc", 56),
        "DES_192_EDE3_CBC" => ("TripleDesCbc", 168),
        _ => bail!("{name}: unknown SSL 2.0 cipher"),
    };
    Ok(Suite {
        kx: "Rsa",
        auth: "Rsa",
        cipher,
        bits: if export { 40 } else { bits },
        mac: "Md5",
        export,
        fs: false,
        scsv: false,
        versions: Some(("SSLV2", "SSLV2")),
    })
}

/// Applies one override row (`versions`, `forward_secrecy`, `mac`) to a suite.
fn apply_override(suite: &mut Suite, field: &str, setting: &str) -> Result<()> {
    match field {
        "versions" => {
            let versions = parse_versions(setting)?;
            suite.versions = Some(versions);
            if versions == ("TLS1_3", "TLS1_3") {
                // TLS 1.3 negotiates key exchange and authentication separately.
                (suite.kx, suite.auth, suite.fs) = ("Any", "Any", true);
            }
        }
        "forward_secrecy" => suite.fs = setting == "Y",
        "mac" => {
            suite.mac = MAC_SUFFIXES
                .iter()
                .map(|(_, mac)| *mac)
                .chain(["Gostr341112", "Null", "Aead"])
                .find(|mac| *mac == setting)
                .with_context(|| format!("unknown MAC {setting:?}"))?;
        }
        other => bail!("unknown override field {other:?}"),
    }
    Ok(())
}

/// One cipher info row before rendering.
struct SuiteRow {
    code: u32,
    name: String,
    openssl: Option<String>,
    source: &'static str,
    recommended: &'static str,
    reference: String,
    suite: Suite,
}

/// Reads `data/openssl/cipher-names.csv`: code -> OpenSSL name.
fn read_openssl_names(data: &Path) -> Result<BTreeMap<u32, String>> {
    let path = data.join(OPENSSL_NAMES);
    let mut reader = csv::Reader::from_path(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut names = BTreeMap::new();
    for record in reader.records() {
        let record = record?;
        let code = parse_value(&record[0])?.with_context(|| format!("{OPENSSL_NAMES}: {:?}", &record[0]))?;
        if names.insert(code, record[1].to_owned()).is_some() {
            bail!("{OPENSSL_NAMES}: {code:#06x} is listed twice");
        }
    }
    Ok(names)
}

/// Builds the TLS cipher info rows: IANA, then legacy, then overrides and OpenSSL names.
fn suite_rows(data: &Path, iana: &BTreeMap<u32, Row>) -> Result<Vec<SuiteRow>> {
    let mut rows = BTreeMap::new();
    for (&code, row) in iana {
        let suite = parse_suite(&row.name)?;
        rows.insert(
            code,
            SuiteRow {
                code,
                name: row.name.clone(),
                openssl: None,
                source: "Iana",
                recommended: recommended(row.get("Recommended")),
                reference: row.get("Reference").to_owned(),
                suite,
            },
        );
    }
    for (code, row) in read_rows(data, LEGACY_SUITES)? {
        let mut suite = parse_suite(&row.name)?;
        suite.versions = Some(parse_versions(row.get("Versions")).with_context(|| row.name.clone())?);
        let openssl = Some(row.get("OpenSSL").to_owned()).filter(|o| !o.is_empty());
        let legacy = SuiteRow {
            code,
            name: row.name.clone(),
            openssl,
            source: "Legacy",
            recommended: "None",
            reference: row.get("Reference").to_owned(),
            suite,
        };
        if let Some(previous) = rows.insert(code, legacy) {
            bail!("{LEGACY_SUITES}: {code:#06x} is already IANA's {}", previous.name);
        }
    }
    for (code, name) in read_openssl_names(data)? {
        let row =
            rows.get_mut(&code).with_context(|| format!("{OPENSSL_NAMES}: {code:#06x} has no suite"))?;
        ensure!(row.openssl.is_none(), "{OPENSSL_NAMES}: {code:#06x} already has an OpenSSL name");
        row.openssl = Some(name);
    }
    let path = data.join(SUITE_OVERRIDES);
    let mut reader = csv::Reader::from_path(&path).with_context(|| format!("reading {}", path.display()))?;
    for record in reader.records() {
        let record = record?;
        let code =
            parse_value(&record[0])?.with_context(|| format!("{SUITE_OVERRIDES}: {:?}", &record[0]))?;
        let row =
            rows.get_mut(&code).with_context(|| format!("{SUITE_OVERRIDES}: {code:#06x} has no suite"))?;
        apply_override(&mut row.suite, &record[1], &record[2])
            .with_context(|| format!("{SUITE_OVERRIDES}: {code:#06x}"))?;
    }
    Ok(rows.into_values().collect())
}

/// Writes one `CipherSuiteInfo` literal.
fn render_suite(out: &mut String, code: &str, row: &SuiteRow) -> Result<()> {
    let s = &row.suite;
    let versions = match s.versions {
        Some((min, max)) if min == max => format!("Versions::{min}"),
        Some((min, max)) => format!("Versions::range(Versions::{min}, Versions::{max})"),
        None => "Versions::NONE".to_owned(),
    };
    writeln!(
        out,
        "    CipherSuiteInfo {{ code: {code}, name: {:?}, openssl: {:?}, source: Source::{}, \
         recommended: {}, versions: {versions}, kx: KeyExchange::{}, auth: Authentication::{}, \
         cipher: BulkCipher::{}, key_bits: {}, mac: Mac::{}, export: {}, forward_secrecy: {}, \
         scsv: {}, reference: {:?} }},",
        row.name,
        row.openssl,
        row.source,
        row.recommended,
        s.kx,
        s.auth,
        s.cipher,
        s.bits,
        s.mac,
        s.export,
        s.fs,
        s.scsv,
        row.reference,
    )?;
    Ok(())
}

/// Writes the cipher suite and SSL 2.0 info tables.
fn render_cipher_info(out: &mut String, data: &Path, iana: &BTreeMap<u32, Row>) -> Result<()> {
    writeln!(out)?;
    writeln!(out, "/// Properties of every IANA-assigned and legacy cipher suite, sorted by code.")?;
    writeln!(out, "pub static CIPHER_SUITE_INFO: &[CipherSuiteInfo] = &[")?;
    for row in suite_rows(data, iana)? {
        render_suite(out, &format!("CipherCode::Tls(CipherSuite({:#06x}))", row.code), &row)?;
    }
    writeln!(out, "];")?;
    writeln!(out)?;
    writeln!(out, "/// Properties of the SSL 2.0 cipher kinds, sorted by code.")?;
    writeln!(out, "pub static SSLV2_CIPHER_KIND_INFO: &[CipherSuiteInfo] = &[")?;
    for (code, row) in read_registry(data, &SSLV2_CIPHER_KINDS)? {
        let openssl = Some(row.get("OpenSSL").to_owned()).filter(|o| !o.is_empty());
        let kind = SuiteRow {
            code,
            suite: parse_sslv2_kind(&row.name)?,
            openssl,
            source: "Sslv2",
            recommended: "None",
            reference: row.get("Reference").to_owned(),
            name: row.name,
        };
        render_suite(out, &format!("CipherCode::Sslv2(Sslv2CipherKind({code:#08x}))"), &kind)?;
    }
    writeln!(out, "];")?;
    Ok(())
}

/// Group kind and size in bits, from the group's name.
fn group_kind(name: &str) -> (&'static str, Option<u16>) {
    let digits = |s: &str| -> Option<u16> {
        let run: String =
            s.chars().skip_while(|c| !c.is_ascii_digit()).take_while(char::is_ascii_digit).collect();
        run.parse().ok()
    };
    if name.starts_with("ffdhe") {
        ("Ffdhe", digits(name))
    } else if name.starts_with("MLKEM") {
        ("Pq", None)
    } else if name.contains("MLKEM") || name.contains("Kyber") {
        ("HybridPq", None)
    } else if name == "x25519" {
        ("EcCurve", Some(255))
    } else if name == "curveSM2" {
        ("EcCurve", Some(256))
    } else {
        ("EcCurve", digits(name))
    }
}

/// Parses the IANA "TLS 1.3" column (`CH, EE, CR`, `-`) into a `Tls13Messages` bit set.
fn tls13_messages(column: &str) -> Result<u8> {
    let mut bits = 0;
    for abbreviation in column.split(',').map(str::trim).filter(|a| !a.is_empty() && *a != "-") {
        bits |= match abbreviation {
            "CH" => 1,
            "SH" => 2,
            "HRR" => 4,
            "EE" => 8,
            "CT" => 16,
            "CR" => 32,
            "NST" => 64,
            other => bail!("unknown TLS 1.3 message {other:?}"),
        };
    }
    Ok(bits)
}

/// Writes the info tables of the other registries.
fn render_param_info(out: &mut String, data: &Path) -> Result<()> {
    writeln!(out)?;
    writeln!(out, "/// Properties of every assigned supported group, sorted by code.")?;
    writeln!(out, "pub static NAMED_GROUP_INFO: &[NamedGroupInfo] = &[")?;
    for (code, row) in read_registry(data, &NAMED_GROUPS)? {
        let (kind, bits) = group_kind(&row.name);
        writeln!(
            out,
            "    NamedGroupInfo {{ group: NamedGroup({code:#06x}), name: {:?}, kind: GroupKind::{kind}, bits: {bits:?}, \
             recommended: {}, obsolete: {} }},",
            row.name,
            recommended(row.get("Recommended")),
            row.note.as_deref() == Some("obsolete"),
        )?;
    }
    writeln!(out, "];")?;
    writeln!(out)?;
    writeln!(out, "/// Properties of every assigned signature scheme and TLS 1.2 pair, sorted by code.")?;
    writeln!(out, "pub static SIGNATURE_SCHEME_INFO: &[SignatureSchemeInfo] = &[")?;
    let pairs = read_rows(data, SIGNATURE_SCHEMES.files[1])?;
    for (code, row) in read_registry(data, &SIGNATURE_SCHEMES)? {
        writeln!(
            out,
            "    SignatureSchemeInfo {{ scheme: SignatureScheme({code:#06x}), name: {:?}, recommended: {}, tls12_pair: {} }},",
            row.name,
            recommended(row.get("Recommended")),
            pairs.contains_key(&code),
        )?;
    }
    writeln!(out, "];")?;
    writeln!(out)?;
    writeln!(out, "/// Properties of every assigned extension type, sorted by code.")?;
    writeln!(out, "pub static EXTENSION_TYPE_INFO: &[ExtensionTypeInfo] = &[")?;
    for (code, row) in read_registry(data, &EXTENSION_TYPES)? {
        let messages = tls13_messages(row.get("TLS 1.3")).with_context(|| row.name.clone())?;
        writeln!(
            out,
            "    ExtensionTypeInfo {{ extension: ExtensionType({code:#06x}), name: {:?}, tls13: Tls13Messages({messages:#04x}), \
             recommended: {}, dtls_only: {} }},",
            row.name,
            recommended(row.get("Recommended")),
            row.get("DTLS-Only") == "Y",
        )?;
    }
    writeln!(out, "];")?;
    writeln!(out)?;
    writeln!(out, "/// Properties of every assigned alert description, sorted by code.")?;
    writeln!(out, "pub static ALERT_DESCRIPTION_INFO: &[AlertDescriptionInfo] = &[")?;
    for (code, row) in read_registry(data, &ALERT_DESCRIPTIONS)? {
        writeln!(
            out,
            "    AlertDescriptionInfo {{ alert: AlertDescription({code:#04x}), name: {:?}, reserved: {}, dtls_ok: {} }},",
            row.name,
            row.name.ends_with("_RESERVED"),
            row.get("DTLS-OK") == "Y",
        )?;
    }
    writeln!(out, "];")?;
    writeln!(out)?;
    writeln!(out, "/// Properties of every assigned compression method, sorted by code.")?;
    writeln!(out, "pub static COMPRESSION_METHOD_INFO: &[CompressionMethodInfo] = &[")?;
    for (code, row) in read_registry(data, &COMPRESSION_METHODS)? {
        writeln!(
            out,
            "    CompressionMethodInfo {{ method: CompressionMethod({code:#04x}), name: {:?}, compresses: {} }},",
            row.name,
            row.name != "NULL",
        )?;
    }
    writeln!(out, "];")?;
    Ok(())
}

/// Renders the whole generated module (before rustfmt).
fn render(data: &Path) -> Result<String> {
    let mut out = String::new();
    writeln!(out, "//! Registry tables generated by `cargo xtask codegen` from `data/`. Do not edit.")?;
    writeln!(out)?;
    writeln!(
        out,
        "use super::cipher_suite::{{Authentication, BulkCipher, CipherCode, CipherSuiteInfo, KeyExchange, Mac, \
         Recommended, Source, Versions}};"
    )?;
    writeln!(
        out,
        "use super::params::{{AlertDescriptionInfo, CompressionMethodInfo, ExtensionTypeInfo, GroupKind, \
         NamedGroupInfo, SignatureSchemeInfo, Tls13Messages}};"
    )?;
    writeln!(out, "use super::{{{}}};", REGISTRIES.iter().map(|r| r.newtype).collect::<Vec<_>>().join(", "))?;
    let mut iana_suites = BTreeMap::new();
    for reg in REGISTRIES {
        let rows = read_registry(data, reg)?;
        render_names(&mut out, reg, &rows)?;
        if reg.newtype == CIPHER_SUITES.newtype {
            iana_suites = rows;
        }
    }
    render_cipher_info(&mut out, data, &iana_suites)?;
    render_param_info(&mut out, data)?;
    Ok(out)
}

/// Formats Rust source with rustfmt, using the workspace's `rustfmt.toml`.
fn rustfmt(root: &Path, source: &str) -> Result<String> {
    use std::io::Write as _;
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--config-path"])
        .arg(root.join("rustfmt.toml"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("running rustfmt")?;
    child.stdin.take().context("rustfmt stdin")?.write_all(source.as_bytes())?;
    let output = child.wait_with_output()?;
    ensure!(output.status.success(), "rustfmt failed on the generated registry");
    Ok(String::from_utf8(output.stdout)?)
}

/// The generated module as it should be now.
pub(crate) fn expected(root: &Path) -> Result<String> {
    rustfmt(root, &render(&root.join("data"))?)
}

/// Writes the generated module, or with `check` fails if the file on disk differs.
pub(crate) fn run(root: &Path, check: bool) -> Result<()> {
    let want = expected(root)?;
    let path = root.join(GENERATED);
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    if have == want {
        println!("{GENERATED} is up to date");
        return Ok(());
    }
    if check {
        bail!("{GENERATED} is stale: run `cargo xtask codegen`");
    }
    std::fs::write(&path, want).with_context(|| format!("writing {}", path.display()))?;
    println!("wrote {GENERATED}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_constants() {
        let table = [
            ("server_name", "SERVER_NAME"),
            ("TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256"),
            ("TLSv1.3-draft18", "TLSV1_3_DRAFT18"),
            ("X25519MLKEM768", "X25519MLKEM768"),
            ("ecdsa_brainpoolP256r1tls13_sha256", "ECDSA_BRAINPOOLP256R1TLS13_SHA256"),
        ];
        for (name, constant) in table {
            assert_eq!(upper_snake(name), constant);
        }
    }

    #[test]
    fn values_parse_in_every_registry_notation() {
        assert_eq!(parse_value("\"0xC0,0x2F\"".trim_matches('"')).unwrap(), Some(0xc02f));
        assert_eq!(parse_value("0x0403").unwrap(), Some(0x0403));
        assert_eq!(parse_value("23").unwrap(), Some(23));
        assert_eq!(parse_value("0x00,0x1C-1D").unwrap(), None);
        assert_eq!(parse_value("508-511").unwrap(), None);
    }

    #[test]
    fn notes_and_reserved_rows_are_handled() {
        assert_eq!(
            assigned_name("supported_groups (renamed from \"elliptic_curves\")"),
            Some("supported_groups")
        );
        assert_eq!(assigned_name("X25519Kyber768Draft00 (OBSOLETE)"), Some("X25519Kyber768Draft00"));
        assert_eq!(assigned_name("Reserved for Private Use"), None);
        assert_eq!(assigned_name("Unassigned"), None);
    }

    #[test]
    fn generated_registry_is_fresh() {
        let root = crate::root();
        let want = expected(&root).expect("generating the registry");
        let have = std::fs::read_to_string(root.join(GENERATED)).unwrap_or_default();
        assert!(have == want, "{GENERATED} is stale: run `cargo xtask codegen`");
    }

    /// `(name, kx, auth, cipher, bits, mac, export, fs, versions)`.
    #[allow(clippy::type_complexity)]
    const SUITES: &[(&str, &str, &str, &str, u16, &str, bool, bool, (&str, &str))] = &[
        ("TLS_NULL_WITH_NULL_NULL", "Null", "None", "Null", 0, "Null", false, false, ("SSLV3", "TLS1_2")),
        ("TLS_RSA_EXPORT_WITH_RC4_40_MD5", "Rsa", "Rsa", "Rc4", 40, "Md5", true, false, ("SSLV3", "TLS1_0")),
        (
            "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
            "Rsa",
            "Rsa",
            "TripleDesCbc",
            168,
            "Sha1",
            false,
            false,
            ("SSLV3", "TLS1_2"),
        ),
        (
            "TLS_DH_anon_WITH_AES_128_CBC_SHA",
            "Dhe",
            "None",
            "AesCbc",
            128,
            "Sha1",
            false,
            false,
            ("SSLV3", "TLS1_2"),
        ),
        (
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "Ecdhe",
            "Rsa",
            "AesGcm",
            128,
            "Aead",
            false,
            true,
            ("TLS1_2", "TLS1_2"),
        ),
        (
            "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
            "Ecdhe",
            "Ecdsa",
            "AesCbc",
            256,
            "Sha384",
            false,
            true,
            ("TLS1_2", "TLS1_2"),
        ),
        (
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
            "Ecdhe",
            "Rsa",
            "AesCbc",
            128,
            "Sha1",
            false,
            true,
            ("TLS1_0", "TLS1_2"),
        ),
        (
            "TLS_KRB5_EXPORT_WITH_DES_CBC_40_SHA",
            "Krb5",
            "Krb5",
            "DesCbc",
            40,
            "Sha1",
            true,
            false,
            ("TLS1_0", "TLS1_0"),
        ),
        (
            "TLS_PSK_DHE_WITH_AES_128_CCM_8",
            "DhePsk",
            "Psk",
            "AesCcm8",
            128,
            "Aead",
            false,
            true,
            ("TLS1_2", "TLS1_2"),
        ),
        (
            "TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA",
            "Srp",
            "Rsa",
            "AesCbc",
            128,
            "Sha1",
            false,
            false,
            ("TLS1_0", "TLS1_2"),
        ),
        (
            "TLS_RSA_EXPORT1024_WITH_RC4_56_SHA",
            "Rsa",
            "Rsa",
            "Rc4",
            56,
            "Sha1",
            true,
            false,
            ("SSLV3", "TLS1_0"),
        ),
        ("TLS_AES_128_CCM_8_SHA256", "Any", "Any", "AesCcm8", 128, "Aead", false, true, ("TLS1_3", "TLS1_3")),
        ("TLS_SHA384_SHA384", "Any", "Any", "Null", 0, "Sha384", false, true, ("TLS1_3", "TLS1_3")),
        ("TLS_SM4_GCM_SM3", "Any", "Any", "Sm4Gcm", 128, "Aead", false, true, ("TLS1_3", "TLS1_3")),
        (
            "TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC",
            "Gost",
            "Gost2012",
            "KuznyechikCtr",
            256,
            "Omac",
            false,
            false,
            ("TLS1_0", "TLS1_2"),
        ),
        (
            "TLS_GOSTR341001_WITH_NULL_GOSTR3411",
            "Gost",
            "Gost2001",
            "Null",
            0,
            "Gostr341194",
            false,
            false,
            ("TLS1_0", "TLS1_2"),
        ),
        (
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256_OLD",
            "Ecdhe",
            "Rsa",
            "ChaCha20Poly1305",
            256,
            "Aead",
            false,
            true,
            ("TLS1_2", "TLS1_2"),
        ),
        (
            "SSL_FORTEZZA_KEA_WITH_FORTEZZA_CBC_SHA",
            "Fortezza",
            "Fortezza",
            "FortezzaCbc",
            80,
            "Sha1",
            false,
            false,
            ("TLS1_0", "TLS1_2"),
        ),
    ];

    #[test]
    fn suite_names_parse_into_properties() {
        for &(name, kx, auth, cipher, bits, mac, export, fs, versions) in SUITES {
            let want =
                Suite { kx, auth, cipher, bits, mac, export, fs, scsv: false, versions: Some(versions) };
            assert_eq!(parse_suite(name).unwrap(), want, "{name}");
        }
        assert!(parse_suite("TLS_FALLBACK_SCSV").unwrap().scsv);
        assert!(parse_suite("TLS_FOO_WITH_AES_128_CBC_SHA").is_err());
        assert!(parse_suite("TLS_RSA_WITH_AES_128_CBC").is_err(), "a CBC suite needs a MAC");
    }

    #[test]
    fn sslv2_kinds_parse_into_properties() {
        let kind = parse_sslv2_kind("SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5").unwrap();
        assert_eq!(
            (kind.cipher, kind.bits, kind.export, kind.versions),
            ("Rc2Cbc", 40, true, Some(("SSLV2", "SSLV2")))
        );
        let kind = parse_sslv2_kind("SSL_CK_DES_192_EDE3_CBC_WITH_MD5").unwrap();
        assert_eq!((kind.cipher, kind.bits, kind.export), ("TripleDesCbc", 168, false));
    }

    #[test]
    fn group_kinds_and_sizes_come_from_names() {
        let table = [
            ("secp256r1", ("EcCurve", Some(256))),
            ("sect571k1", ("EcCurve", Some(571))),
            ("brainpoolP384r1tls13", ("EcCurve", Some(384))),
            ("x25519", ("EcCurve", Some(255))),
            ("x448", ("EcCurve", Some(448))),
            ("ffdhe3072", ("Ffdhe", Some(3072))),
            ("X25519MLKEM768", ("HybridPq", None)),
            ("MLKEM1024", ("Pq", None)),
            ("arbitrary_explicit_prime_curves", ("EcCurve", None)),
        ];
        for (name, want) in table {
            assert_eq!(group_kind(name), want, "{name}");
        }
    }

    #[test]
    fn tls13_message_columns_parse() {
        assert_eq!(tls13_messages("CH, EE, CR").unwrap(), 1 | 8 | 32);
        assert_eq!(tls13_messages("CH,SH,HRR,EE,CR,CT,NST").unwrap(), 127);
        assert_eq!(tls13_messages("-").unwrap(), 0);
        assert!(tls13_messages("XX").is_err());
    }
}
