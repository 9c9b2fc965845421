//! `mxray ciphers [--json] [FILTER...]`: the cipher suite table.
//!
//! Terminal output is aligned columns like `openssl ciphers -V`, with the IANA and OpenSSL
//! names side by side: code, IANA name, OpenSSL name, versions, Kx, Au, Enc(bits), Mac and
//! flags (`export`, `FS`, `AEAD`, `scsv`, `legacy`, `rec=Y/N/D`). `--json` prints an array
//! of the same rows (`mxray_core::registry::CipherRow`). Unknown codes asked for by hex are
//! printed as unknown rows, never dropped.

use std::io::Write;

use anyhow::{Context, Result};
use mxray_core::registry::{CipherFilter, CipherRow, Source, select_ciphers};

use crate::UsageError;

/// Arguments of `mxray ciphers`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Print a JSON array instead of a table.
    #[arg(long)]
    json: bool,

    /// Select rows: a name or part of one (`TLS_ECDHE`, `DES-CBC3-SHA`), a code (`0xC02F`,
    /// `C02F`, `0xC0,0x2F`, `0x0700C0`) or a property (`export`, `aead`, `cbc`, `stream`,
    /// `null`, `anon`, `fs`, `rc4`, `3des`, `scsv`, `legacy`, `recommended`, `sslv2`, `sslv3`,
    /// `tls10`, `tls11`, `tls12`, `tls13`). Several terms must all match; several codes
    /// select all of them.
    #[arg(value_name = "FILTER")]
    filters: Vec<String>,
}

/// Runs `mxray ciphers`, writing to `out`.
pub(crate) fn run(args: &Args, out: &mut impl Write) -> Result<()> {
    let filters = args
        .filters
        .iter()
        .flat_map(|f| f.split_whitespace())
        .map(|term| CipherFilter::parse(term).map_err(|e| UsageError(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let rows = select_ciphers(&filters);
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &rows).context("writing JSON")?;
        writeln!(out)?;
    } else {
        write_table(out, &rows)?;
    }
    out.flush()?;
    Ok(())
}

/// The cells of one row of the table.
fn cells(row: &CipherRow) -> [String; 9] {
    let Some(info) = row.info else {
        let what = if row.is_grease() { "GREASE" } else { "unknown" };
        return [
            row.code.to_string(),
            format!("({what})"),
            "-".into(),
            "-".into(),
            "-".into(),
            "-".into(),
            "-".into(),
            "-".into(),
            what.into(),
        ];
    };
    let mut flags = Vec::new();
    if info.export {
        flags.push("export".to_owned());
    }
    if info.forward_secrecy {
        flags.push("FS".to_owned());
    }
    if info.is_aead() {
        flags.push("AEAD".to_owned());
    }
    if info.scsv {
        flags.push("scsv".to_owned());
    }
    if info.source == Source::Legacy {
        flags.push("legacy".to_owned());
    }
    if let Some(rec) = info.recommended {
        flags.push(format!("rec={rec}"));
    }
    [
        info.code.to_string(),
        info.name.to_owned(),
        info.openssl.unwrap_or("-").to_owned(),
        info.versions.to_string(),
        format!("Kx={}", info.kx),
        format!("Au={}", info.auth),
        format!("Enc={}({})", info.cipher, info.key_bits),
        format!("Mac={}", info.mac),
        flags.join(","),
    ]
}

/// Writes rows as left-aligned columns separated by two spaces.
fn write_table(out: &mut impl Write, rows: &[CipherRow]) -> Result<()> {
    let table: Vec<[String; 9]> = rows.iter().map(cells).collect();
    let mut widths = [0; 9];
    for row in &table {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    for row in &table {
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:w$}  "));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}
