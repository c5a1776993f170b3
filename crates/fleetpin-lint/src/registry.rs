//! The rule registry: one table of every rule, sorted by code.
//!
//! Each rule lives in its own file under `src/rules/<family>/<rule_name>.rs` and is declared
//! with the `declare_rule!` macro; the rule's doc comment *is* its user documentation (sections: What
//! it does / Why is this bad? / Example / Use instead / Fix safety / Options / References).
//! [`all`] exposes them as [`RuleMeta`] for `fleetpin rule`, the generated `docs/rules/` pages
//! and SARIF rule metadata.

use std::sync::LazyLock;

use fleetpin_diag::{Kind, RuleMeta, Severity};

use crate::rules;

/// A rule as declared in its source file, before the docs are cleaned up.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Short code shown in output, for example `ANS001`.
    pub code: &'static str,
    /// Kebab-case name naming the bad pattern, for example `package-state-latest`.
    pub name: &'static str,
    /// One line describing the finding.
    pub summary: &'static str,
    /// Severity unless overridden in `fleetpin.toml`.
    pub default_severity: Severity,
    /// The doc comment, one `#[doc]` attribute per line (each line keeps rustdoc's leading
    /// space).
    pub raw_docs: &'static str,
    /// Off unless selected (`extend-select`).
    pub opt_in: bool,
    /// Finding or input error (`kind: InputError` in `declare_rule!`; findings by default).
    pub kind: Kind,
    /// Whether its findings carry a fix (`fix: Sometimes` in `declare_rule!`; `None` by
    /// default). The fixture harness checks every finding against it.
    pub fix: FixAvailability,
}

/// Whether a rule's findings carry a [`fleetpin_diag::Fix`] (ruff's `FixAvailability`): the
/// rule declares it, the fixture harness holds every finding to it, and `fleetpin pin` /
/// `lint --fix` will only ask rules that may fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixAvailability {
    /// Never: the finding needs a decision (which version?) the rule cannot make.
    None,
    /// When the rule can work the fix out (for example from `fleetpin.lock`).
    Sometimes,
    /// Every finding has one.
    Always,
}

impl FixAvailability {
    /// Whether a finding with (`true`) or without (`false`) a fix agrees with the declaration.
    pub fn allows(self, has_fix: bool) -> bool {
        match self {
            FixAvailability::None => !has_fix,
            FixAvailability::Sometimes => true,
            FixAvailability::Always => has_fix,
        }
    }
}

/// Declares a rule: a unit struct carrying its doc comment and a `RULE` constant.
///
/// ```text
/// declare_rule! {
///     /// ## What it does
///     /// ...
///     pub struct PackageStateLatest {
///         code: "ANS001",
///         name: "package-state-latest",
///         summary: "Package module with `state: latest`",
///         severity: Error,
///         opt_in: false,
///     }
/// }
/// ```
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])+
        $vis:vis struct $ty:ident {
            code: $code:literal,
            name: $name:literal,
            summary: $summary:literal,
            severity: $sev:ident,
            opt_in: $opt:literal
            $(, kind: $kind:ident)?
            $(, fix: $fix:ident)? $(,)?
        }
    ) => {
        $(#[doc = $doc])+
        #[derive(Debug, Clone, Copy)]
        $vis struct $ty;

        impl $ty {
            /// Registry entry of this rule.
            pub const RULE: $crate::registry::Rule = $crate::registry::Rule {
                code: $code,
                name: $name,
                summary: $summary,
                default_severity: ::fleetpin_diag::Severity::$sev,
                raw_docs: concat!($($doc, "\n"),+),
                opt_in: $opt,
                kind: {
                    #[allow(unused_variables)]
                    let kind = ::fleetpin_diag::Kind::Finding;
                    $(let kind = ::fleetpin_diag::Kind::$kind;)?
                    kind
                },
                fix: {
                    #[allow(unused_variables)]
                    let fix = $crate::registry::FixAvailability::None;
                    $(let fix = $crate::registry::FixAvailability::$fix;)?
                    fix
                },
            };
        }
    };
}
pub(crate) use declare_rule;

