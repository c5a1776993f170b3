//! Where inventory variables are written ([`VarSite`]) and the warnings of a parse.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use fleetpin_yaml::Node;
use saphyr_parser::{Event, Parser};

/// Whom an inventory variable applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// A group (`all` applies to every host).
    Group(String),
    /// One host (a ranged line `web[01:02] k=v` gives one site per host).
    Host(String),
}

/// One variable as written in an inventory file: its target, name, and the value as a
/// [`fleetpin_yaml::Node`] whose spans are byte ranges of that file (for INI inventories a
/// plain scalar spanning the value as written, quotes excluded).
#[derive(Debug, Clone, PartialEq)]
pub struct VarSite {
    /// The group or host it applies to.
    pub target: Target,
    /// The variable name.
    pub name: String,
    /// The value node.
    pub node: Node,
}

/// Something Ansible accepts but warns about (a duplicate key: the last value wins).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The inventory or variables file.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// What Ansible warns about.
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
    }
}

/// What a parse collects besides the inventory: variable sites (only when asked for) and
/// warnings (unless told not to).
#[derive(Debug, Default)]
pub(crate) struct Sink {
    pub(crate) sites: Option<Vec<VarSite>>,
    pub(crate) warnings: Vec<Warning>,
    /// Skip the duplicate-key scan (its warnings are not wanted).
    pub(crate) no_warnings: bool,
}

impl Sink {
    /// Variable sites, no warnings.
    pub(crate) fn recording() -> Self {
        Sink {
            sites: Some(Vec::new()),
            warnings: Vec::new(),
            no_warnings: true,
        }
    }

    pub(crate) fn recording_sites(&self) -> bool {
        self.sites.is_some()
    }

    pub(crate) fn site(&mut self, target: Target, name: String, node: Node) {
        if let Some(sites) = &mut self.sites {
            sites.push(VarSite { target, name, node });
        }
    }

    pub(crate) fn warn(&mut self, path: &Path, line: usize, message: String) {
        self.warnings.push(Warning {
            path: path.to_path_buf(),
            line,
            message,
        });
    }
}

enum Frame {
    Seq,
    Map {
        keys: HashMap<String, usize>,
        want_key: bool,
    },
}

/// Warns about duplicate scalar keys of the YAML `text` as Ansible's loader does (it keeps
/// the last value; `fleetpin_yaml` does the same but says nothing). Reads parser events
/// only (aliases are not expanded), so it is cheap on any input; it stops quietly at a
/// syntax error, which the tree parse reports.
pub(crate) fn warn_duplicate_keys(text: &str, path: &Path, sink: &mut Sink) {
    if sink.no_warnings {
        return;
    }
    let mut stack: Vec<Frame> = Vec::new();
    // Marks the end of a node in the current collection: a mapping alternates key/value.
    fn done(stack: &mut [Frame]) {
        if let Some(Frame::Map { want_key, .. }) = stack.last_mut() {
            *want_key = !*want_key;
        }
    }
    for ev in Parser::new_from_str(text) {
        let Ok((ev, span)) = ev else { return };
        match ev {
            Event::Scalar(value, ..) => {
                let line = span.start.line().max(1);
                if let Some(Frame::Map {
                    keys,
                    want_key: true,
                }) = stack.last_mut()
                    && value != "<<"
                {
                    if let Some(first) = keys.get(value.as_ref()) {
                        sink.warn(
                            path,
                            line,
                            format!(
                                "duplicate mapping key `{value}` (first on line {first}): the last value is used, as Ansible does"
                            ),
                        );
                    } else {
                        keys.insert(value.into_owned(), line);
                    }
                }
                done(&mut stack);
            }
            Event::Alias(_) => done(&mut stack),
            Event::SequenceStart(..) => stack.push(Frame::Seq),
            Event::MappingStart(..) => stack.push(Frame::Map {
                keys: HashMap::new(),
                want_key: true,
            }),
            Event::SequenceEnd | Event::MappingEnd => {
                stack.pop();
                done(&mut stack);
            }
            Event::DocumentEnd => stack.clear(),
            _ => {}
        }
    }
}
