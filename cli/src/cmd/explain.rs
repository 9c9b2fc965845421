//! `mxray explain ID` / `mxray explain --list`: the documentation of a grading rule, from
//! the core's rule table (`grade::RULES`, the same text the page and the JSON use): id,
//! severity, the cap it puts on the letter, rule set and section, what it checks, why that
//! is weak, what to do instead.
//!
//! An unknown id is a usage error (exit 2) that suggests the closest ids: the ones that
//! contain what was typed, else the nearest by edit distance (a dozen lines of
//! Levenshtein; no crate of the workspace has it).

use std::io::Write;

use anyhow::Result;
use mxray_core::grade::{RULES, Rule, explain};

use crate::UsageError;

/// Arguments of `mxray explain`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The rule id, as reports print it (`ssllabs.tls10_tls11`, `cert.untrusted`).
    #[arg(value_name = "ID", required_unless_present = "list", conflicts_with = "list")]
    id: Option<String>,

    /// List every rule id with its severity and one-line description.
    #[arg(long)]
    list: bool,
}

/// Runs `mxray explain`.
pub(crate) fn run(args: &Args, out: &mut impl Write) -> Result<()> {
    if args.list {
        for rule in RULES {
            writeln!(out, "{:<36} {:<8} {}", rule.id, rule.severity.to_string(), rule.what)?;
        }
        out.flush()?;
        return Ok(());
    }
    let id = args.id.as_deref().unwrap_or_default().trim();
    let Some(rule) = explain(id) else {
        let close = closest(id);
        let hint =
            if close.is_empty() { String::new() } else { format!("; did you mean {}?", close.join(", ")) };
        return Err(UsageError(format!(
            "no rule with id {id:?}{hint} (`mxray explain --list` lists them all)"
        ))
        .into());
    };
    render(rule, out)?;
    out.flush()?;
    Ok(())
}

fn render(rule: &Rule, out: &mut impl Write) -> Result<()> {
    let set = serde_json::to_value(rule.set).ok().and_then(|v| v.as_str().map(str::to_owned));
    writeln!(out, "{}", rule.id)?;
    writeln!(out, "  Severity:  {}", rule.severity)?;
    if let Some(cap) = rule.cap {
        writeln!(out, "  Caps the grade at: {cap}")?;
    }
    writeln!(out, "  Rule set:  {}", set.as_deref().unwrap_or("?"))?;
    writeln!(out, "  Section:   {}", rule.section)?;
    writeln!(out, "\nWhat it checks\n  {}", rule.what)?;
    writeln!(out, "\nWhy it matters\n  {}", rule.why)?;
    writeln!(out, "\nWhat to do instead\n  {}", rule.instead)?;
    Ok(())
}

/// Levenshtein distance over characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

/// Up to three ids close to `typed`: those containing it (or its part after the dot), else
/// those within an edit distance of a third of its length.
fn closest(typed: &str) -> Vec<&'static str> {
    let typed = typed.to_ascii_lowercase().replace('-', "_");
    if typed.is_empty() {
        return Vec::new();
    }
    let tail = typed.rsplit('.').next().unwrap_or(&typed);
    let containing: Vec<&'static str> = RULES
        .iter()
        .map(|r| r.id)
        .filter(|id| id.contains(&typed) || (tail.len() >= 3 && id.contains(tail)))
        .collect();
    if !containing.is_empty() {
        return containing.into_iter().take(3).collect();
    }
    let mut scored: Vec<(usize, &'static str)> = RULES
        .iter()
        .map(|r| (distance(&typed, r.id).min(distance(tail, r.id.rsplit('.').next().unwrap_or(r.id))), r.id))
        .filter(|(d, _)| *d <= typed.len().div_ceil(3).max(2))
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, id)| id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_table() {
        for (a, b, want) in [("", "", 0), ("abc", "", 3), ("kitten", "sitting", 3), ("tls10", "tls11", 1)] {
            assert_eq!(distance(a, b), want, "{a} {b}");
        }
    }

    #[test]
    fn suggestions_for_typos_and_fragments() {
        assert_eq!(closest("cert.untrustd"), ["cert.untrusted"]);
        assert!(closest("sha1").contains(&"cert.sha1_signature"), "{:?}", closest("sha1"));
        assert!(closest("cert.self-signed").contains(&"cert.self_signed"));
        assert_eq!(closest("zzzzzzzzzzzzzz"), Vec::<&str>::new());
    }

    #[test]
    fn every_rule_renders_its_three_parts() {
        for rule in RULES {
            let mut out = Vec::new();
            render(rule, &mut out).unwrap();
            let text = String::from_utf8(out).unwrap();
            for part in [rule.id, rule.section, rule.what, rule.why, rule.instead] {
                assert!(text.contains(part), "{part:?} missing for {}", rule.id);
            }
        }
    }
}