/// Every declared rule, in code order (checked by a unit test).
const RULES: &[Rule] = &[
    rules::ansible::package_state_latest::PackageStateLatest::RULE,
    rules::ansible::package_present_without_version::PackagePresentWithoutVersion::RULE,
    rules::ansible::blanket_upgrade::BlanketUpgrade::RULE,
    rules::ansible::package_version_range::PackageVersionRange::RULE,
    rules::ansible::unresolved_template::UnresolvedTemplate::RULE,
    rules::ansible::vcs_floating_ref::VcsFloatingRef::RULE,
    rules::ansible::download_from_latest_url::DownloadFromLatestUrl::RULE,
    rules::ansible::download_without_checksum::DownloadWithoutChecksum::RULE,
    rules::ansible::play_without_serial::PlayWithoutSerial::RULE,
    rules::input::UnreadableFile::RULE,
    rules::input::NonUtf8File::RULE,
    rules::input::BinaryFile::RULE,
    rules::input::FileTooLarge::RULE,
    rules::input::InvalidYaml::RULE,
    rules::input::InvalidDockerfile::RULE,
    rules::input::WalkError::RULE,
    rules::input::InvalidConfig::RULE,
    rules::input::InvalidInventory::RULE,
    rules::actions::action_not_pinned_to_sha::ActionNotPinnedToSha::RULE,
    rules::galaxy::galaxy_requirement_unpinned::GalaxyRequirementUnpinned::RULE,
    rules::image::image_floating_tag::ImageFloatingTag::RULE,
    rules::image::image_without_digest::ImageWithoutDigest::RULE,
    rules::image::image_version_range::ImageVersionRange::RULE,
    rules::shell::shell_unpinned_install::ShellUnpinnedInstall::RULE,
    rules::shell::pipe_to_shell::PipeToShell::RULE,
    rules::suppression::unused_suppression::UnusedSuppression::RULE,
    rules::swarm::stack_deploy_without_registry_auth::StackDeployWithoutRegistryAuth::RULE,
];

/// Cleaned docs, parallel to [`RULES`] (rustdoc's leading space removed from each line).
static DOCS: LazyLock<Vec<String>> =
    LazyLock::new(|| RULES.iter().map(|r| clean_docs(r.raw_docs)).collect());

static METAS: LazyLock<Vec<RuleMeta>> = LazyLock::new(|| {
    let mut metas: Vec<RuleMeta> = RULES
        .iter()
        .zip(DOCS.iter())
        .map(|(r, docs)| RuleMeta {
            code: r.code,
            name: r.name,
            summary: r.summary,
            default_severity: r.default_severity,
            docs: docs.as_str(),
            opt_in: r.opt_in,
            kind: r.kind,
        })
        .collect();
    metas.sort_by_key(|m| m.code);
    metas
});

fn clean_docs(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for line in raw.lines() {
        out.push_str(line.strip_prefix(' ').unwrap_or(line));
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// Every rule, sorted by code (input errors `E...` included).
pub fn all() -> &'static [RuleMeta] {
    &METAS
}

/// The declared rule of `code` (its registry entry, with what [`RuleMeta`] does not carry,
/// such as [`FixAvailability`]).
pub fn rule(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code == code)
}

/// Looks a rule up by code (`ANS001`, case-insensitive) or name (`package-state-latest`).
pub fn find(code_or_name: &str) -> Option<&'static RuleMeta> {
    all().iter().find(|m| {
        m.code.eq_ignore_ascii_case(code_or_name) || m.name.eq_ignore_ascii_case(code_or_name)
    })
}

/// The rule's full Markdown page, as printed by `fleetpin rule CODE` and written to
/// `docs/rules/<name>.md` by `fleetpin-dev generate-docs`: title, summary, severity (and how
/// to enable an opt-in rule), then the rule's docs.
pub fn markdown(meta: &RuleMeta) -> String {
    let mut page = format!("# {} ({})\n\n", meta.name, meta.code);
    page.push_str(meta.summary);
    page.push_str(".\n\n");
    page.push_str(&format!(
        "- Default severity: **{}**\n",
        meta.default_severity
    ));
    if meta.opt_in {
        page.push_str(&format!(
            "- Opt-in: off by default; enable it in `fleetpin.toml` under `[lint]` with \
             `extend-select = [\"{}\"]`\n",
            meta.code
        ));
    }
    page.push_str(&format!(
        "- Show this page: `fleetpin rule {}`\n\n",
        meta.code
    ));
    page.push_str(meta.docs.trim());
    page.push('\n');
    page
}

/// Whether `code` is a known rule code or a code prefix (`ANS`, `ANS00`) selecting rules.
pub fn matches_selector(selector: &str, meta: &RuleMeta) -> bool {
    selector.eq_ignore_ascii_case("ALL")
        || meta.name.eq_ignore_ascii_case(selector)
        || meta
            .code
            .get(..selector.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(selector))
}

