//! `Authentication-Results` and `ARC-Authentication-Results` (RFC 8601 §2.2, RFC 8617
//! §4.1.1): `authserv-id [version]; method[/version]=result [reason=…] [ptype.property=value …];
//! …` or `authserv-id; none`. Also `Received-SPF` (RFC 7208 §9.1): `result (comment)
//! key=value; …`. Comments are dropped from the parsed values; the raw field is kept.

use super::report::{AuthMethodResult, KeyValue};

/// Removes comments (nested, outside quoted strings).
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0u32;
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' if depth == 0 => {
                quoted = !quoted;
                out.push(c);
            }
            '(' if !quoted => depth = depth.saturating_add(1),
            ')' if !quoted && depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Splits on `sep` outside quoted strings.
fn split_outside_quotes(text: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            out.push(&text[start..i]);
            start = i + c.len_utf8();
        }
    }
    out.push(&text[start..]);
    out
}

/// Splits on whitespace outside quoted strings.
fn words(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quoted = false;
    let mut start = None;
    for (i, c) in text.char_indices() {
        if c == '"' {
            quoted = !quoted;
        }
        if c.is_whitespace() && !quoted {
            if let Some(s) = start.take() {
                out.push(&text[s..i]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push(&text[s..]);
    }
    out
}

/// What an `Authentication-Results` value says: (authserv-id, ARC instance, results).
pub(crate) fn parse(value: &str) -> (Option<String>, Option<u32>, Vec<AuthMethodResult>) {
    let plain = strip_comments(value);
    let mut parts = split_outside_quotes(&plain, ';').into_iter();
    let mut instance = None;
    let mut head = parts.next().unwrap_or("").trim();
    // ARC-Authentication-Results: `i=1; authserv-id; …`.
    if let Some(i) = head.strip_prefix("i=").and_then(|n| n.trim().parse().ok()) {
        instance = Some(i);
        head = parts.next().unwrap_or("").trim();
    }
    let authserv_id = head.split_whitespace().next().map(str::to_owned);
    let mut results = Vec::new();
    for part in parts {
        let ws = words(part.trim());
        let Some((method, result)) = ws.first().and_then(|w| w.split_once('=')) else {
            continue;
        };
        let method = method.split('/').next().unwrap_or(method).to_ascii_lowercase();
        let mut r = AuthMethodResult {
            method,
            result: result.to_ascii_lowercase(),
            reason: None,
            properties: Vec::new(),
        };
        for w in &ws[1..] {
            let Some((k, v)) = w.split_once('=') else { continue };
            let v = v.trim_matches('"').to_owned();
            if k.eq_ignore_ascii_case("reason") {
                r.reason = Some(v);
            } else {
                r.properties.push(KeyValue { key: k.to_owned(), value: v });
            }
        }
        results.push(r);
    }
    (authserv_id, instance, results)
}

/// A `Received-SPF` value as one `spf` result.
pub(crate) fn received_spf(value: &str) -> Option<AuthMethodResult> {
    let result = value.split_whitespace().next()?.trim_end_matches(';').to_ascii_lowercase();
    let plain = strip_comments(value);
    let after = plain.trim_start().get(result.len()..).unwrap_or("");
    let properties = split_outside_quotes(after, ';')
        .into_iter()
        .flat_map(|p| words(p.trim()).into_iter().map(str::to_owned).collect::<Vec<_>>())
        .filter_map(|w| {
            let (k, v) = w.split_once('=')?;
            Some(KeyValue { key: k.to_owned(), value: v.trim_matches('"').to_owned() })
        })
        .collect();
    Some(AuthMethodResult { method: "spf".to_owned(), result, reason: None, properties })
}
