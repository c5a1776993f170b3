//! GLX001 galaxy-requirement-unpinned.

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds roles and collections in Galaxy `requirements.yml` (and role dependencies with a
    /// `src` in a role's `meta/main.yml`) without a `version` (error), with a branch as
    /// version (error), or with a version range such as `>=1.0.0` or `*` (warning). In a
    /// collection's `galaxy.yml`, where ranges are the norm, only a dependency that accepts
    /// any version (`*`) is reported.
    ///
    /// ## Why is this bad?
    /// `ansible-galaxy install -r requirements.yml` then installs whatever is newest on the
    /// day it runs; the roles and modules your playbooks call change under you. Renovate's
    /// Galaxy manager skips unversioned entries, so nothing proposes a pin either.
    ///
    /// ## Example
    /// ```yaml
    /// collections:
    ///   - name: community.docker
    /// roles:
    ///   - src: https://github.com/geerlingguy/ansible-role-docker.git
    ///     version: master
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// collections:
    ///   - name: community.docker
    ///     version: 3.7.0
    /// roles:
    ///   - src: https://github.com/geerlingguy/ansible-role-docker.git
    ///     version: 7.1.0
    /// ```
    ///
    /// ## Fix safety
    /// `fleetpin pin` (and `fleetpin lint --fix`) writes the version `ansible-galaxy collection
    /// list` reports installed (or the one given with `--galaxy-version NAME=VER`), adding a
    /// missing `version:` key in the entry's style. Safe: it is the version you run.
    ///
    /// ## Options
    /// - `lint.required-pin`: with `"range"`, ranges pass.
    ///
    /// ## References
    /// - [Installing roles and collections from a requirements file](https://docs.ansible.com/ansible/latest/galaxy/user_guide.html#installing-roles-and-collections-from-the-same-requirements-yml-file)
    pub struct GalaxyRequirementUnpinned {
        code: "GLX001",
        name: "galaxy-requirement-unpinned",
        summary: "Galaxy role or collection is not pinned to a version",
        severity: Error,
        opt_in: false,
        fix: Sometimes,
    }
}

use fleetpin_diag::Severity;
use fleetpin_yaml::{Document, Node};

use crate::checker::Checker;
use crate::config::RequiredPin;
use crate::kind::FileKind;
use crate::rules::common::is_templated;
use fleetpin_spec::revision::{RefStrength, ref_strength};

/// Checks Galaxy `requirements.yml`, a collection's `galaxy.yml` and a role's
/// `meta/main.yml` dependencies.
pub(crate) fn check(checker: &mut Checker<'_>, docs: &[Document]) {
    if !checker.enabled(&GalaxyRequirementUnpinned::RULE) {
        return;
    }
    for doc in docs {
        let root = &doc.root;
        match checker.kind {
            FileKind::GalaxyRequirements => {
                if let Some(items) = root.as_seq() {
                    for item in items {
                        check_entry(checker, item, "role");
                    }
                }
                for (key, what) in [("roles", "role"), ("collections", "collection")] {
                    for item in root.get(key).and_then(Node::as_seq).unwrap_or(&[]) {
                        check_entry(checker, item, what);
                    }
                }
            }
            FileKind::RoleMeta => {
                for item in root
                    .get("dependencies")
                    .and_then(Node::as_seq)
                    .unwrap_or(&[])
                {
                    // Only dependencies that ansible-galaxy installs (they name a `src`).
                    if item.contains_key("src") {
                        check_entry(checker, item, "role");
                    }
                }
            }
            FileKind::GalaxyCollection => {
                for (name, key, value) in root
                    .get("dependencies")
                    .map(|d| d.entries())
                    .into_iter()
                    .flatten()
                {
                    let version = value.as_str().unwrap_or("").trim();
                    if version.is_empty() || version == "*" {
                        let range = if value.is_null() {
                            key.span.clone()
                        } else {
                            checker.node_range(value)
                        };
                        let d = checker
                            .diagnostic(
                                &GalaxyRequirementUnpinned::RULE,
                                range,
                                format!("collection dependency `{name}` accepts any version (`{}`)", if version.is_empty() { "" } else { "*" }),
                            )
                            .with_help("give the range of versions your collection is tested with, e.g. `\">=3.4.0,<4.0.0\"`");
                        checker.report(Checker::with_severity(d, Severity::Warning));
                    }
                }
            }
            _ => {}
        }
    }
}