/// Whether `selector` selects at least one rule.
pub fn is_valid_selector(selector: &str) -> bool {
    all().iter().any(|m| matches_selector(selector, m))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn fix_availability_is_declared_and_enforced() {
        use FixAvailability::*;
        assert!(None.allows(false) && !None.allows(true));
        assert!(Sometimes.allows(false) && Sometimes.allows(true));
        assert!(Always.allows(true) && !Always.allows(false));
        // The rules `fleetpin pin` fixes (when the lock, the registry or git know the
        // version) say `Sometimes`; every other rule `None`. The fixture harness holds each
        // finding to its declaration.
        const PINNED: &[&str] = &[
            "ANS001", "ANS002", "GHA001", "GLX001", "IMG001", "IMG002", "IMG003", "SH001",
        ];
        for r in RULES {
            let want = if PINNED.contains(&r.code) {
                Sometimes
            } else {
                None
            };
            assert_eq!(r.fix, want, "{}", r.code);
            assert!(rule(r.code).is_some_and(|found| found.code == r.code));
        }
    }

    #[test]
    fn codes_and_names_unique() {
        let mut codes = HashSet::new();
        let mut names = HashSet::new();
        for m in all() {
            assert!(codes.insert(m.code), "duplicate code {}", m.code);
            assert!(names.insert(m.name), "duplicate name {}", m.name);
        }
    }

    #[test]
    fn declaration_table_is_in_code_order() {
        let codes: Vec<_> = RULES.iter().map(|r| r.code).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        assert_eq!(codes, sorted);
    }

    #[test]
    fn docs_have_the_sections() {
        for m in all() {
            assert!(m.docs.starts_with("## What it does\n"), "{}", m.code);
            assert!(m.docs.contains("\n## Why is this bad?\n"), "{}", m.code);
            assert!(
                !m.summary.ends_with('.'),
                "{}: summary ends with '.'",
                m.code
            );
            if m.kind == Kind::Finding {
                assert!(m.docs.contains("\n## Example\n"), "{}", m.code);
                assert!(m.docs.contains("\n## Use instead\n"), "{}", m.code);
            }
        }
    }

    #[test]
    fn find_by_code_and_name() {
        assert_eq!(find("ans001").map(|m| m.name), Some("package-state-latest"));
        assert_eq!(find("pipe-to-shell").map(|m| m.code), Some("SH002"));
        assert!(find("nope").is_none());
    }

    #[test]
    fn selectors() {
        let ans001 = find("ANS001").unwrap();
        assert!(matches_selector("ANS", ans001));
        assert!(matches_selector("ANS00", ans001));
        assert!(matches_selector("package-state-latest", ans001));
        assert!(!matches_selector("ANS0011", ans001));
        assert!(!matches_selector("SH", ans001));
        assert!(is_valid_selector("IMG"));
        assert!(!is_valid_selector("XYZ"));
    }

    /// `docs/rules/<name>.md` must be what `fleetpin rule` prints (the pages are generated by
    /// `cargo run -p fleetpin-dev -- generate-docs`; `FLEETPIN_UPDATE_DOCS=1` rewrites them
    /// from this test too).
    #[test]
    fn docs_pages_are_up_to_date() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules");
        let update = std::env::var_os("FLEETPIN_UPDATE_DOCS").is_some();
        let mut stale = Vec::new();
        for m in all() {
            let path = dir.join(format!("{}.md", m.name));
            let want = markdown(m);
            if std::fs::read_to_string(&path).ok().as_deref() != Some(want.as_str()) {
                if update {
                    std::fs::create_dir_all(&dir).unwrap();
                    std::fs::write(&path, &want).unwrap();
                } else {
                    stale.push(path.display().to_string());
                }
            }
        }
        assert!(
            stale.is_empty(),
            "stale rule docs (run `cargo run -p fleetpin-dev -- generate-docs`): {stale:?}"
        );
    }

    #[test]
    fn rule_table_snapshot() {
        let table: Vec<String> = all()
            .iter()
            .map(|m| {
                format!(
                    "{:<7} {:<36} {:<8}{} {}",
                    m.code,
                    m.name,
                    m.default_severity.as_str(),
                    if m.opt_in { " opt-in" } else { "" },
                    m.summary
                )
            })
            .collect();
        insta::assert_snapshot!(table.join("\n"));
    }
}
