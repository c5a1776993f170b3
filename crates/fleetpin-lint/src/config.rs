//! `fleetpin.toml`: rule selection, severities, per-path ignores, floating tags, required pin
//! strength, size limit.
//!
//! Parsed with spans and `deny_unknown_fields`, so a misspelt key or a bad value is an
//! [`ConfigError`] naming the file and line; it is rendered like a finding (code `E008`).
//!
//! ```toml
//! [lint]
//! select = ["ANS", "SH", "IMG001"]     # default: every rule that is not opt-in
//! ignore = ["ANS009"]
//! extend-select = ["IMG002"]           # opt-in rules
//! floating-tags = ["latest", "stable", "edge", "lts", "mainline"]   # replaces the default list
//! extend-floating-tags = ["prod"]                                  # adds to it
//! required-pin = "exact"               # "any" | "range" | "exact" | "digest"
//! max-file-size = 10485760             # bytes
//!
//! [lint.severity]
//! ANS002 = "error"
//!
//! [lint.per-path-ignores]
//! "roles/legacy/**" = ["ANS001"]
//! "vendor/**" = ["E005"]               # input errors only by their exact code
//! ```
//!
//! Selectors are codes (`ANS001`), prefixes (`ANS`, `IMG00`), names (`package-state-latest`)
//! or `ALL`. Opt-in rules (`IMG002`) are enabled only by their exact code or name, and input
//! errors (`E...`) are switched off only by their exact code or name.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use fleetpin_diag::{Diagnostic, Kind, RuleMeta, Severity, SourceFile, Span};
use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use toml::Spanned;

use crate::registry;
use crate::rules::input::InvalidConfig;

/// Name of the configuration file looked up from each linted path upwards.
pub const CONFIG_FILE_NAME: &str = "fleetpin.toml";

/// Default `max-file-size`: 10 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// Default `floating-tags`: the one list of moving words, owned by `fleetpin-spec`.
pub use fleetpin_spec::DEFAULT_FLOATING_TAGS;

/// The weakest pin that passes (`required-pin`). Ordered from weakest to strongest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequiredPin {
    /// Anything but an explicitly floating value passes (`state: present` without a version
    /// is accepted; `state: latest`, `:latest` and branches are still reported).
    Any,
    /// A version range or glob (`docker-ce=5:23.0*`, `requests>=2`, `>=1.0.0`) passes.
    Range,
    /// An exact version is required (default). Tags count as exact for images, actions and
    /// checkouts.
    Exact,
    /// A content digest is required: images need `@sha256:`, checkouts a commit SHA (enables
    /// `IMG002`).
    Digest,
}

/// An invalid configuration file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{}: cannot read configuration: {source}", path.display())]
    Read {
        /// The configuration file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A syntax error, unknown key or bad value.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Invalid {
        /// The configuration file.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What is wrong.
        message: String,
        /// The file's text and the byte range of the problem, for a source frame.
        source_text: Option<(SourceFile, Range<usize>)>,
    },
}

