//! `sarif`: SARIF 2.1.0, as GitHub code scanning ingests it.
//!
//! One run; `tool.driver.rules` lists every rule in [`RenderOptions::rules`] (so code
//! scanning can close alerts of rules that ran and found nothing) plus a synthetic entry for
//! each code that has a diagnostic but no metadata (input errors, for example). Each result
//! carries:
//!
//! - `ruleId`, `ruleIndex`, `level` (`error`, `warning`, `note`) and `message.text`, which
//!   also carries the notes and the help line (code scanning shows only the message);
//! - one location: `artifactLocation.uri` relative to `%SRCROOT%` (forward slashes,
//!   percent-encoded), `region` with 1-based lines and columns counted in Unicode code points
//!   (`columnKind: unicodeCodePoints`), `endColumn` exclusive. A diagnostic without a position
//!   (an unreadable file) points at line 1 of its file, since code scanning rejects results
//!   without a location;
//! - `relatedLocations` for secondary labels (where a variable was set);
//! - `partialFingerprints.primaryLocationLineHash`: a stable hash of the rule, the path and
//!   the trimmed text of the primary line, with `:N` counting repeats, so alerts survive lines
//!   moving up and down;
//! - `fixes` with the byte-exact replacement regions of the fix, if any.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;

use super::{Region, RenderOptions, display_path};
use crate::{Diagnostic, Kind, RuleMeta, Severity, Span};

/// `$schema` of the log: the OASIS SARIF 2.1.0 schema.
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The `uriBaseId` every relative artifact URI is relative to.
pub const SRCROOT: &str = "%SRCROOT%";

