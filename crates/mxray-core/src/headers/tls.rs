//! The TLS annotations MTAs write into `Received:` fields, as a table of recognisers
//! ([`RECOGNISERS`]), and the mapping of every cipher naming to the registry
//! ([`suite_for_name`]).
//!
//! | syntax | written by | example |
//! |---|---|---|
//! | `using` | Postfix (also Zimbra, Proton, Stalwart-style) | `(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 …)` plus `(Client CN "…", Issuer "…" (verified OK))` |
//! | `key=value` | Microsoft 365/Exchange, Gmail, Sendmail, Haraka | `(version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384)`, `(version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 bits=256 verify=NOT)` |
//! | `exim` | Exim 4.92 and later | `with esmtps (TLS1.3) tls TLS_AES_256_GCM_SHA384` |
//! | `colon` | older Exim (OpenSSL and GnuTLS), OpenSMTPD, pasted Exim log `X=` | `(TLS1.2:ECDHE-RSA-AES256-GCM-SHA384:256)`, `(TLSv1.3:TLS_AES_256_GCM_SHA384:256:NO)` |
//! | `encrypted` | qmail with the TLS patch | `(DHE-RSA-AES256-SHA encrypted)` |
//! | `slash` | Cisco Secure Email (IronPort AsyncOS) | `with ESMTP/TLS/ECDHE-RSA-AES256-GCM-SHA384` |
//! | `courier` | Courier-MTA | `(TLS: TLSv1.2,256bits,ECDHE-RSA-AES256-GCM-SHA384)` |
//!
//! Cipher names come in five namings: IANA (`TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384`),
//! OpenSSL (`ECDHE-RSA-AES256-GCM-SHA384`), GnuTLS (`ECDHE_RSA_AES_256_GCM_SHA384`, and
//! the TLS 1.3 `ECDHE_X25519__RSA_PSS_RSAE_SHA256__AES_256_GCM`), rustls (`TLS13_AES_256_GCM_SHA384`)
//! and Schannel (`TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384`, with a curve suffix). A
//! comment that mentions TLS, SSL or a cipher but fits no recogniser is returned as
//! [`Found::unrecognised`], shown raw, never dropped.

use crate::registry::{CipherSuiteInfo, ProtocolVersion, cipher_suite_by_name};

/// What a recogniser found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Found {
    /// Which syntax (the first column of the table in the module doc).
    pub(crate) syntax: &'static str,
    /// The version as written.
    pub(crate) version: Option<String>,
    /// The cipher as written.
    pub(crate) cipher: Option<String>,
    /// Key bits as written (`256/256`, `256`).
    pub(crate) bits: Option<String>,
    /// Certificate verification as written (`NOT`, `OK`, `NO`, `FAIL`).
    pub(crate) verify: Option<String>,
    /// Other facts: key exchange, signatures, digests.
    pub(crate) details: Vec<(String, String)>,
    /// The client certificate lines (Postfix).
    pub(crate) client_cert: Option<ClientCert>,
    /// The annotation text the recogniser read.
    pub(crate) text: String,
}

/// What a `Received:` field says of the client certificate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ClientCert {
    pub(crate) requested: Option<bool>,
    pub(crate) presented: Option<bool>,
    pub(crate) subject_cn: Option<String>,
    pub(crate) issuer_cn: Option<String>,
    pub(crate) verified: Option<bool>,
    pub(crate) text: String,
}

/// One recogniser of the table.
#[derive(Debug)]
pub(crate) struct Recogniser {
    /// The syntax name reported.
    pub(crate) syntax: &'static str,
    find: fn(&str) -> Option<Found>,
}

/// The recognisers, tried in order on the whitespace-normalised field value; the first that
/// finds a version or a cipher wins.
pub(crate) const RECOGNISERS: &[Recogniser] = &[
    Recogniser { syntax: "using", find: using },
    Recogniser { syntax: "key=value", find: key_value },
    Recogniser { syntax: "exim", find: exim },
    Recogniser { syntax: "colon", find: colon },
    Recogniser { syntax: "courier", find: courier },
    Recogniser { syntax: "slash", find: slash },
    Recogniser { syntax: "encrypted", find: encrypted },
];