impl ConfigError {
    /// The error as an `E008` diagnostic (with a source frame when there is a position).
    pub fn to_diagnostic(&self) -> Diagnostic {
        let meta = InvalidConfig::RULE;
        match self {
            ConfigError::Read { path, source } => Diagnostic::input_error(
                meta.code,
                meta.name,
                format!("cannot read configuration: {source}"),
            )
            .with_path(path.clone()),
            ConfigError::Invalid {
                path,
                message,
                source_text,
                ..
            } => {
                let d = Diagnostic::input_error(meta.code, meta.name, message.clone());
                match source_text {
                    Some((file, range)) => {
                        d.with_primary(Span::new(file.clone(), range.clone()), "")
                    }
                    None => d.with_path(path.clone()),
                }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    lint: RawLint,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawLint {
    select: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    #[serde(default)]
    extend_select: Vec<Spanned<String>>,
    #[serde(default)]
    severity: HashMap<Spanned<String>, Spanned<Severity>>,
    #[serde(default)]
    per_path_ignores: HashMap<Spanned<String>, Vec<Spanned<String>>>,
    floating_tags: Option<Vec<String>>,
    #[serde(default)]
    extend_floating_tags: Vec<String>,
    required_pin: Option<RequiredPin>,
    max_file_size: Option<u64>,
}

/// Resolved lint configuration for one linted path.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from, if any.
    pub path: Option<PathBuf>,
    /// Directory that `per-path-ignores` globs are relative to.
    pub root: PathBuf,
    /// `select`: `None` means every rule that is not opt-in.
    pub select: Option<Vec<String>>,
    /// `ignore`.
    pub ignore: Vec<String>,
    /// `extend-select`.
    pub extend_select: Vec<String>,
    /// `[lint.severity]` overrides by rule code.
    pub severity: HashMap<&'static str, Severity>,
    /// `[lint.per-path-ignores]`: globs relative to [`Config::root`] and rule selectors.
    pub per_path_ignores: Vec<(String, Vec<String>)>,
    per_path_globs: GlobSet,
    /// Moving words (lower-case): a tag that is one, or ends in one, floats. A tag with no
    /// version component floats whatever this list holds (`fleetpin_spec::classify_tag`).
    pub floating_tags: Vec<String>,
    /// The weakest pin that passes.
    pub required_pin: RequiredPin,
    /// Files larger than this are refused (`E004`).
    pub max_file_size: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            path: None,
            root: PathBuf::from("."),
            select: None,
            ignore: Vec::new(),
            extend_select: Vec::new(),
            severity: HashMap::new(),
            per_path_ignores: Vec::new(),
            per_path_globs: GlobSet::empty(),
            floating_tags: DEFAULT_FLOATING_TAGS
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            required_pin: RequiredPin::Exact,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
        }
    }
}

/// Finds `fleetpin.toml` in `start` (or its directory, if it is a file) or any ancestor.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let abs = std::path::absolute(start).ok()?;
    let mut dir = if abs.is_dir() {
        Some(abs.as_path())
    } else {
        abs.parent()
    };
    while let Some(d) = dir {
        let candidate = d.join(CONFIG_FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

impl Config {
    /// Reads and validates a configuration file. `display_path` is how the file is named in
    /// messages.
    pub fn load(path: &Path, display_path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: display_path.to_path_buf(),
            source,
        })?;
        let root = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Config::parse(&text, display_path, root)
    }

    /// Parses configuration text; `root` is the directory `per-path-ignores` is relative to.
    pub fn parse(text: &str, display_path: &Path, root: PathBuf) -> Result<Config, ConfigError> {
        let file = SourceFile::new(display_path, text);
        let err = |range: Option<Range<usize>>, message: String| {
            let (line, column) = range.as_ref().map_or((1, 1), |r| file.line_col(r.start));
            ConfigError::Invalid {
                path: display_path.to_path_buf(),
                line,
                column,
                message,
                source_text: range.map(|r| (file.clone(), r)),
            }
        };
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            err(
                e.span(),
                format!("invalid {CONFIG_FILE_NAME}: {}", e.message().trim_end()),
            )
        })?;
        let lint = raw.lint;
        let check_selectors = |list: &[Spanned<String>]| -> Result<Vec<String>, ConfigError> {
            list.iter()
                .map(|s| {
                    if registry::is_valid_selector(s.get_ref()) {
                        Ok(s.get_ref().clone())
                    } else {
                        Err(err(
                            Some(s.span()),
                            format!(
                                "unknown rule code or name `{}` (`fleetpin rule --all` lists them)",
                                s.get_ref()
                            ),
                        ))
                    }
                })
                .collect()
        };
        let select = lint.select.as_deref().map(check_selectors).transpose()?;
        let ignore = check_selectors(&lint.ignore)?;
        let extend_select = check_selectors(&lint.extend_select)?;
        let mut severity = HashMap::new();
        for (code, sev) in &lint.severity {
            let Some(meta) = registry::find(code.get_ref()) else {
                return Err(err(
                    Some(code.span()),
                    format!("unknown rule `{}` in [lint.severity]", code.get_ref()),
                ));
            };
            severity.insert(meta.code, *sev.get_ref());
        }
        let mut per_path_ignores = Vec::new();
        let mut globs = GlobSetBuilder::new();
        let mut entries: Vec<_> = lint.per_path_ignores.iter().collect();
        entries.sort_by_key(|(k, _)| k.span().start);
        for (pattern, codes) in entries {
            let glob = build_glob(pattern.get_ref()).map_err(|e| {
                err(
                    Some(pattern.span()),
                    format!("invalid glob `{}`: {e}", pattern.get_ref()),
                )
            })?;
            globs.add(glob);
            per_path_ignores.push((pattern.get_ref().clone(), check_selectors(codes)?));
        }
        let per_path_globs = globs
            .build()
            .map_err(|e| err(None, format!("invalid per-path-ignores: {e}")))?;
        let mut floating_tags: Vec<String> = lint.floating_tags.unwrap_or_else(|| {
            DEFAULT_FLOATING_TAGS
                .iter()
                .map(|s| (*s).to_owned())
                .collect()
        });
        floating_tags.extend(lint.extend_floating_tags);
        for t in &mut floating_tags {
            t.make_ascii_lowercase();
        }
        Ok(Config {
            path: Some(display_path.to_path_buf()),
            root,
            select,
            ignore,
            extend_select,
            severity,
            per_path_ignores,
            per_path_globs,
            floating_tags,
            required_pin: lint.required_pin.unwrap_or(RequiredPin::Exact),
            max_file_size: lint.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE),
        })
    }

    /// Whether `tag` is in `floating-tags` (case-insensitive).
    pub fn is_floating_tag(&self, tag: &str) -> bool {
        self.floating_tags
            .iter()
            .any(|t| t.eq_ignore_ascii_case(tag))
    }

    /// Whether `per-path-ignores` switches `code` off for `path`. Input errors (`E...`) only
    /// by their exact code or name, never by a prefix.
    pub fn ignores_at(&self, path: &Path, code: &str) -> bool {
        let Some(meta) = registry::find(code) else {
            return false;
        };
        self.path_ignores(path).iter().any(|sel| {
            if meta.kind == Kind::InputError {
                sel.eq_ignore_ascii_case(meta.code) || sel.eq_ignore_ascii_case(meta.name)
            } else {
                registry::matches_selector(sel, meta)
            }
        })
    }

    /// Rules switched off for `path` by `per-path-ignores` (path absolute or relative to the
    /// current directory).
    pub fn path_ignores(&self, path: &Path) -> Vec<&str> {
        if self.per_path_ignores.is_empty() {
            return Vec::new();
        }
        let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let root = std::path::absolute(&self.root).unwrap_or_else(|_| self.root.clone());
        let rel = abs.strip_prefix(&root).unwrap_or(&abs);
        let mut out = Vec::new();
        for idx in self.per_path_globs.matches(rel) {
            out.extend(self.per_path_ignores[idx].1.iter().map(String::as_str));
        }
        if let Some(name) = rel.file_name() {
            for idx in self.per_path_globs.matches(Path::new(name)) {
                out.extend(self.per_path_ignores[idx].1.iter().map(String::as_str));
            }
        }
        out
    }

    /// Resolves which rules run and at which severity, with command-line overrides applied.
    pub fn rule_set(&self, overrides: &RuleOverrides) -> RuleSet {
        let select = overrides.select.as_ref().or(self.select.as_ref());
        let ignore: Vec<&str> = self
            .ignore
            .iter()
            .chain(&overrides.ignore)
            .map(String::as_str)
            .collect();
        let extend: Vec<&str> = self
            .extend_select
            .iter()
            .chain(&overrides.extend_select)
            .map(String::as_str)
            .collect();
        let mut enabled = Vec::new();
        for meta in registry::all() {
            let on = if meta.kind == Kind::InputError {
                // Input errors are always reported unless ignored by their exact code or name
                // (an escape hatch for a file fleetpin cannot parse but Ansible can).
                !ignore
                    .iter()
                    .any(|x| x.eq_ignore_ascii_case(meta.code) || x.eq_ignore_ascii_case(meta.name))
            } else {
                let explicit = |sel: &str| {
                    sel.eq_ignore_ascii_case(meta.code) || sel.eq_ignore_ascii_case(meta.name)
                };
                let selected = if meta.opt_in {
                    select.is_some_and(|s| s.iter().any(|x| explicit(x)))
                        || extend.iter().any(|x| explicit(x))
                        || (meta.code == "IMG002" && self.required_pin == RequiredPin::Digest)
                } else {
                    select.is_none_or(|s| s.iter().any(|x| registry::matches_selector(x, meta)))
                        || extend.iter().any(|x| registry::matches_selector(x, meta))
                };
                selected && !ignore.iter().any(|x| registry::matches_selector(x, meta))
            };
            if on {
                enabled.push(meta.code);
            }
        }
        RuleSet {
            enabled,
            severity: self.severity.clone(),
        }
    }
}