/// `tool.driver.informationUri`.
const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_uri_base_ids: Option<BTreeMap<&'static str, ArtifactLocation>>,
    results: Vec<SarifResult<'a>>,
    column_kind: &'static str,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: String,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    enabled: bool,
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<&'static str>,
    precision: &'static str,
    #[serde(rename = "problem.severity")]
    problem_severity: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: SarifRegion,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRegion {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

impl From<Region> for SarifRegion {
    fn from(r: Region) -> Self {
        SarifRegion {
            start_line: r.start_line,
            start_column: r.start_column,
            end_line: r.end_line,
            end_column: r.end_column,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix {
    description: Text,
    artifact_changes: Vec<ArtifactChange>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    deleted_region: SarifRegion,
    inserted_content: Text,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn problem_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "recommendation",
    }
}

/// Rule family tag: `input-error` for input errors, else from the code prefix (`ANS001` ->
/// `ansible`).
fn family_tag(kind: Kind, code: &str) -> &'static str {
    if kind == Kind::InputError {
        return "input-error";
    }
    let prefix: String = code
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    match prefix.as_str() {
        "ANS" => "ansible",
        "SH" => "shell",
        "IMG" => "container-image",
        "GHA" => "github-actions",
        "GLX" => "ansible-galaxy",
        "SWM" => "docker-swarm",
        _ => "other",
    }
}

/// The first paragraph of the docs' "What it does" section, or the summary.
fn full_description(rule: &RuleMeta) -> String {
    let mut lines = rule.docs.lines().skip_while(|l| {
        let l = l.trim();
        !(l.starts_with('#') && l.to_ascii_lowercase().contains("what it does"))
    });
    if lines.next().is_some() {
        let paragraph: Vec<&str> = lines
            .skip_while(|l| l.trim().is_empty())
            .take_while(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .map(str::trim)
            .collect();
        if !paragraph.is_empty() {
            return paragraph.join(" ");
        }
    }
    rule.summary.to_owned()
}

fn descriptor(rule: &RuleMeta, options: &RenderOptions<'_>) -> ReportingDescriptor {
    let docs = if rule.docs.trim().is_empty() {
        rule.summary
    } else {
        rule.docs
    };
    let markdown = format!("# {} ({})\n\n{}", rule.name, rule.code, docs.trim());
    ReportingDescriptor {
        id: rule.code.to_owned(),
        name: rule.name.to_owned(),
        short_description: Text {
            text: rule.summary.to_owned(),
        },
        full_description: Text {
            text: full_description(rule),
        },
        help: Help {
            text: docs.trim().to_owned(),
            markdown,
        },
        help_uri: options
            .rule_docs_url
            .map(|base| format!("{}/{}.md", base.trim_end_matches('/'), rule.name)),
        default_configuration: Configuration {
            enabled: !rule.opt_in,
            level: level(rule.default_severity),
        },
        properties: RuleProperties {
            tags: vec!["fleetpin", family_tag(rule.kind, rule.code)],
            precision: "high",
            problem_severity: problem_severity(rule.default_severity),
        },
    }
}

fn synthetic_descriptor(d: &Diagnostic) -> ReportingDescriptor {
    let summary = if d.is_input_error() {
        format!("Input error: {}", d.name)
    } else {
        d.name.to_string()
    };
    ReportingDescriptor {
        id: d.code.to_string(),
        name: d.name.to_string(),
        short_description: Text {
            text: summary.clone(),
        },
        full_description: Text {
            text: summary.clone(),
        },
        help: Help {
            text: summary.clone(),
            markdown: summary,
        },
        help_uri: None,
        default_configuration: Configuration {
            enabled: true,
            level: level(d.severity),
        },
        properties: RuleProperties {
            tags: vec!["fleetpin", family_tag(d.kind, &d.code)],
            precision: "high",
            problem_severity: problem_severity(d.severity),
        },
    }
}

/// Percent-encode a path for a URI: RFC 3986 unreserved characters and `/` stay, every other
/// byte of the UTF-8 text becomes `%XX`.
pub(crate) fn percent_encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `file:///abs/dir/` for a directory.
fn directory_uri(dir: &Path) -> String {
    let mut s = display_path(dir);
    if !s.starts_with('/') {
        // Windows `C:/x` -> `/C:/x`.
        s.insert(0, '/');
    }
    if !s.ends_with('/') {
        s.push('/');
    }
    format!("file://{}", percent_encode_path(&s))
}

fn artifact_location(path: &Path, root: Option<&Path>) -> ArtifactLocation {
    let relative = if path.is_absolute() {
        root.and_then(|root| path.strip_prefix(root).ok())
    } else {
        Some(path)
    };
    match relative {
        Some(rel) => ArtifactLocation {
            uri: percent_encode_path(&display_path(rel)),
            uri_base_id: Some(SRCROOT),
        },
        None => {
            let mut s = display_path(path);
            if !s.starts_with('/') {
                s.insert(0, '/');
            }
            ArtifactLocation {
                uri: format!("file://{}", percent_encode_path(&s)),
                uri_base_id: None,
            }
        }
    }
}

/// FNV-1a, 64 bit: tiny, and stable across Rust releases (unlike `DefaultHasher`), which
/// fingerprints must be.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        // Separator, so ("ab", "c") and ("a", "bc") differ.
        hash ^= 0xff;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

fn message_text(d: &Diagnostic) -> String {
    let mut text = d.message.clone();
    for note in &d.notes {
        text.push_str("\nnote: ");
        text.push_str(note);
    }
    if let Some(help) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    text
}

pub(super) fn render(
    out: &mut dyn Write,
    diagnostics: &[Diagnostic],
    options: &RenderOptions<'_>,
) -> io::Result<()> {
    let mut rules: Vec<ReportingDescriptor> = options
        .rules
        .iter()
        .map(|r| descriptor(r, options))
        .collect();
    let mut index: HashMap<&str, usize> = options
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.code, i))
        .collect();
    let mut synthetic: Vec<&Diagnostic> = Vec::new();
    for d in diagnostics {
        if !index.contains_key(d.code.as_ref()) && !synthetic.iter().any(|s| s.code == d.code) {
            synthetic.push(d);
        }
    }
    synthetic.sort_by_key(|d| &d.code);
    for d in synthetic {
        index.insert(&d.code, rules.len());
        rules.push(synthetic_descriptor(d));
    }

    let mut seen: HashMap<u64, usize> = HashMap::new();
    let results = diagnostics
        .iter()
        .map(|d| {
            let path = d.file_path();
            let artifact = match path {
                Some(p) => artifact_location(p, options.root),
                // Code scanning needs a location: name the root itself.
                None => ArtifactLocation {
                    uri: ".".into(),
                    uri_base_id: Some(SRCROOT),
                },
            };
            let (region, line_text) = match &d.primary {
                Some(label) => {
                    let r = Region::of(&label.span);
                    let line = label.span.file.line_range(r.start_line);
                    (r, label.span.file.text()[line].trim().to_owned())
                }
                None => (Region::file_start(), String::new()),
            };
            let hash = fnv1a(&[
                d.code.as_bytes(),
                artifact.uri.as_bytes(),
                line_text.as_bytes(),
            ]);
            let n = seen.entry(hash).or_default();
            *n += 1;
            let mut fingerprints = BTreeMap::new();
            fingerprints.insert("primaryLocationLineHash", format!("{hash:016x}:{n}"));

            let related = d
                .secondary
                .iter()
                .enumerate()
                .map(|(i, l)| Location {
                    id: Some(i + 1),
                    physical_location: PhysicalLocation {
                        artifact_location: artifact_location(l.span.file.path(), options.root),
                        region: Region::of(&l.span).into(),
                    },
                    message: Some(Text {
                        text: l.message.clone(),
                    }),
                })
                .collect();
            let fixes = match (&d.fix, &d.primary) {
                (Some(fix), Some(primary)) => vec![SarifFix {
                    description: Text {
                        text: fix.title.clone(),
                    },
                    artifact_changes: vec![ArtifactChange {
                        artifact_location: artifact.clone(),
                        replacements: fix
                            .edits
                            .iter()
                            .map(|e| Replacement {
                                deleted_region: exact_region(&Span::new(
                                    primary.span.file.clone(),
                                    e.range.clone(),
                                )),
                                inserted_content: Text {
                                    text: e.content.clone(),
                                },
                            })
                            .collect(),
                    }],
                }],
                _ => Vec::new(),
            };
            SarifResult {
                rule_id: &d.code,
                rule_index: index[d.code.as_ref()],
                level: level(d.severity),
                message: Text {
                    text: message_text(d),
                },
                locations: vec![Location {
                    id: None,
                    physical_location: PhysicalLocation {
                        artifact_location: artifact,
                        region: region.into(),
                    },
                    message: None,
                }],
                related_locations: related,
                partial_fingerprints: fingerprints,
                fixes,
            }
        })
        .collect();

    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "fleetpin",
                    version: options.tool_version,
                    information_uri: INFORMATION_URI,
                    rules,
                },
            },
            original_uri_base_ids: options.root.map(|root| {
                BTreeMap::from([(
                    SRCROOT,
                    ArtifactLocation {
                        uri: directory_uri(root),
                        uri_base_id: None,
                    },
                )])
            }),
            results,
            column_kind: "unicodeCodePoints",
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")
}