/// The name of an entry: `name`, else `src`, else the string itself.
fn entry_name(item: &Node) -> Option<(&str, &Node)> {
    if let Some(s) = item.as_str() {
        return Some((s, item));
    }
    for key in ["name", "src", "role"] {
        if let Some(n) = item.get(key)
            && let Some(s) = n.as_str()
        {
            return Some((s, n));
        }
    }
    None
}

fn check_entry(checker: &mut Checker<'_>, item: &Node, what: &str) {
    let Some((name, name_node)) = entry_name(item) else {
        return;
    };
    let rule = GalaxyRequirementUnpinned::RULE;
    // Local sources are part of the repository.
    let kind = item.get("type").and_then(Node::as_str).unwrap_or("");
    if matches!(kind, "file" | "dir" | "subdirs")
        || name == "."
        || name == ".."
        || name.starts_with('/')
        || name.starts_with("./")
        || name.starts_with("../")
        || name.starts_with("file://")
    {
        return;
    }
    // Old forms: `src,version[,name]` and `git+https://...,v1.0`.
    let (name, inline_version) = match item
        .as_str()
        .or_else(|| item.get("src").and_then(Node::as_str))
    {
        Some(s) if s.contains(',') => {
            let mut parts = s.splitn(3, ',');
            let n = parts.next().unwrap_or("").trim();
            (n, parts.next().map(str::trim))
        }
        _ => (name, None),
    };
    // A tarball URL names its version in the URL.
    let src = item.get("src").and_then(Node::as_str).unwrap_or(name);
    if kind == "url"
        || [name, src]
            .iter()
            .any(|s| s.ends_with(".tar.gz") || s.ends_with(".tgz"))
    {
        return;
    }
    let version_node = item.get("version");
    let version = version_node
        .and_then(Node::as_str)
        .map(str::trim)
        .or(inline_version)
        .unwrap_or("");
    if is_templated(version) {
        return;
    }
    let scm = item.get("scm").is_some()
        || kind == "git"
        || name.contains("://")
        || name.starts_with("git@")
        || name.starts_with("git+");
    let span = version_node
        .filter(|v| !v.is_null())
        .map_or_else(|| checker.node_range(name_node), |v| checker.node_range(v));
    let pin = checker.required_pin();
    let (severity, message, help) = match ref_strength(version) {
        RefStrength::Sha => return,
        RefStrength::Tag if !(scm && pin == RequiredPin::Digest) => return,
        RefStrength::Tag => (
            Severity::Warning,
            format!("{what} `{name}` is pinned to tag `{version}`, not to a commit"),
            "pin the commit the tag points at (`required-pin = \"digest\"`)".to_owned(),
        ),
        RefStrength::Missing => (
            Severity::Error,
            if scm {
                format!(
                    "{what} `{name}` has no `version`: it installs whatever the default branch holds"
                )
            } else {
                format!(
                    "{what} `{name}` has no `version`: `ansible-galaxy` installs the newest release"
                )
            },
            "pin it: `version: X.Y.Z` (a release or tag, or a full commit SHA for git sources)"
                .to_owned(),
        ),
        RefStrength::Branch => (
            Severity::Error,
            format!("{what} `{name}` follows branch `{version}`"),
            "pin a release tag or a full commit SHA".to_owned(),
        ),
        RefStrength::Range if pin <= RequiredPin::Range => return,
        RefStrength::Range => (
            Severity::Warning,
            format!("{what} `{name}` accepts a range of versions (`{version}`)"),
            "pin one version: `version: X.Y.Z`".to_owned(),
        ),
        RefStrength::Unknown if !scm => return,
        RefStrength::Unknown => (
            Severity::Warning,
            format!(
                "{what} `{name}` is pinned to `{version}`, which is not a version or a commit and may be a branch"
            ),
            "pin a release tag or a full commit SHA".to_owned(),
        ),
    };
    let d = checker.diagnostic(&rule, span, message).with_help(help);
    checker.report(Checker::with_severity(d, severity));
}