fn build_glob(pattern: &str) -> Result<Glob, globset::Error> {
    let pattern = pattern.strip_prefix("./").unwrap_or(pattern);
    let pattern = if pattern.ends_with('/') {
        format!("{pattern}**")
    } else {
        pattern.to_owned()
    };
    GlobBuilder::new(&pattern).literal_separator(true).build()
}

/// Rule selection given on the command line; replaces (`select`) or extends the file's.
#[derive(Debug, Clone, Default)]
pub struct RuleOverrides {
    /// `--select`: replaces the file's `select`.
    pub select: Option<Vec<String>>,
    /// `--ignore`: added to the file's `ignore`.
    pub ignore: Vec<String>,
    /// `--extend-select`: added to the file's `extend-select`.
    pub extend_select: Vec<String>,
}

/// Which rules run, and severity overrides.
#[derive(Debug, Clone)]
pub struct RuleSet {
    enabled: Vec<&'static str>,
    severity: HashMap<&'static str, Severity>,
}

impl RuleSet {
    /// Whether the rule with this code runs.
    pub fn is_enabled(&self, code: &str) -> bool {
        self.enabled.contains(&code)
    }

    /// Severity of `code`, given the severity the rule chose for this finding.
    pub fn severity(&self, code: &str, chosen: Severity) -> Severity {
        self.severity.get(code).copied().unwrap_or(chosen)
    }

