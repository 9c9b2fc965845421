//! `cargo xtask codegen [--check]`: writes `crates/mxray-core/src/registry/generated.rs`
//! from the registry data under `data/`.
//!
//! Each registry becomes a sorted `(code, name)` table and one associated constant per
//! assigned value on its newtype. Ranges, "Reserved" and "Unassigned" rows are skipped;
//! a parenthetical note after a name (`supported_groups (renamed from "elliptic_curves")`)
//! is dropped from the name. The output is passed through rustfmt, so the check compares
//! exactly what `cargo fmt` would keep.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail, ensure};

/// Where the generated module lives, relative to the workspace root.
pub(crate) const GENERATED: &str = "crates/mxray-core/src/registry/generated.rs";

/// One registry to generate.
struct Registry {
    /// CSV file under `data/`.
    file: &'static str,
    /// Rust newtype in `mxray_core::registry`.
    newtype: &'static str,
    /// Name of the generated `(code, name)` table.
    table: &'static str,
    /// Wire integer type.
    int: &'static str,
    /// Hex digits used to print codes.
    digits: usize,
    /// How to turn a registry name into a constant name.
    constant: fn(&str) -> String,
}

const REGISTRIES: &[Registry] = &[
    Registry {
        file: "iana/tls-parameters-4.csv",
        newtype: "CipherSuite",
        table: "CIPHER_SUITE_NAMES",
        int: "u16",
        digits: 4,
        constant: upper_snake,
    },
    Registry {
        file: "iana/tls-parameters-8.csv",
        newtype: "NamedGroup",
        table: "NAMED_GROUP_NAMES",
        int: "u16",
        digits: 4,
        constant: upper_snake,
    },
    Registry {
        file: "iana/tls-signaturescheme.csv",
        newtype: "SignatureScheme",
        table: "SIGNATURE_SCHEME_NAMES",
        int: "u16",
        digits: 4,
        constant: upper_snake,
    },
    Registry {
        file: "iana/tls-extensiontype-values-1.csv",
        newtype: "ExtensionType",
        table: "EXTENSION_TYPE_NAMES",
        int: "u16",
        digits: 4,
        constant: upper_snake,
    },
    Registry {
        file: "iana/tls-parameters-6.csv",
        newtype: "AlertDescription",
        table: "ALERT_DESCRIPTION_NAMES",
        int: "u8",
        digits: 2,
        constant: upper_snake,
    },
    Registry {
        file: "registry/compression-methods.csv",
        newtype: "CompressionMethod",
        table: "COMPRESSION_METHOD_NAMES",
        int: "u8",
        digits: 2,
        constant: upper_snake,
    },
    Registry {
        file: "registry/sslv2-cipher-kinds.csv",
        newtype: "Sslv2CipherKind",
        table: "SSLV2_CIPHER_KIND_NAMES",
        int: "u32",
        digits: 6,
        constant: upper_snake,
    },
    Registry {
        file: "registry/protocol-versions.csv",
        newtype: "ProtocolVersion",
        table: "PROTOCOL_VERSION_NAMES",
        int: "u16",
        digits: 4,
        constant: upper_snake,
    },
];

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
    if raw.contains('-') {
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

/// Reads one registry's assigned `(code, name)` rows, sorted by code.
fn read_registry(data: &Path, reg: &Registry) -> Result<BTreeMap<u32, String>> {
    let path = data.join(reg.file);
    let mut reader = csv::Reader::from_path(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut rows = BTreeMap::new();
    let mut notes = BTreeMap::new();
    for record in reader.records() {
        let record = record.with_context(|| format!("parsing {}", path.display()))?;
        let (Some(value), Some(description)) = (record.get(0), record.get(1)) else { continue };
        let Some(name) = assigned_name(description) else { continue };
        let Some(code) = parse_value(value).with_context(|| format!("{}: value {value:?}", reg.file))? else {
            continue;
        };
        if let Some(previous) = rows.insert(code, name.to_owned()) {
            bail!("{}: code {code:#x} is listed twice ({previous}, {name})", reg.file);
        }
        if let Some(note) = status_note(description) {
            notes.insert(code, note.to_ascii_lowercase());
        }
    }
    ensure!(!rows.is_empty(), "{}: no assigned rows", reg.file);
    // A name reused by a later assignment (`connection_id` 53, deprecated, then 54) keeps
    // its note, so both values get a name of their own.
    let mut count = BTreeMap::new();
    for name in rows.values() {
        *count.entry(name.clone()).or_insert(0) += 1;
    }
    for (code, name) in &mut rows {
        if count[name.as_str()] > 1
            && let Some(note) = notes.get(code)
        {
            *name = format!("{name}_{note}");
        }
    }
    Ok(rows)
}

/// Renders the whole generated module (before rustfmt).
fn render(data: &Path) -> Result<String> {
    let mut out = String::new();
    writeln!(out, "//! Registry tables generated by `cargo xtask codegen` from `data/`. Do not edit.")?;
    writeln!(out)?;
    writeln!(out, "use super::{{{}}};", REGISTRIES.iter().map(|r| r.newtype).collect::<Vec<_>>().join(", "))?;
    for reg in REGISTRIES {
        let rows = read_registry(data, reg)?;
        let width = reg.digits + 2;
        writeln!(out)?;
        writeln!(out, "/// Assigned `{}` values and their registry names, sorted by value.", reg.newtype)?;
        writeln!(out, "pub static {}: &[({}, &str)] = &[", reg.table, reg.int)?;
        for (code, name) in &rows {
            writeln!(out, "    ({code:#0width$x}, {name:?}),")?;
        }
        writeln!(out, "];")?;
        writeln!(out)?;
        writeln!(out, "#[allow(missing_docs)]")?;
        writeln!(out, "impl {} {{", reg.newtype)?;
        let mut seen = BTreeMap::new();
        for (code, name) in &rows {
            let constant = (reg.constant)(name);
            if let Some(other) = seen.insert(constant.clone(), *code) {
                bail!("{}: constant {constant} names both {other:#x} and {code:#x}", reg.file);
            }
            writeln!(out, "    pub const {constant}: Self = Self({code:#0width$x});")?;
        }
        writeln!(out, "}}")?;
    }
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
        assert_eq!(assigned_name("supported_groups (renamed from \"elliptic_curves\")"), Some("supported_groups"));
        assert_eq!(assigned_name("X25519Kyber768Draft00 (OBSOLETE)"), Some("X25519Kyber768Draft00"));
        assert_eq!(assigned_name("Reserved for Private Use"), None);
        assert_eq!(assigned_name("Unassigned"), None);
    }
}
