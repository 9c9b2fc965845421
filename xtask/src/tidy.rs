//! `cargo xtask tidy`: mechanical checks of the architecture invariants, also run as tests.
//!
//! - every Rust module starts with a `//!` doc saying what it holds;
//! - mxray-core forbids unsafe code;
//! - mxray-core reaches no async runtime or socket crate (tokio, mio, socket2, async-std),
//!   judged on `Cargo.lock`'s dependency graph, which also counts dev-dependencies and
//!   so is stricter than `cargo tree`;
//! - no crate of the workspace reaches aws-lc (`aws-lc-rs`, `aws-lc-sys`): its C build does
//!   not exist for wasm32 and rustls/reqwest are set up with ring (TOOLCHAIN).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Crates mxray-core must never depend on, directly or through another crate.
const FORBIDDEN_IN_CORE: &[&str] = &["tokio", "mio", "socket2", "async-std", "async-io", "hickory-resolver"];

/// Crates no part of the workspace may depend on.
const FORBIDDEN_ANYWHERE: &[&str] = &["aws-lc-rs", "aws-lc-sys", "aws-lc-fips-sys"];

/// Directories whose Rust files are checked for module docs.
const SOURCE_DIRS: &[&str] = &["crates", "cli", "tests", "xtask", "fuzz/fuzz_targets"];

/// Runs every check and reports all problems at once.
pub(crate) fn run(root: &Path) -> Result<()> {
    let mut problems = missing_module_docs(root)?;
    problems.extend(core_dependency_problems(root)?);
    problems.extend(workspace_dependency_problems(root)?);
    let core_lib = std::fs::read_to_string(root.join("crates/mxray-core/src/lib.rs"))?;
    if !core_lib.contains("#![forbid(unsafe_code)]") {
        problems.push("crates/mxray-core/src/lib.rs lacks #![forbid(unsafe_code)]".to_owned());
    }
    if problems.is_empty() {
        println!("tidy: all checks pass");
        return Ok(());
    }
    for p in &problems {
        eprintln!("tidy: {p}");
    }
    bail!("tidy found {} problem(s)", problems.len())
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if path.is_dir() {
            if name != "target" && name != "fixtures" && !name.starts_with('.') {
                rust_files(&path, out)?;
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// Files whose first non-blank line is not a `//!` doc comment.
fn missing_module_docs(root: &Path) -> Result<Vec<String>> {
    let mut files = Vec::new();
    for dir in SOURCE_DIRS {
        rust_files(&root.join(dir), &mut files)?;
    }
    let mut problems = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file)?;
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or_default();
        if !first.starts_with("//!") {
            let shown = file.strip_prefix(root).unwrap_or(&file).display();
            problems.push(format!("{shown} does not start with a `//!` module doc"));
        }
    }
    Ok(problems)
}

/// The dependency graph of `Cargo.lock`: package name -> names it depends on.
fn lock_graph(lock: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for block in lock.split("[[package]]").skip(1) {
        let mut name = None;
        let mut deps = BTreeSet::new();
        let mut in_deps = false;
        for line in block.lines().map(str::trim) {
            if let Some(n) = line.strip_prefix("name = ") {
                name = Some(n.trim_matches('"').to_owned());
            } else if line.starts_with("dependencies = [") {
                in_deps = true;
            } else if in_deps && line == "]" {
                in_deps = false;
            } else if in_deps {
                // `"tokio 1.54.1",` or `"tokio",`: the package name is the first word.
                let dep = line.trim_matches(|c| c == '"' || c == ',');
                if let Some(dep) = dep.split_whitespace().next() {
                    deps.insert(dep.to_owned());
                }
            }
        }
        if let Some(name) = name {
            graph.entry(name).or_default().extend(deps);
        }
    }
    graph
}

/// Every forbidden crate reachable from mxray-core, with the path that reaches it.
fn forbidden_paths(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    let mut stack = vec![vec![start.to_owned()]];
    while let Some(path) = stack.pop() {
        let Some(last) = path.last() else { continue };
        if !seen.insert(last.clone()) {
            continue;
        }
        if FORBIDDEN_IN_CORE.contains(&last.as_str()) {
            problems.push(format!("mxray-core depends on {last}: {}", path.join(" -> ")));
            continue;
        }
        for dep in graph.get(last).into_iter().flatten() {
            let mut next = path.clone();
            next.push(dep.clone());
            stack.push(next);
        }
    }
    problems
}

fn core_dependency_problems(root: &Path) -> Result<Vec<String>> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).context("reading Cargo.lock")?;
    let graph = lock_graph(&lock);
    if !graph.contains_key("mxray-core") {
        bail!("mxray-core is not in Cargo.lock");
    }
    Ok(forbidden_paths(&graph, "mxray-core"))
}

/// Every [`FORBIDDEN_ANYWHERE`] crate in `Cargo.lock`.
fn workspace_dependency_problems(root: &Path) -> Result<Vec<String>> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).context("reading Cargo.lock")?;
    let graph = lock_graph(&lock);
    Ok(FORBIDDEN_ANYWHERE
        .iter()
        .filter(|name| graph.contains_key(**name))
        .map(|name| format!("Cargo.lock holds {name}: use the ring provider (see TOOLCHAIN)"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_reaches_no_aws_lc() {
        let problems = workspace_dependency_problems(&crate::root()).unwrap();
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn every_module_has_a_doc() {
        let problems = missing_module_docs(&crate::root()).unwrap();
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn core_reaches_no_runtime_or_socket_crate() {
        let problems = core_dependency_problems(&crate::root()).unwrap();
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn the_fence_catches_an_indirect_tokio() {
        let lock = r#"
[[package]]
name = "mxray-core"
version = "0.1.0"
dependencies = [
 "helper",
]

[[package]]
name = "helper"
version = "1.0.0"
dependencies = [
 "tokio 1.54.1",
]

[[package]]
name = "tokio"
version = "1.54.1"
"#;
        let problems = forbidden_paths(&lock_graph(lock), "mxray-core");
        assert_eq!(problems, vec!["mxray-core depends on tokio: mxray-core -> helper -> tokio".to_owned()]);
    }
}