/// The result of looking at one field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Recognised {
    /// A recogniser read it.
    Found(Box<Found>),
    /// A comment talks about TLS but no recogniser fits: the comment as written.
    Unrecognised(String),
    /// Nothing about TLS.
    Nothing,
}

/// Runs the table over a `Received:` value.
pub(crate) fn recognise(value: &str) -> Recognised {
    let norm = value.split_whitespace().collect::<Vec<_>>().join(" ");
    for r in RECOGNISERS {
        if let Some(mut found) = (r.find)(&norm) {
            found.syntax = r.syntax;
            if found.client_cert.is_none() {
                found.client_cert = postfix_client_cert(&norm);
            }
            return Recognised::Found(Box::new(found));
        }
    }
    match tls_comment(&norm) {
        Some(c) => Recognised::Unrecognised(c.to_owned()),
        None => Recognised::Nothing,
    }
}

/// ASCII case-insensitive `find`.
fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() || n.len() > h.len() {
        return None;
    }
    (0..=h.len() - n.len()).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

/// The content of the parenthesised comment opening at `open` (which must be `(`), without
/// the parentheses; to the end of the text if it is not closed.
fn comment_at(text: &str, open: usize) -> &str {
    let mut depth = 0u32;
    for (i, c) in text[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &text[open + 1..open + i];
                }
            }
            _ => {}
        }
    }
    &text[open + 1..]
}

/// How deep [`comments`] looks: the annotations sit in top-level comments or one level
/// below (`(using … (256/256 bits) …)`, `(Client CN … (verified OK))`). The limit keeps the
/// total length of the comments returned under twice the text's, so that every recogniser
/// stays linear in the field's length whatever the nesting.
const COMMENT_DEPTH: usize = 2;

/// The comments of `text` up to [`COMMENT_DEPTH`], in order of their `(`: (offset of `(`,
/// content); an unclosed comment runs to the end of the text.
fn comments(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut open: Vec<usize> = Vec::new();
    let mut found: Vec<(usize, &str)> = Vec::new();
    for (i, c) in text.char_indices() {
        match c {
            '(' => open.push(i),
            ')' => {
                if let Some(o) = open.pop()
                    && open.len() < COMMENT_DEPTH
                {
                    found.push((o, &text[o + 1..i]));
                }
            }
            _ => {}
        }
    }
    for (depth, &o) in open.iter().enumerate() {
        if depth < COMMENT_DEPTH {
            found.push((o, &text[o + 1..]));
        }
    }
    found.sort_unstable_by_key(|&(o, _)| o);
    found.into_iter()
}

/// A word: up to whitespace, `)`, `(`, `;` or `,`.
fn word(text: &str) -> &str {
    let end =
        text.find(|c: char| c.is_whitespace() || matches!(c, ')' | '(' | ';' | ',')).unwrap_or(text.len());
    &text[..end]
}

/// Postfix: `(using TLSv1.3 with cipher NAME (256/256 bits) key-exchange X25519
/// server-signature RSA-PSS (2048 bits) server-digest SHA256 …)`.
fn using(norm: &str) -> Option<Found> {
    let open = find_ci(norm, "(using ")?;
    let content = comment_at(norm, open);
    let rest = &content[6..];
    let version = word(rest);
    let rest = rest[version.len()..].trim_start();
    let rest = rest.strip_prefix("with cipher ").or_else(|| rest.strip_prefix("with cipher suite "))?;
    let cipher = word(rest);
    let mut rest = rest[cipher.len()..].trim_start();
    let mut f = Found {
        version: Some(version.to_owned()).filter(|v| !v.is_empty()),
        cipher: Some(cipher.to_owned()).filter(|c| !c.is_empty()),
        text: format!("({content})"),
        ..Found::default()
    };
    if rest.starts_with('(') {
        let inner = comment_at(rest, 0);
        if let Some(bits) = inner.strip_suffix(" bits") {
            f.bits = Some(bits.to_owned());
        }
        rest = rest[(inner.len() + 2).min(rest.len())..].trim_start();
    }
    // key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256 …
    while !rest.is_empty() {
        let key = word(rest);
        if key.is_empty() {
            break;
        }
        rest = rest[key.len()..].trim_start();
        let mut value = word(rest).to_owned();
        rest = rest[value.len()..].trim_start();
        if rest.starts_with('(') {
            let inner = comment_at(rest, 0);
            value = format!("{value} ({inner})");
            rest = rest[(inner.len() + 2).min(rest.len())..].trim_start();
        }
        f.details.push((key.to_owned(), value));
    }
    (f.version.is_some() || f.cipher.is_some()).then_some(f)
}

