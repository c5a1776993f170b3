//! Benchmark driver for `bench/pin/`: pins a tree with a lock and stand-ins for the registry
//! and the git server (a warm cache: every digest and SHA known in memory), prints one JSON
//! line with counts and timings.
//!
//! `cargo run --release -p fleetpin-pin --example pin_tree -- DIR LOCK [--write]`

use std::path::PathBuf;
use std::time::Instant;

use sha2::Digest as _;

/// Digests from memory: `sha256(reference)`, like a warm cache that holds every image.
struct WarmCache;

impl fleetpin_registry::DigestSource for WarmCache {
    fn resolve_reference(
        &self,
        reference: &fleetpin_registry::Reference,
    ) -> Result<fleetpin_registry::Resolved, fleetpin_registry::Error> {
        let h = sha2::Sha256::digest(reference.to_string().as_bytes());
        Ok(fleetpin_registry::Resolved {
            reference: reference.clone(),
            digest: format!("sha256:{h:x}")
                .parse()
                .map_err(|e| fleetpin_registry::Error::Client(format!("{e}")))?,
            media_type: None,
            size: None,
            source: fleetpin_registry::DigestOrigin::Cache,
        })
    }
}

/// Commit SHAs from memory.
struct KnownRefs;

impl fleetpin_pin::actions::ActionRefs for KnownRefs {
    fn resolve(&self, repo: &str, git_ref: &str) -> Result<String, String> {
        let h = sha2::Sha256::digest(format!("{repo}@{git_ref}").as_bytes());
        Ok(format!("{h:x}")[..40].to_owned())
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(dir), Some(lock)) = (args.first(), args.get(1)) else {
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "usage: pin_tree DIR LOCK [--write]");
        std::process::exit(2);
    };
    let write = args.iter().any(|a| a == "--write");
    let lock = fleetpin_fleet::lock::Lock::read(std::path::Path::new(lock)).expect("lock");
    let options = fleetpin_pin::PinOptions {
        lint: fleetpin_lint::LintOptions {
            paths: vec![PathBuf::from(dir)],
            ..fleetpin_lint::LintOptions::default()
        },
        lock: Some(&lock),
        unsafe_fixes: false,
        images: Some(&WarmCache),
        actions: Some(&KnownRefs),
        galaxy: None,
        lock_path: None,
        facts: None,
    };
    let start = Instant::now();
    let plan = fleetpin_pin::plan(&options);
    let planned = start.elapsed();
    let mut write_errors = Vec::new();
    if write {
        let tree = fleetpin_pin::write::Tree::new(&[PathBuf::from(dir)]);
        let (_, errors) = fleetpin_pin::write::write_plans(&plan.files, &tree);
        write_errors.extend(errors.iter().map(ToString::to_string));
    }
    let total = start.elapsed();
    let mut by_code = std::collections::BTreeMap::<&str, usize>::new();
    for f in &plan.files {
        for e in &f.edits {
            *by_code.entry(e.code).or_default() += 1;
        }
    }
    let mut error_kinds = std::collections::BTreeMap::<String, usize>::new();
    for e in &plan.errors {
        let kind = format!("{e:?}");
        let kind = kind.split([' ', '{']).next().unwrap_or("").to_owned();
        *error_kinds.entry(kind).or_default() += 1;
    }
    let verify_refusals: Vec<String> = plan
        .errors
        .iter()
        .filter(|e| matches!(e, fleetpin_pin::PinError::Verify { .. }))
        .map(ToString::to_string)
        .collect();
    let doc = serde_json::json!({
        "files_linted": plan.report.files.len(),
        "findings": plan.report.findings(),
        "files_edited": plan.files.len(),
        "edited_files": plan.files.iter().map(|f| &f.path).collect::<Vec<_>>(),
        "edits": plan.edit_count(),
        "by_code": by_code,
        "errors": error_kinds,
        "verify_refusals": verify_refusals,
        "write_errors": write_errors,
        "plan_ms": planned.as_secs_f64() * 1000.0,
        "total_ms": total.as_secs_f64() * 1000.0,
    });
    use std::io::Write as _;
    let _ = writeln!(std::io::stdout(), "{doc}");
}