/// The region of exactly `span` (line terminators included), for fix replacements.
fn exact_region(span: &Span) -> SarifRegion {
    let (start_line, start_column) = span.start();
    let (end_line, end_column) = span.end();
    SarifRegion {
        start_line,
        start_column,
        end_line,
        end_column,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_keeps_unreserved_and_slashes() {
        assert_eq!(
            percent_encode_path("stacks/mönitoring stack.yml"),
            "stacks/m%C3%B6nitoring%20stack.yml"
        );
        assert_eq!(percent_encode_path("a:b/c%d#e?"), "a%3Ab/c%25d%23e%3F");
    }

    #[test]
    fn artifact_locations_are_relative_to_the_root() {
        let root = Path::new("/srv/infra");
        let loc = artifact_location(Path::new("/srv/infra/site.yml"), Some(root));
        assert_eq!(loc.uri, "site.yml");
        assert_eq!(loc.uri_base_id, Some(SRCROOT));
        let loc = artifact_location(Path::new("./roles/x/tasks/main.yml"), Some(root));
        assert_eq!(loc.uri, "roles/x/tasks/main.yml");
        let loc = artifact_location(Path::new("/etc/ansible/hosts"), Some(root));
        assert_eq!(loc.uri, "file:///etc/ansible/hosts");
        assert_eq!(loc.uri_base_id, None);
        assert_eq!(
            directory_uri(Path::new("/srv/my infra")),
            "file:///srv/my%20infra/"
        );
    }

    #[test]
    fn fingerprint_hash_is_stable() {
        // Pinned value (computed by an independent Python FNV-1a): changing the hash would
        // re-open every alert on GitHub.
        assert_eq!(
            fnv1a(&[b"ANS001", b"site.yml", b"state: latest"]),
            0x3ba6_9c2b_e829_8074
        );
        assert_ne!(fnv1a(&[b"ab", b"c"]), fnv1a(&[b"a", b"bc"]));
        assert_eq!(fnv1a(&[]), 0xcbf2_9ce4_8422_2325);
    }
}