/// Postfix's client-certificate comment: `(Client CN "x", Issuer "y" (verified OK))`,
/// `(Client did not present a certificate)`, `(No client certificate requested)`.
fn postfix_client_cert(norm: &str) -> Option<ClientCert> {
    const NOT_REQUESTED: &str = "(No client certificate requested)";
    const NOT_PRESENTED: &str = "(Client did not present a certificate)";
    if let Some(at) = find_ci(norm, NOT_REQUESTED) {
        return Some(ClientCert {
            requested: Some(false),
            text: norm[at..at + NOT_REQUESTED.len()].to_owned(),
            ..ClientCert::default()
        });
    }
    if let Some(at) = find_ci(norm, NOT_PRESENTED) {
        return Some(ClientCert {
            requested: Some(true),
            presented: Some(false),
            text: norm[at..at + NOT_PRESENTED.len()].to_owned(),
            ..ClientCert::default()
        });
    }
    let at = find_ci(norm, "(Client CN ")?;
    let content = comment_at(norm, at);
    let quoted = |s: &str| -> Option<String> {
        let s = s.trim_start().strip_prefix('"')?;
        Some(s[..s.find('"')?].to_owned())
    };
    let subject = quoted(&content[9..]);
    let issuer = find_ci(content, "Issuer ").and_then(|i| quoted(&content[i + 7..]));
    let verified = if find_ci(content, "(verified OK)").is_some() {
        Some(true)
    } else if find_ci(content, "(not verified)").is_some() {
        Some(false)
    } else {
        None
    };
    Some(ClientCert {
        requested: Some(true),
        presented: Some(true),
        subject_cn: subject,
        issuer_cn: issuer,
        verified,
        text: format!("({content})"),
    })
}

/// `(version=TLS1_2, cipher=NAME)` (Microsoft), `(version=TLS1_3 cipher=NAME bits=256/256)`
/// (Gmail), `(version=TLSv1.3 cipher=NAME bits=256 verify=NOT)` (Sendmail, Haraka).
fn key_value(norm: &str) -> Option<Found> {
    let (_, content) = comments(norm).find(|(_, c)| find_ci(c, "cipher=").is_some())?;
    let mut f = Found { text: format!("({content})"), ..Found::default() };
    for pair in content.split(|c: char| c.is_whitespace() || c == ',').filter(|p| !p.is_empty()) {
        let Some((key, value)) = pair.split_once('=') else { continue };
        let value = value.trim_matches(['"', ')', '(']).to_owned();
        match key.to_ascii_lowercase().as_str() {
            "version" => f.version = Some(value),
            "cipher" => f.cipher = Some(value),
            "bits" => f.bits = Some(value),
            "verify" => f.verify = Some(value),
            _ => f.details.push((key.to_owned(), value)),
        }
    }
    f.cipher.is_some().then_some(f)
}

/// True if `s` looks like a protocol version (`TLSv1.2`, `TLS1_3`, `SSLv3`, `TLSv1/SSLv3`).
fn is_version(s: &str) -> bool {
    version_of(s).is_some()
}

/// Exim 4.92+: `(TLS1.3) tls TLS_AES_256_GCM_SHA384`.
fn exim(norm: &str) -> Option<Found> {
    for (open, content) in comments(norm) {
        if !is_version(content) {
            continue;
        }
        let after = &norm[(open + content.len() + 2).min(norm.len())..];
        if let Some(rest) = after.strip_prefix(" tls ") {
            let cipher = word(rest);
            return Some(Found {
                version: Some(content.to_owned()),
                cipher: Some(cipher.to_owned()).filter(|c| !c.is_empty()),
                text: format!("({content}) tls {cipher}"),
                ..Found::default()
            });
        }
    }
    None
}

