//! Dependencies point one way: the leaf libraries depend on no other fleetpin crate beyond
//! what is listed here (issue 8). Their data meet in `fleetpin-dev lint-data`, their callers
//! convert inputs (guard and logs take their own `HostState`, not fleet's facts; the binary's
//! `diagnose --facts` maps fleet's facts for logs). What both leaves need of versions —
//! dpkg/rpm ordering and the one `VersionRange` of `hazards/` and `causes/` — lives in
//! fleetpin-debian, itself a leaf.

use std::collections::BTreeSet;
use std::path::Path;

/// Every `fleetpin-*` crate named in any dependency table of `crates/<name>/Cargo.toml`.
fn fleetpin_deps(name: &str) -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(name)
        .join("Cargo.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let manifest: toml::Table = text.parse().unwrap();
    let mut out = BTreeSet::new();
    let mut tables: Vec<&toml::Table> = Vec::new();
    for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
        tables.extend(manifest.get(key).and_then(toml::Value::as_table));
    }
    // `[target.'cfg(..)'.dependencies]` too.
    if let Some(targets) = manifest.get("target").and_then(toml::Value::as_table) {
        for t in targets.values().filter_map(toml::Value::as_table) {
            for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
                tables.extend(t.get(key).and_then(toml::Value::as_table));
            }
        }
    }
    for table in tables {
        out.extend(table.keys().filter(|k| k.starts_with("fleetpin")).cloned());
    }
    out
}

fn assert_only(name: &str, allowed: &[&str]) {
    let deps = fleetpin_deps(name);
    let extra: Vec<&String> = deps
        .iter()
        .filter(|d| !allowed.contains(&d.as_str()))
        .collect();
    assert!(
        extra.is_empty(),
        "{name} is a leaf library: it may depend on {allowed:?} only, not {extra:?}"
    );
}

#[test]
fn guard_and_logs_are_leaves() {
    // Version ordering and `VersionRange` (fleetpin_debian::range) for the hazards' ranges.
    assert_only("fleetpin-guard", &["fleetpin-debian", "fleetpin-testkit"]);
    // The same `VersionRange` for the `[when]` ranges of causes/ (issue 12): logs → debian
    // only, never guard or fleet.
    assert_only("fleetpin-logs", &["fleetpin-debian", "fleetpin-testkit"]);
    // fleetpin-debian is the bottom: no other fleetpin crate.
    assert_only("fleetpin-debian", &["fleetpin-testkit"]);
}

#[test]
fn the_manifest_reader_sees_dependencies() {
    // fleetpin-dev itself depends on both leaves: the reader above must see that.
    let deps = fleetpin_deps("fleetpin-dev");
    assert!(
        deps.contains("fleetpin-guard") && deps.contains("fleetpin-logs"),
        "{deps:?}"
    );
}
