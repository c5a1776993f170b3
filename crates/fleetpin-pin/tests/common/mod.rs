//! Shared helpers: a tree in a temp dir, a lock, a plan, and a snapshot text of the result.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use fleetpin_fleet::lock::Lock;
use fleetpin_lint::LintOptions;
use fleetpin_pin::{PinOptions, Plan};

/// Writes `files` (path, text) under a new temp dir.
pub fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
    }
    dir
}

/// The lock of the example fleet (one group), plus a few language packages.
pub const LOCK: &str = r#"version = 1
group-by = []
scope = "all"
prefer = ["majority"]

[packages]
"containerd.io" = "1.6.18-1"
docker-ce = "5:20.10.23~3-0~debian-buster"
docker-ce-cli = "5:20.10.23~3-0~debian-buster"
ca-certificates = "20200601~deb10u2"
gnupg = "2.2.12-1+deb10u2"
nginx = "1.14.2-2+deb10u5"
requests = "2.31.0"
left-pad = "1.3.0"
"#;

pub fn lock(text: &str) -> Lock {
    Lock::parse(text, Path::new("fleetpin.lock")).expect("lock parses")
}

pub fn lint_options(root: &Path) -> LintOptions {
    LintOptions {
        paths: vec![root.to_path_buf()],
        ..LintOptions::default()
    }
}

/// A digest source that answers from a table (the registry itself is tested in
/// `tests/registry.rs`).
pub struct Table(pub Vec<(&'static str, Result<&'static str, &'static str>)>);

impl fleetpin_registry::DigestSource for Table {
    fn resolve_reference(
        &self,
        reference: &fleetpin_registry::Reference,
    ) -> Result<fleetpin_registry::Resolved, fleetpin_registry::Error> {
        let wanted = reference.to_string();
        let found = self.0.iter().find(|(k, _)| {
            fleetpin_registry::Reference::parse(k).is_ok_and(|r| r.to_string() == wanted)
        });
        let refused = |detail: &str| fleetpin_registry::Error::BadResponse {
            image: wanted.clone(),
            registry: reference.registry().to_owned(),
            detail: detail.to_owned(),
        };
        match found {
            Some((_, Ok(d))) => Ok(fleetpin_registry::Resolved {
                reference: reference.clone(),
                digest: d.parse().expect("table digests are valid"),
                media_type: None,
                size: None,
                source: fleetpin_registry::DigestOrigin::Header,
            }),
            Some((_, Err(e))) => Err(refused(e)),
            None => Err(refused("manifest unknown")),
        }
    }
}

/// An action source from a table (`git ls-remote` is tested in `tests/actions.rs`).
pub struct Refs(pub Vec<(&'static str, &'static str, &'static str)>);

impl fleetpin_pin::actions::ActionRefs for Refs {
    fn resolve(&self, repo: &str, git_ref: &str) -> Result<String, String> {
        self.0
            .iter()
            .find(|(r, g, _)| *r == repo && *g == git_ref)
            .map(|(_, _, sha)| (*sha).to_owned())
            .ok_or_else(|| format!("no ref `{git_ref}` in `{repo}`"))
    }
}

pub const SHA_V4: &str = "11bd71901bbe5b1630ceea73d27597364c9af683";
pub const DIGEST: &str = "sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31";

pub fn images() -> Table {
    Table(vec![
        ("nginx:1.25", Ok(DIGEST)),
        ("nginx:mainline", Ok(DIGEST)),
        ("debian:latest", Ok(DIGEST)),
        ("debian:bookworm", Ok(DIGEST)),
        ("redis", Ok(DIGEST)),
        ("postgres:16", Ok(DIGEST)),
        (
            "registry.example.org/app:broken",
            Err("registry returned 503 Service Unavailable"),
        ),
    ])
}

pub fn refs() -> Refs {
    Refs(vec![
        ("actions/checkout", "v4", SHA_V4),
        (
            "actions/setup-python",
            "v5",
            "a26af69be951a213d495a4c3e4e4022e16d87065",
        ),
        (
            "actions/cache",
            "v4",
            "5a3ec84eff668545956fd18022155c47e93e2684",
        ),
    ])
}

/// Plans with the example lock and the table sources.
pub fn plan(root: &Path, unsafe_fixes: bool) -> Plan {
    let lock = lock(LOCK);
    let images = images();
    let refs = refs();
    let galaxy = fleetpin_pin::galaxy::InstalledCollections::new(
        [
            ("community.docker".to_owned(), "3.10.4".to_owned()),
            ("community.general".to_owned(), "9.5.0".to_owned()),
        ]
        .into_iter()
        .collect(),
        None,
    );
    let options = PinOptions {
        lint: lint_options(root),
        lock: Some(&lock),
        unsafe_fixes,
        images: Some(&images),
        actions: Some(&refs),
        galaxy: Some(&galaxy),
        lock_path: None,
        facts: None,
    };
    fleetpin_pin::plan(&options)
}

/// The diff, errors and skipped unsafe fixes of a plan, with the temp dir shown as `[TMP]`.
pub fn render(plan: &Plan, root: &Path) -> String {
    let mut out = String::new();
    for f in &plan.files {
        out.push_str(&fleetpin_pin::unified_diff(f));
    }
    for e in &plan.errors {
        out.push_str(&format!("error: {e}\n"));
    }
    for (p, l, t) in &plan.skipped_unsafe {
        out.push_str(&format!("unsafe (not applied): {}:{l}: {t}\n", p.display()));
    }
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    out.replace(&format!("{}/", root.display()), "")
        .replace(&format!("a/{}/", root.display()), "a/")
}

/// Writes every file of the plan (group vars first); panics on an error.
pub fn write_all(plan: &Plan, root: &Path) {
    let tree = fleetpin_pin::write::Tree::new(&[root.to_path_buf()]);
    let (_, errors) = fleetpin_pin::write::write_plans(&plan.files, &tree);
    assert!(errors.is_empty(), "{errors:?}");
}

/// Copies a directory tree (an example into a temp dir).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

pub fn read(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join(rel)).unwrap()
}

pub fn paths(root: &Path) -> Vec<PathBuf> {
    vec![root.to_path_buf()]
}