/// `(TLS1.2:ECDHE-RSA-AES256-GCM-SHA384:256)` (Exim before 4.92), `(TLSv1.3:NAME:256:NO)`
/// (OpenSMTPD; the last field says whether the client certificate verified), and Exim log
/// `X=TLS1.2:NAME:256`.
fn colon(norm: &str) -> Option<Found> {
    let candidates = comments(norm).map(|(_, c)| c).chain(
        norm.split_whitespace()
            .filter_map(|w| w.strip_prefix("X="))
            .map(|w| w.trim_end_matches([')', ',', ';'])),
    );
    for c in candidates {
        let parts: Vec<&str> = c.split(':').collect();
        if !(3..=4).contains(&parts.len()) || !is_version(parts[0]) || parts[1].is_empty() {
            continue;
        }
        if parts.iter().any(|p| p.contains(' ')) {
            continue;
        }
        return Some(Found {
            version: Some(parts[0].to_owned()),
            cipher: Some(parts[1].to_owned()),
            bits: Some(parts[2].to_owned()).filter(|b| !b.is_empty()),
            verify: parts.get(3).map(|v| (*v).to_owned()),
            text: c.to_owned(),
            ..Found::default()
        });
    }
    None
}

/// Courier: `(TLS: TLSv1.2,256bits,ECDHE-RSA-AES256-GCM-SHA384)`.
fn courier(norm: &str) -> Option<Found> {
    let (_, content) = comments(norm).find(|(_, c)| c.starts_with("TLS: ") || c.starts_with("SSL: "))?;
    let parts: Vec<&str> = content[5..].split(',').map(str::trim).collect();
    let mut f = Found { text: format!("({content})"), ..Found::default() };
    for p in parts {
        if is_version(p) {
            f.version = Some(p.to_owned());
        } else if let Some(bits) = p.strip_suffix("bits") {
            f.bits = Some(bits.to_owned());
        } else if !p.is_empty() {
            f.cipher = Some(p.to_owned());
        }
    }
    (f.version.is_some() || f.cipher.is_some()).then_some(f)
}

/// Cisco Secure Email: `with ESMTP/TLS/ECDHE-RSA-AES256-GCM-SHA384` (some versions put the
/// protocol version between: `ESMTP/TLS/TLSv1.2/…`).
fn slash(norm: &str) -> Option<Found> {
    let w = norm.split_whitespace().find(|w| find_ci(w, "/TLS/").is_some())?;
    let w = w.trim_end_matches([';', ',']);
    let segments: Vec<&str> = w.split('/').collect();
    let tls = segments.iter().position(|s| s.eq_ignore_ascii_case("TLS"))?;
    let mut f = Found { text: w.to_owned(), ..Found::default() };
    for s in &segments[tls + 1..] {
        if is_version(s) {
            f.version = Some((*s).to_owned());
        } else if !s.is_empty() {
            f.cipher = Some((*s).to_owned());
        }
    }
    (f.version.is_some() || f.cipher.is_some()).then_some(f)
}

/// qmail with the TLS patch: `(DHE-RSA-AES256-SHA encrypted)`, sometimes
/// `(TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384 encrypted)`.
fn encrypted(norm: &str) -> Option<Found> {
    let (_, content) = comments(norm).find(|(_, c)| c.ends_with(" encrypted"))?;
    let words: Vec<&str> = content.split_whitespace().collect();
    let mut f = Found { text: format!("({content})"), ..Found::default() };
    for w in &words[..words.len() - 1] {
        if is_version(w) {
            f.version = Some((*w).to_owned());
        } else {
            f.cipher = Some((*w).to_owned());
        }
    }
    (f.version.is_some() || f.cipher.is_some()).then_some(f)
}

/// A comment that mentions TLS, SSL or a cipher (for the "unrecognised" case).
fn tls_comment(norm: &str) -> Option<&str> {
    comments(norm).map(|(_, c)| c).find(|c| {
        let l = c.to_ascii_lowercase();
        l.contains("tls") || l.contains("ssl") || l.contains("cipher") || l.contains("encrypt")
    })
}

