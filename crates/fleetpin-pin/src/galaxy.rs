//! Galaxy requirements: a collection without a `version` (or with a range) gets the version
//! installed here, as `ansible-galaxy collection list --format json` reports it, or as given
//! (`--galaxy-version NAME=VER`).

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::OnceLock;

use fleetpin_diag::{Applicability, Diagnostic};
use fleetpin_yaml::Node;

use crate::{Candidate, PinError};

/// Where collection versions come from.
pub trait GalaxyVersions: Sync {
    /// The version to pin collection `name` to.
    fn version(&self, name: &str) -> Result<String, String>;
}

/// Versions given on the command line, then the collections `ansible-galaxy` finds
/// installed (asked once, on first use).
#[derive(Debug, Default)]
pub struct InstalledCollections {
    /// `NAME = VER` given explicitly; they win.
    pub given: BTreeMap<String, String>,
    /// The `ansible-galaxy` program; `None` asks nothing.
    pub ansible_galaxy: Option<String>,
    installed: OnceLock<Result<BTreeMap<String, String>, String>>,
}

impl InstalledCollections {
    /// With explicit versions and the `ansible-galaxy` to ask.
    pub fn new(given: BTreeMap<String, String>, ansible_galaxy: Option<String>) -> Self {
        InstalledCollections {
            given,
            ansible_galaxy,
            installed: OnceLock::new(),
        }
    }

    fn installed(&self) -> &Result<BTreeMap<String, String>, String> {
        self.installed.get_or_init(|| {
            let Some(program) = &self.ansible_galaxy else {
                return Ok(BTreeMap::new());
            };
            let out = Command::new(program)
                .args(["collection", "list", "--format", "json"])
                .output()
                .map_err(|e| format!("cannot run `{program}`: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "`{program} collection list` failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
            parse_collection_list(&String::from_utf8_lossy(&out.stdout))
        })
    }
}

/// `{"/path": {"ns.name": {"version": "1.2.3"}}}` → name → version (the first path wins,
/// as Ansible searches the collection paths in order).
pub fn parse_collection_list(json: &str) -> Result<BTreeMap<String, String>, String> {
    let v: serde_json::Value = serde_json::from_str(json)
        .map_err(|e| format!("unexpected `collection list` output: {e}"))?;
    let mut out = BTreeMap::new();
    for (_, collections) in v.as_object().into_iter().flatten() {
        for (name, info) in collections.as_object().into_iter().flatten() {
            if let Some(ver) = info.get("version").and_then(|v| v.as_str()) {
                out.entry(name.clone()).or_insert_with(|| ver.to_owned());
            }
        }
    }
    Ok(out)
}

impl GalaxyVersions for InstalledCollections {
    fn version(&self, name: &str) -> Result<String, String> {
        if let Some(v) = self.given.get(name) {
            return Ok(v.clone());
        }
        match self.installed() {
            Ok(map) => map.get(name).cloned().ok_or_else(|| {
                format!("`{name}` is not installed here; give `--galaxy-version {name}=VERSION`")
            }),
            Err(e) => Err(e.clone()),
        }
    }
}

/// `collection \`NAME\` has no \`version\`` / `collection \`NAME\` accepts a range`.
fn collection_name(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("collection `")?;
    let (name, rest) = rest.split_once('`')?;
    (rest.starts_with(" has no `version`") || rest.starts_with(" accepts a range")).then_some(name)
}

fn find_entry<'n>(root: &'n Node, name: &str) -> Option<&'n Node> {
    root.get("collections")?
        .as_seq()?
        .iter()
        .find(|e| e.get("name").and_then(Node::as_str) == Some(name))
}

/// Candidate edits for the GLX001 findings about collections.
pub(crate) fn candidates(
    diags: &[&Diagnostic],
    source: &dyn GalaxyVersions,
    out: &mut Vec<Candidate>,
    errors: &mut Vec<PinError>,
) {
    for d in diags {
        let Some(primary) = &d.primary else { continue };
        let Some(name) = collection_name(&d.message) else {
            continue;
        };
        let file = &primary.span.file;
        let src = file.text();
        let path = file.path().to_path_buf();
        let line = primary.span.start().0;
        let not_literal = |why: String| PinError::NotLiteral {
            path: path.clone(),
            line,
            why,
        };
        let Ok(docs) = fleetpin_yaml::parse(src) else {
            continue;
        };
        let Some(entry) = docs.iter().find_map(|doc| find_entry(&doc.root, name)) else {
            errors.push(not_literal(format!(
                "`{name}` is not a `name:` entry of `collections:`; write it as `- name: {name}`"
            )));
            continue;
        };
        let version = match source.version(name) {
            Ok(v) => v,
            Err(message) => {
                errors.push(PinError::Unsupported {
                    path,
                    line,
                    package: name.to_owned(),
                    module: "ansible-galaxy".to_owned(),
                    why: message,
                });
                continue;
            }
        };
        let title = format!("pin collection `{name}` to {version} (installed)");
        if let Some(v) = entry.get("version") {
            match v.as_scalar() {
                Some(s) if src.get(s.value_span.clone()) == Some(s.value.as_str()) => {
                    out.push(Candidate {
                        file: file.clone(),
                        range: s.value_span.clone(),
                        content: version,
                        applicability: Applicability::Safe,
                        code: "GLX001",
                        title,
                    });
                }
                _ => errors.push(not_literal(format!(
                    "the `version` of `{name}` is not a plain value"
                ))),
            }
            continue;
        }
        // No `version:`: a new key after `name:`, in the entry's style.
        let Some((key, value)) = entry.get_entry("name") else {
            continue;
        };
        let flow = src[entry.span.clone()].starts_with('{');
        let (at, content) = if flow {
            (value.span.end, format!(", version: \"{version}\""))
        } else {
            let line_start = src[..key.span.start].rfind('\n').map_or(0, |i| i + 1);
            let indent = key.span.start - line_start;
            let eol = src[value.span.end..].find('\n').map(|i| value.span.end + i);
            let Some(eol) = eol else {
                // Last line without a newline: append one.
                out.push(Candidate {
                    file: file.clone(),
                    range: src.len()..src.len(),
                    content: format!("\n{}version: \"{version}\"", " ".repeat(indent)),
                    applicability: Applicability::Safe,
                    code: "GLX001",
                    title,
                });
                continue;
            };
            let crlf = eol > 0 && src.as_bytes()[eol - 1] == b'\r';
            let at = if crlf { eol - 1 } else { eol };
            let nl = if crlf { "\r\n" } else { "\n" };
            (
                at,
                format!("{nl}{}version: \"{version}\"", " ".repeat(indent)),
            )
        };
        out.push(Candidate {
            file: file.clone(),
            range: at..at,
            content,
            applicability: Applicability::Safe,
            code: "GLX001",
            title,
        });
    }
}