    /// Codes of the enabled rules.
    pub fn enabled(&self) -> &[&'static str] {
        &self.enabled
    }

    /// Metadata of the enabled rules.
    pub fn metas(&self) -> impl Iterator<Item = &'static RuleMeta> + '_ {
        registry::all()
            .iter()
            .filter(|m| self.enabled.contains(&m.code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("fleetpin.toml"), PathBuf::from("/repo"))
    }

    #[test]
    fn defaults() {
        let c = parse("").unwrap();
        let rs = c.rule_set(&RuleOverrides::default());
        assert!(rs.is_enabled("ANS001"));
        assert!(rs.is_enabled("E001"));
        assert!(!rs.is_enabled("IMG002"));
        assert_eq!(c.required_pin, RequiredPin::Exact);
        assert!(c.is_floating_tag("LATEST"));
    }

    /// Issue 8: the CLI used 9 floating tags and the Dockerfile crate 19, so `nginx:rolling`
    /// passed `fleetpin lint`. There is one list now, and user config sits on top of it.
    #[test]
    fn issue_8_one_floating_tag_list() {
        let c = Config::default();
        assert_eq!(c.floating_tags, fleetpin_spec::DEFAULT_FLOATING_TAGS);
        assert!(c.is_floating_tag("rolling") && c.is_floating_tag("canary"));
        let c = parse("[lint]\nextend-floating-tags = [\"Prod\"]\n").unwrap();
        assert!(c.is_floating_tag("prod") && c.is_floating_tag("rolling"));
        let c = parse("[lint]\nfloating-tags = [\"prod\"]\n").unwrap();
        assert!(c.is_floating_tag("prod") && !c.is_floating_tag("rolling"));
    }

    #[test]
    fn full_config() {
        let c = parse(
            r#"
[lint]
select = ["ANS", "IMG001"]
ignore = ["ANS009"]
extend-select = ["image-without-digest"]
floating-tags = ["latest", "rolling"]
required-pin = "range"
max-file-size = 1024

[lint.severity]
ANS002 = "error"

[lint.per-path-ignores]
"roles/legacy/**" = ["ANS001"]
"#,
        )
        .unwrap();
        let rs = c.rule_set(&RuleOverrides::default());
        assert!(rs.is_enabled("ANS001") && rs.is_enabled("IMG001") && rs.is_enabled("IMG002"));
        assert!(!rs.is_enabled("ANS009") && !rs.is_enabled("SH001"));
        assert_eq!(rs.severity("ANS002", Severity::Warning), Severity::Error);
        assert!(c.is_floating_tag("rolling") && !c.is_floating_tag("stable"));
        assert_eq!(c.required_pin, RequiredPin::Range);
        assert_eq!(c.max_file_size, 1024);
        assert_eq!(
            c.path_ignores(Path::new("/repo/roles/legacy/tasks/main.yml")),
            vec!["ANS001"]
        );
        assert!(
            c.path_ignores(Path::new("/repo/roles/new/tasks/main.yml"))
                .is_empty()
        );
        let rs = c.rule_set(&RuleOverrides {
            select: Some(vec!["SH".into()]),
            ..RuleOverrides::default()
        });
        assert!(rs.is_enabled("SH001") && !rs.is_enabled("ANS001"));
    }

    #[test]
    fn digest_enables_img002() {
        let c = parse("[lint]\nrequired-pin = \"digest\"\n").unwrap();
        assert!(c.rule_set(&RuleOverrides::default()).is_enabled("IMG002"));
    }

    fn error_line(text: &str) -> (usize, String) {
        match parse(text).unwrap_err() {
            ConfigError::Invalid { line, message, .. } => (line, message),
            other => panic!("{other}"),
        }
    }

    #[test]
    fn unknown_key_names_line() {
        let (line, msg) = error_line("[lint]\nselect = [\"ANS\"]\nignor = [\"ANS001\"]\n");
        assert_eq!(line, 3);
        assert!(msg.contains("ignor"), "{msg}");
    }

    #[test]
    fn unknown_table_names_line() {
        let (line, msg) = error_line("\n[linter]\nselect = []\n");
        assert_eq!(line, 2);
        assert!(msg.contains("linter"), "{msg}");
    }

    #[test]
    fn bad_values_name_line() {
        assert_eq!(error_line("[lint]\n\nselect = [\"NOPE1\"]\n").0, 3);
        assert_eq!(error_line("[lint]\nrequired-pin = \"strict\"\n").0, 2);
        assert_eq!(error_line("[lint.severity]\nANS001 = \"fatal\"\n").0, 2);
        assert_eq!(error_line("[lint.severity]\nXX001 = \"error\"\n").0, 2);
        assert_eq!(error_line("[lint]\nmax-file-size = \"big\"\n").0, 2);
        assert_eq!(
            error_line("[lint.per-path-ignores]\n\"a/[b\" = [\"ANS001\"]\n").0,
            2
        );
        assert_eq!(error_line("[lint\n").0, 1);
    }

    #[test]
    fn error_renders_as_e008() {
        let e = parse("[lint]\nignor = []\n").unwrap_err();
        let d = e.to_diagnostic();
        assert_eq!(d.code, "E008");
        assert_eq!(d.location().map(|l| l.0), Some(2));
    }
}
