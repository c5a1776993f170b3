//! `ansible.cfg` read as Ansible reads it: Python's `configparser.ConfigParser` with
//! `inline_comment_prefixes=(';',)` (ansible-core 2.19, `config/manager.py`), values taken
//! with `raw=True` (no `%` interpolation), and string settings unquoted like Ansible's
//! `ensure_type`.
//!
//! The rules, as in CPython 3.11's `configparser`:
//! - a line whose first non-blank character is `#` or `;` is a comment; `;` after a blank
//!   starts an inline comment (`#` does not: `inventory = hosts #x` is `hosts #x`);
//! - `key = value` and `key: value`, split at the first `=` or `:`; keys are case-insensitive
//!   (lowercased), section names are not (`[Defaults]` is not `[defaults]`);
//! - a line indented more than its option's line continues the value (joined with newlines;
//!   blank lines inside are kept, trailing ones dropped);
//! - `[DEFAULT]` values show through in every section that exists;
//! - a repeated section or a repeated key in a section, an option before any section header
//!   and a line that is neither are errors (Ansible then refuses to start).
//!
//! Written here rather than with the `configparser` crate: that crate lowercases section
//! names, strips `#` inline comments, accepts keys without values and lets a duplicate key
//! win silently (its documented defaults and tests), each of which reads a real
//! `ansible.cfg` differently from Ansible. The tests compare this reader with Python's
//! `configparser` and `ansible-config dump` on the same files.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// An `ansible.cfg` that Ansible would refuse, with the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}: {message}", path.display())]
pub struct ConfigError {
    /// The configuration file.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// What is wrong (in configparser's terms).
    pub message: String,
}

/// One option: its raw value (continuation lines joined with `\n`) and the line of its key.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    value: String,
    line: usize,
}

/// A parsed `ansible.cfg`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnsibleConfig {
    path: PathBuf,
    defaults: HashMap<String, Entry>,
    sections: HashMap<String, HashMap<String, Entry>>,
}

/// `[DEFAULT]`: configparser's default section name.
const DEFAULT_SECTION: &str = "DEFAULT";