/// The protocol version a written version means: `TLSv1.2`, `TLS1_2`, `TLS1.2`, `TLSv1_2`,
/// `TLS 1.2`, `TLSv1` (1.0), `TLSv1/SSLv3` (OpenSSL 1.0's name for TLS 1.0), `SSLv3`.
pub(crate) fn version_of(written: &str) -> Option<ProtocolVersion> {
    let l: String = written
        .to_ascii_lowercase()
        .chars()
        .filter(|c| !matches!(c, ' ' | 'v'))
        .map(|c| if c == '_' { '.' } else { c })
        .collect();
    Some(match l.as_str() {
        "tls1.3" | "tls13" => ProtocolVersion::TLSV1_3,
        "tls1.2" | "tls12" => ProtocolVersion::TLSV1_2,
        "tls1.1" | "tls11" => ProtocolVersion::TLSV1_1,
        "tls1" | "tls1.0" | "tls10" | "tls1/ssl3" => ProtocolVersion::TLSV1_0,
        "ssl3" | "ssl3.0" => ProtocolVersion::SSLV3,
        "ssl2" | "ssl2.0" => ProtocolVersion::SSLV2,
        _ => return None,
    })
}

/// GnuTLS's cipher part (`AES_128_CBC_SHA1`) in IANA spelling (`AES_128_CBC_SHA`).
fn gnutls_cipher(cipher: &str) -> String {
    let c = cipher.replace("ARCFOUR_", "RC4_");
    let c = c.strip_suffix("_SHA1").map_or(c.clone(), |s| format!("{s}_SHA"));
    let c = c.strip_suffix("_MD5").map_or(c.clone(), |s| format!("{s}_MD5"));
    if c == "CHACHA20_POLY1305" { "CHACHA20_POLY1305_SHA256".to_owned() } else { c }
}

/// The first words of GnuTLS cipher parts, where the key exchange ends.
const GNUTLS_CIPHERS: [&str; 9] =
    ["AES", "CHACHA20", "CAMELLIA", "3DES", "ARCFOUR", "NULL", "ARIA", "DES", "SEED"];

/// The registry row a cipher name means, in any of the namings of the module doc.
pub(crate) fn suite_for_name(written: &str) -> Option<&'static CipherSuiteInfo> {
    let name = written.trim().trim_matches(['"', '\'']);
    if name.is_empty() || name.len() > 100 {
        return None;
    }
    if let Some(row) = cipher_suite_by_name(name) {
        return Some(row);
    }
    let upper = name.to_ascii_uppercase();
    // Schannel's curve suffix.
    for suffix in ["_P256", "_P384", "_P521"] {
        if let Some(base) = upper.strip_suffix(suffix) {
            return cipher_suite_by_name(base);
        }
    }
    // rustls: TLS13_AES_256_GCM_SHA384.
    if let Some(rest) = upper.strip_prefix("TLS13_") {
        return cipher_suite_by_name(&format!("TLS_{rest}"));
    }
    // GnuTLS TLS 1.3: ECDHE_X25519__RSA_PSS_RSAE_SHA256__AES_256_GCM.
    if upper.contains("__") {
        let last = upper.rsplit("__").next().unwrap_or("");
        let iana = match last {
            "AES_256_GCM" => "TLS_AES_256_GCM_SHA384",
            "AES_128_GCM" => "TLS_AES_128_GCM_SHA256",
            "CHACHA20_POLY1305" => "TLS_CHACHA20_POLY1305_SHA256",
            "AES_128_CCM" => "TLS_AES_128_CCM_SHA256",
            "AES_128_CCM_8" => "TLS_AES_128_CCM_8_SHA256",
            _ => return None,
        };
        return cipher_suite_by_name(iana);
    }
    // GnuTLS TLS 1.2: ECDHE_RSA_AES_256_GCM_SHA384 → TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384.
    if !upper.starts_with("TLS_") && upper.contains('_') && !upper.contains('-') {
        let parts: Vec<&str> = upper.split('_').collect();
        let at = parts.iter().position(|p| GNUTLS_CIPHERS.contains(p))?;
        if at == 0 {
            return None;
        }
        let kx = parts[..at].join("_");
        let cipher = gnutls_cipher(&parts[at..].join("_"));
        return cipher_suite_by_name(&format!("TLS_{kx}_WITH_{cipher}"));
    }
    None
}