impl AnsibleConfig {
    /// Reads and parses `path`.
    ///
    /// # Errors
    /// A [`ConfigError`] (line 0 for an unreadable file) when Ansible would refuse the file.
    pub fn load(path: &Path) -> Result<AnsibleConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            line: 0,
            message: format!("cannot read: {e}"),
        })?;
        AnsibleConfig::parse(&text, path)
    }

    /// Parses `text`; `path` names the file in errors and is the base of relative paths.
    ///
    /// # Errors
    /// A [`ConfigError`] when Ansible would refuse the file.
    pub fn parse(text: &str, path: &Path) -> Result<AnsibleConfig, ConfigError> {
        let err = |line: usize, message: String| ConfigError {
            path: path.to_path_buf(),
            line,
            message,
        };
        let mut cfg = AnsibleConfig {
            path: path.to_path_buf(),
            ..AnsibleConfig::default()
        };
        // The current section (`None`: before any header), the current option (lowercased)
        // with its lines, and the indentation of the last header or option line.
        let mut section: Option<String> = None;
        let mut option: Option<(String, Vec<String>, usize)> = None;
        let mut indent_level = 0usize;
        let mut seen_sections: std::collections::HashSet<String> = Default::default();
        let mut seen_options: std::collections::HashSet<(String, String)> = Default::default();
        let mut parse_errors: Vec<usize> = Vec::new();

        let flush = |cfg: &mut AnsibleConfig,
                     section: &Option<String>,
                     option: &mut Option<(String, Vec<String>, usize)>| {
            if let (Some(s), Some((name, lines, line))) = (section, option.take()) {
                let value = lines.join("\n").trim_end().to_string();
                let entry = Entry { value, line };
                if s == DEFAULT_SECTION {
                    cfg.defaults.insert(name, entry);
                } else {
                    cfg.sections
                        .entry(s.clone())
                        .or_default()
                        .insert(name, entry);
                }
            }
        };

        for (i, line) in text.split('\n').enumerate() {
            let lineno = i + 1;
            let mut comment_start: Option<usize> = None;
            // Inline `;` comments: at the start or after a blank.
            let mut from = 0;
            while let Some(ix) = line[from..].find(';').map(|x| x + from) {
                let prev = line[..ix].chars().next_back();
                if ix == 0 || prev.is_some_and(char::is_whitespace) {
                    comment_start = Some(ix);
                    break;
                }
                from = ix + 1;
            }
            let stripped = line.trim();
            if stripped.starts_with('#') || stripped.starts_with(';') {
                comment_start = Some(0);
            }
            let value = line[..comment_start.unwrap_or(line.len())].trim();
            if value.is_empty() {
                // A blank line belongs to a value being continued; a comment line does not.
                if comment_start.is_none()
                    && let Some((_, lines, _)) = &mut option
                {
                    lines.push(String::new());
                }
                continue;
            }
            let cur_indent = line.find(|c: char| !c.is_whitespace()).unwrap_or(0);
            if section.is_some() && option.is_some() && cur_indent > indent_level {
                if let Some((_, lines, _)) = &mut option {
                    lines.push(value.to_string());
                }
                continue;
            }
            indent_level = cur_indent;
            flush(&mut cfg, &section, &mut option);
            if let Some(rest) = value.strip_prefix('[')
                && let Some(end) = rest.rfind(']')
                && end > 0
            {
                let name = rest[..end].to_string();
                if name != DEFAULT_SECTION {
                    if !seen_sections.insert(name.clone()) {
                        return Err(err(
                            lineno,
                            format!("section `{name}` already exists (configparser's strict mode)"),
                        ));
                    }
                    cfg.sections.entry(name.clone()).or_default();
                }
                section = Some(name);
                continue;
            }
            let Some(sect) = &section else {
                return Err(err(
                    lineno,
                    format!("file contains no section headers (line `{line}`)"),
                ));
            };
            let Some(delim) = value.find(['=', ':']) else {
                parse_errors.push(lineno);
                continue;
            };
            let name = value[..delim].trim_end().to_lowercase();
            if name.is_empty() {
                parse_errors.push(lineno);
                continue;
            }
            if !seen_options.insert((sect.clone(), name.clone())) {
                return Err(err(
                    lineno,
                    format!(
                        "option `{name}` in section `{sect}` already exists (configparser's strict mode)"
                    ),
                ));
            }
            let v = value[delim + 1..].trim().to_string();
            option = Some((name, vec![v], lineno));
        }
        flush(&mut cfg, &section, &mut option);
        if let Some(&first) = parse_errors.first() {
            return Err(err(
                first,
                "not a `key = value` line, section header or comment".to_string(),
            ));
        }
        Ok(cfg)
    }

    fn entry(&self, section: &str, key: &str) -> Option<&Entry> {
        let key = key.to_lowercase();
        let own = self.sections.get(section)?;
        own.get(&key).or_else(|| self.defaults.get(&key))
    }

    /// The raw value of `key` in `section` (`[DEFAULT]` showing through), as
    /// `ConfigParser.get(section, key, raw=True)`.
    pub fn get_raw(&self, section: &str, key: &str) -> Option<&str> {
        self.entry(section, key).map(|e| e.value.as_str())
    }

    /// The section names, `[DEFAULT]` excluded, sorted.
    pub fn sections(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.sections.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// The raw options of `section` (or of `[DEFAULT]`), `[DEFAULT]` showing through, sorted
    /// by key, as `ConfigParser.items(section, raw=True)`.
    pub fn items(&self, section: &str) -> Vec<(&str, &str)> {
        let mut all: HashMap<&str, &str> = self
            .defaults
            .iter()
            .map(|(k, e)| (k.as_str(), e.value.as_str()))
            .collect();
        if let Some(own) = self.sections.get(section) {
            all.extend(own.iter().map(|(k, e)| (k.as_str(), e.value.as_str())));
        }
        let mut items: Vec<(&str, &str)> = all.into_iter().collect();
        items.sort_unstable();
        items
    }

    /// The line `key` is written on.
    pub fn line_of(&self, section: &str, key: &str) -> Option<usize> {
        self.entry(section, key).map(|e| e.line)
    }

    /// A string setting as Ansible reads it: the raw value with one pair of matching
    /// surrounding quotes removed.
    pub fn get(&self, section: &str, key: &str) -> Option<&str> {
        self.get_raw(section, key).map(unquote)
    }

    /// Ansible's `DEFAULT_HOST_LIST` from `[defaults] inventory` (the only `ansible.cfg` key
    /// ansible-core 2.19 reads it from; `hostfile` is gone): a `pathlist`, split on `,`, each
    /// entry stripped (not unquoted), relative entries taken from the directory of the
    /// configuration file. Entries starting with `~` or holding `$` are left out (they depend
    /// on the machine running Ansible).
    pub fn inventory(&self) -> Vec<PathBuf> {
        let Some(value) = self.get_raw("defaults", "inventory") else {
            return Vec::new();
        };
        let base = self.path.parent().unwrap_or(Path::new(""));
        value
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty() && !p.starts_with('~') && !p.contains('$'))
            .map(|p| base.join(p))
            .collect()
    }
}

/// Ansible's `unquote`: one pair of matching quotes around the whole value, unless the closing
/// one is escaped.
fn unquote(v: &str) -> &str {
    let b = v.as_bytes();
    if b.len() > 1
        && b[0] == b[b.len() - 1]
        && matches!(b[0], b'"' | b'\'')
        && b[b.len() - 2] != b'\\'
    {
        &v[1..v.len() - 1]
    } else {
        v
    }
}
