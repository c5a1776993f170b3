//! The root-cause knowledge base: one TOML file per cause, `causes/<id>.toml` (the format is
//! documented in `causes/README.md`).
//!
//! Loading validates every file and collects *every* problem with its file, line and column,
//! like a linter (rustsec's advisory linter): unknown or missing keys, wrong types, an id that
//! does not match the file name, a regex that does not compile, a reference that is neither a
//! hazard id nor a URL, a version range that does not parse. A file with problems is left
//! out; the others load.
//!
//! Matching order: specific causes first, then `generic = true` causes (wrappers such as runc's
//! `OCI runtime create failed: …` whose suffix names the real cause), then noise; within each,
//! file-name order. [`CauseDb::causes`] returns them in that order.
//!
//! Host conditions (`[when]`, [`When`]) let a diagnosis say whether a cause's explanation fits a
//! host's facts: [`CauseDb::qualify`].

mod when;

pub use fleetpin_debian::range::VersionRange;
pub use when::{Check, HostState, HostView, Qualification, Verdict, When};

use std::fmt;
use std::ops::Range as Span;
use std::path::{Path, PathBuf};

use std::sync::OnceLock;

use regex::{Regex, RegexSet};
use serde::Serialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::Error;
use crate::miner::Template;

/// What a [`Matcher`]'s regex is tested against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchOn {
    /// The template text and its example messages (`message = '…'`).
    Message,
    /// The template text only, with `<*>` for masked parts (`template = '…'`).
    Template,
}

/// One `[[match]]` of a cause: a regex with optional program and unit filters.
#[derive(Debug, Clone)]
pub struct Matcher {
    /// Programs ([`crate::Entry::group`]: `SYSLOG_IDENTIFIER`, else `_COMM`) the template must
    /// belong to; empty means any.
    pub groups: Vec<String>,
    /// Systemd units of which the template must have one; empty means any.
    pub units: Vec<String>,
    /// What the regex is tested against.
    pub on: MatchOn,
    /// The pattern (Rust `regex` syntax, unanchored).
    pub regex: Regex,
}

impl Matcher {
    /// Whether a template matches.
    pub fn matches(&self, t: &Template) -> bool {
        if !self.groups.is_empty() && !self.groups.contains(&t.group) {
            return false;
        }
        if !self.units.is_empty() && !t.units.iter().any(|u| self.units.contains(u)) {
            return false;
        }
        self.regex.is_match(&t.text)
            || (self.on == MatchOn::Message
                && t.examples.iter().any(|e| self.regex.is_match(&e.message)))
    }
}

/// A known root cause, or known noise (`noise = true`).
#[derive(Debug, Clone)]
pub struct Cause {
    /// The id, equal to the file name without `.toml` (`docker23-apparmor-missing`).
    pub id: String,
    /// One line saying what happened.
    pub title: String,
    /// Whether this is known-misleading noise rather than a cause.
    pub noise: bool,
    /// Why it happens (for noise: why it is not the problem).
    pub explanation: String,
    /// What to do about it (required for causes, optional for noise).
    pub fix: Option<String>,
    /// Hazard ids (`FPH-2023-0001`) and URLs.
    pub references: Vec<String>,
    /// Patterns; a template matching any of them is attributed to this cause.
    pub matchers: Vec<Matcher>,
    /// The file it was loaded from.
    pub path: PathBuf,
    /// The hazards entry (`hazards/…/FPH-YYYY-NNNN.md`) describing the same failure
    /// (`hazard = "FPH-…"`).
    pub hazard: Option<String>,
    /// A wrapper whose detail names the real cause (`generic = true`): tried after every
    /// specific cause, so it only takes lines no specific cause explains.
    pub generic: bool,
    /// Host conditions under which the explanation fits (`[when]`).
    pub when: When,
}

impl Cause {
    /// Whether any of the cause's patterns matches the template.
    pub fn matches(&self, t: &Template) -> bool {
        self.matchers.iter().any(|m| m.matches(t))
    }

    /// The matching rank: specific causes (0), generic causes (1), noise (2).
    fn rank(&self) -> u8 {
        if self.noise {
            2
        } else if self.generic {
            1
        } else {
            0
        }
    }
}

/// A problem in a cause file, located.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CauseProblem {
    /// The file.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for CauseProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

/// The causes shipped with fleetpin (the repository's `causes/` directory, built in).
const BUILTIN: &[(&str, &str)] = &[
    (
        "apparmor-profile-load-confined.toml",
        include_str!("../../../causes/apparmor-profile-load-confined.toml"),
    ),
    (
        "apparmor-profile-parse-error.toml",
        include_str!("../../../causes/apparmor-profile-parse-error.toml"),
    ),
    (
        "cgroup-namespaces-unsupported.toml",
        include_str!("../../../causes/cgroup-namespaces-unsupported.toml"),
    ),
    (
        "cgroup-systemd-hierarchy-missing.toml",
        include_str!("../../../causes/cgroup-systemd-hierarchy-missing.toml"),
    ),
    (
        "cgroup-v2-kernel-too-old.toml",
        include_str!("../../../causes/cgroup-v2-kernel-too-old.toml"),
    ),
    (
        "cgroup-v2-unsupported-runtime.toml",
        include_str!("../../../causes/cgroup-v2-unsupported-runtime.toml"),
    ),
    (
        "container-bind-mount-type-mismatch.toml",
        include_str!("../../../causes/container-bind-mount-type-mismatch.toml"),
    ),
    (
        "container-executable-not-found.toml",
        include_str!("../../../causes/container-executable-not-found.toml"),
    ),
    (
        "container-killed-oom.toml",
        include_str!("../../../causes/container-killed-oom.toml"),
    ),
    (
        "containerd-shim-disconnected-noise.toml",
        include_str!("../../../causes/containerd-shim-disconnected-noise.toml"),
    ),
    (
        "dns-fallback-to-public-servers.toml",
        include_str!("../../../causes/dns-fallback-to-public-servers.toml"),
    ),
    (
        "docker-disk-full.toml",
        include_str!("../../../causes/docker-disk-full.toml"),
    ),
    (
        "docker23-apparmor-missing.toml",
        include_str!("../../../causes/docker23-apparmor-missing.toml"),
    ),
    (
        "graphdriver-not-supported.toml",
        include_str!("../../../causes/graphdriver-not-supported.toml"),
    ),
    (
        "iptables-docker-chains-missing.toml",
        include_str!("../../../causes/iptables-docker-chains-missing.toml"),
    ),
    (
        "network-address-pools-exhausted.toml",
        include_str!("../../../causes/network-address-pools-exhausted.toml"),
    ),
    (
        "overlay-gossip-unreachable.toml",
        include_str!("../../../causes/overlay-gossip-unreachable.toml"),
    ),
    (
        "overlay-vxlan-stale-interface.toml",
        include_str!("../../../causes/overlay-vxlan-stale-interface.toml"),
    ),
    (
        "overlay-xfs-without-dtype.toml",
        include_str!("../../../causes/overlay-xfs-without-dtype.toml"),
    ),
    (
        "registry-plain-http.toml",
        include_str!("../../../causes/registry-plain-http.toml"),
    ),
    (
        "registry-pull-rate-limit.toml",
        include_str!("../../../causes/registry-pull-rate-limit.toml"),
    ),
    (
        "registry-tls-unknown-authority.toml",
        include_str!("../../../causes/registry-tls-unknown-authority.toml"),
    ),
    (
        "runc-create-failed.toml",
        include_str!("../../../causes/runc-create-failed.toml"),
    ),
    (
        "seccomp-clone3-eperm-old-docker.toml",
        include_str!("../../../causes/seccomp-clone3-eperm-old-docker.toml"),
    ),
    (
        "seccomp-clone3-libseccomp-too-old.toml",
        include_str!("../../../causes/seccomp-clone3-libseccomp-too-old.toml"),
    ),
    (
        "swarm-join-clock-skew.toml",
        include_str!("../../../causes/swarm-join-clock-skew.toml"),
    ),
    (
        "swarm-missing-registry-auth.toml",
        include_str!("../../../causes/swarm-missing-registry-auth.toml"),
    ),
    (
        "swarm-node-cert-expired.toml",
        include_str!("../../../causes/swarm-node-cert-expired.toml"),
    ),
    (
        "swarm-quorum-lost.toml",
        include_str!("../../../causes/swarm-quorum-lost.toml"),
    ),
    (
        "swarm-update-out-of-sequence.toml",
        include_str!("../../../causes/swarm-update-out-of-sequence.toml"),
    ),
    (
        "task-exits-nonzero.toml",
        include_str!("../../../causes/task-exits-nonzero.toml"),
    ),
    (
        "veth-udev-bridge-noise.toml",
        include_str!("../../../causes/veth-udev-bridge-noise.toml"),
    ),
];

/// A loaded set of causes.
#[derive(Debug, Clone, Default)]
pub struct CauseDb {
    causes: Vec<Cause>,
    /// Every `message` pattern in one automaton, for [`CauseDb::classify`]; built on first use.
    set: OnceLock<MessageSets>,
}

/// The `message` patterns of a [`CauseDb`] as one automaton per program: a line is only
/// tested against the patterns its program can match.
#[derive(Debug, Clone)]
struct MessageSets {
    /// Per program named in some `groups`: its own patterns plus the program-less ones.
    by_group: Vec<(String, GroupSet)>,
    /// For every other program: the program-less patterns.
    other: GroupSet,
}

/// A set (`None` if over the regex size limit: each pattern then runs on its own) and, for
/// each of its patterns, the index of its cause and of its matcher.
type GroupSet = (Option<RegexSet>, Vec<(usize, usize)>);

impl MessageSets {
    fn new(causes: &[Cause]) -> MessageSets {
        let build = |group: Option<&str>| -> GroupSet {
            let mut patterns = Vec::new();
            let mut owners = Vec::new();
            for (ci, c) in causes.iter().enumerate() {
                for (mi, m) in c.matchers.iter().enumerate() {
                    let applies = m.groups.is_empty()
                        || group.is_some_and(|g| m.groups.iter().any(|x| x == g));
                    if m.on == MatchOn::Message && applies {
                        patterns.push(m.regex.as_str());
                        owners.push((ci, mi));
                    }
                }
            }
            // Every pattern compiled on its own when its file was loaded; together they can
            // only exceed the size limit. The lazy DFA of an overlapping search over dozens
            // of patterns needs more than the default cache (measured: benches/causes.rs).
            let set = regex::RegexSetBuilder::new(&patterns)
                .dfa_size_limit(32 << 20)
                .build()
                .ok();
            (set, owners)
        };
        let mut groups: Vec<&str> = causes
            .iter()
            .flat_map(|c| &c.matchers)
            .flat_map(|m| &m.groups)
            .map(String::as_str)
            .collect();
        groups.sort_unstable();
        groups.dedup();
        MessageSets {
            by_group: groups
                .into_iter()
                .map(|g| (g.to_owned(), build(Some(g))))
                .collect(),
            other: build(None),
        }
    }
}

impl CauseDb {
    /// The causes shipped with fleetpin, and any problems in them (none: a test checks).
    pub fn builtin() -> (CauseDb, Vec<CauseProblem>) {
        let mut db = CauseDb::default();
        let mut problems = Vec::new();
        for (name, text) in BUILTIN {
            db.add_file(Path::new("causes").join(name), text, &mut problems);
        }
        (db, problems)
    }

    /// Loads every `*.toml` file of `dir` (sorted by name; `README.md` and other files are
    /// ignored). Problems in files are returned, not errors: only an unreadable directory or
    /// file is an [`Error`].
    pub fn load_dir(dir: &Path) -> Result<(CauseDb, Vec<CauseProblem>), Error> {
        let io = |source| Error::CauseIo {
            path: dir.to_owned(),
            source,
        };
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(io)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .map_err(io)?;
        paths.retain(|p| p.extension().is_some_and(|e| e == "toml"));
        paths.sort();
        let mut db = CauseDb::default();
        let mut problems = Vec::new();
        for path in paths {
            let text = std::fs::read_to_string(&path).map_err(|source| Error::CauseIo {
                path: path.clone(),
                source,
            })?;
            db.add_file(path, &text, &mut problems);
        }
        Ok((db, problems))
    }

    /// Parses one cause file's text and adds it if it has no problems; duplicates of an id
    /// already loaded are a problem.
    pub fn add_file(&mut self, path: PathBuf, text: &str, problems: &mut Vec<CauseProblem>) {
        let before = problems.len();
        let cause = parse_cause(&path, text, problems);
        problems[before..].sort_by_key(|p| (p.line, p.column));
        if let Some(cause) = cause {
            if self.causes.iter().any(|c| c.id == cause.id) {
                problems.push(CauseProblem {
                    path: path.clone(),
                    line: 1,
                    column: 1,
                    message: format!("duplicate cause id `{}`", cause.id),
                });
            } else if problems.len() == before {
                // Keep the matching order: by rank, then file name (stable).
                let at = self
                    .causes
                    .iter()
                    .position(|c| (c.rank(), &c.path) > (cause.rank(), &cause.path))
                    .unwrap_or(self.causes.len());
                self.causes.insert(at, cause);
                self.set = OnceLock::new();
            }
        }
    }

    /// The causes in matching order: specific causes, then generic ones, then noise; by file
    /// name within each.
    pub fn causes(&self) -> &[Cause] {
        &self.causes
    }

    /// The cause with this id.
    pub fn get(&self, id: &str) -> Option<&Cause> {
        self.causes.iter().find(|c| c.id == id)
    }

    /// The first cause (in matching order) that matches the template: what `diagnose`
    /// attributes it to.
    pub fn first_match(&self, t: &Template) -> Option<&Cause> {
        self.causes.iter().find(|c| c.matches(t))
    }

    /// The cause (in matching order) whose `message` patterns match one journal entry, tested
    /// on the raw message with the entry's program and unit: the per-line counterpart of
    /// [`CauseDb::first_match`], one pass of a [`RegexSet`] per line whatever the number of
    /// causes. `template = '…'` patterns need a mined template and are not used here.
    ///
    /// Use it to keep lines of different causes apart before they are mined: Drain merges
    /// `fatal task error` lines of unrelated causes into one template when they differ in few
    /// tokens, and a template is attributed to one cause only.
    pub fn classify(&self, entry: &crate::Entry) -> Option<&Cause> {
        let sets = self.set.get_or_init(|| MessageSets::new(&self.causes));
        let group = entry.group();
        let (set, owners) = sets
            .by_group
            .iter()
            .find(|(g, _)| g == group)
            .map_or(&sets.other, |(_, s)| s);
        let hit = |i: usize| {
            let (ci, mi) = owners[i];
            let m = &self.causes[ci].matchers[mi];
            (m.units.is_empty() || entry.unit.as_ref().is_some_and(|u| m.units.contains(u)))
                .then_some(ci)
        };
        let best = match set {
            // Most lines match nothing: one DFA pass says so before the overlapping search.
            Some(set) if !set.is_match(&entry.message) => None,
            Some(set) => set
                .matches(&entry.message)
                .into_iter()
                .filter_map(hit)
                .min(),
            None => (0..owners.len())
                .filter(|&i| {
                    let (ci, mi) = owners[i];
                    self.causes[ci].matchers[mi].regex.is_match(&entry.message)
                })
                .filter_map(hit)
                .min(),
        };
        best.map(|ci| &self.causes[ci])
    }

    /// [`CauseDb::classify`] the plain way, every pattern in turn (a baseline for benchmarks
    /// and tests; same answers).
    pub fn classify_naive(&self, entry: &crate::Entry) -> Option<&Cause> {
        let group = entry.group();
        self.causes.iter().find(|c| {
            c.matchers.iter().any(|m| {
                m.on == MatchOn::Message
                    && (m.groups.is_empty() || m.groups.iter().any(|g| g == group))
                    && (m.units.is_empty()
                        || entry.unit.as_ref().is_some_and(|u| m.units.contains(u)))
                    && m.regex.is_match(&entry.message)
            })
        })
    }

    /// The causes linked to a hazard (`hazard = "FPH-…"`): the hazards → causes direction of
    /// the link, so a hazard entry need not list its causes itself.
    pub fn for_hazard<'a>(&'a self, hazard: &'a str) -> impl Iterator<Item = &'a Cause> + 'a {
        self.causes
            .iter()
            .filter(move |c| c.hazard.as_deref() == Some(hazard))
    }

    /// Checks a cause's host conditions against one host's facts: whether the known
    /// explanation fits that host (`Docker 23.0.1 + no apparmor package + AppArmor in the
    /// kernel on node-w2: FPH-2023-0001`), is contradicted by them, or cannot be told.
    pub fn qualify(cause: &Cause, host: &dyn HostView) -> Qualification {
        let checks = cause.when.check(host);
        Qualification {
            cause: cause.id.clone(),
            host: host.host().to_owned(),
            hazard: cause.hazard.clone(),
            verdict: when::verdict(&checks),
            checks,
        }
    }
}

/// Whether `s` has the shape of a hazard id, `FPH-YYYY-NNNN`. Only the shape: whether the
/// hazards database has the entry is checked by `fleetpin-dev lint-data`, which loads both
/// databases (this crate does not depend on the hazards crate).
pub fn looks_like_hazard_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 13
        && s.starts_with("FPH-")
        && b[8] == b'-'
        && b[4..8].iter().all(u8::is_ascii_digit)
        && b[9..].iter().all(u8::is_ascii_digit)
}

const KEYS: &[&str] = &[
    "id",
    "title",
    "noise",
    "generic",
    "hazard",
    "explanation",
    "fix",
    "references",
    "when",
    "match",
];
const WHEN_KEYS: &[&str] = &[
    "docker",
    "packages",
    "absent",
    "present",
    "kernel-apparmor",
    "cgroup",
    "kernel",
];
const MATCH_KEYS: &[&str] = &["groups", "units", "message", "template"];

struct Ctx<'a> {
    path: &'a Path,
    text: &'a str,
    problems: &'a mut Vec<CauseProblem>,
}

impl Ctx<'_> {
    fn problem(&mut self, span: Span<usize>, message: impl Into<String>) {
        let before = &self.text[..span.start.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        self.problems.push(CauseProblem {
            path: self.path.to_owned(),
            line,
            column,
            message: message.into(),
        });
    }

    fn string(&mut self, key: &str, v: &Spanned<DeValue<'_>>) -> Option<String> {
        match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            _ => {
                self.problem(v.span(), format!("`{key}` must be a string"));
                None
            }
        }
    }

    fn strings(&mut self, key: &str, v: &Spanned<DeValue<'_>>) -> Vec<Spanned<String>> {
        match v.get_ref() {
            DeValue::Array(items) => items
                .iter()
                .filter_map(|i| match i.get_ref() {
                    DeValue::String(s) => Some(Spanned::new(i.span(), s.to_string())),
                    _ => {
                        self.problem(i.span(), format!("`{key}` items must be strings"));
                        None
                    }
                })
                .collect(),
            _ => {
                self.problem(v.span(), format!("`{key}` must be an array of strings"));
                Vec::new()
            }
        }
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

/// Joins the lines of each paragraph of a TOML multi-line string (paragraphs stay separated by
/// a blank line), so renderers can wrap the text as they like.
fn reflow(text: &str) -> String {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn parse_cause(path: &Path, text: &str, problems: &mut Vec<CauseProblem>) -> Option<Cause> {
    let mut cx = Ctx {
        path,
        text,
        problems,
    };
    let (doc, errors) = DeTable::parse_recoverable(text);
    let had_syntax_errors = !errors.is_empty();
    for e in errors {
        cx.problem(
            e.span().unwrap_or(0..0),
            format!("TOML syntax: {}", e.message().trim()),
        );
    }
    if had_syntax_errors {
        return None;
    }
    let top = doc.get_ref();
    let get = |k: &str| {
        top.iter()
            .find(|(key, _)| key.get_ref() == k)
            .map(|(_, v)| v)
    };
    for (key, _) in top.iter() {
        if !KEYS.contains(&key.get_ref().as_ref()) {
            cx.problem(
                key.span(),
                format!(
                    "unknown key `{}`; expected one of: {}",
                    key.get_ref(),
                    KEYS.join(", ")
                ),
            );
        }
    }
    let required = |cx: &mut Ctx<'_>, k: &str| match get(k) {
        Some(v) => cx.string(k, v).map(|s| (s, v.span())),
        None => {
            cx.problem(0..0, format!("missing key `{k}`"));
            None
        }
    };
    let id = required(&mut cx, "id");
    let title = required(&mut cx, "title");
    let explanation = required(&mut cx, "explanation");
    let flag = |cx: &mut Ctx<'_>, k: &str| match get(k) {
        None => false,
        Some(v) => match v.get_ref() {
            DeValue::Boolean(b) => *b,
            _ => {
                cx.problem(v.span(), format!("`{k}` must be true or false"));
                false
            }
        },
    };
    let noise = flag(&mut cx, "noise");
    let generic = flag(&mut cx, "generic");
    if noise
        && generic
        && let Some(v) = get("generic")
    {
        cx.problem(v.span(), "`generic` is for causes, not noise");
    }
    let hazard = get("hazard").and_then(|v| {
        let h = cx.string("hazard", v)?;
        if looks_like_hazard_id(&h) {
            Some(h)
        } else {
            cx.problem(
                v.span(),
                format!("hazard `{h}` is not a hazard id (FPH-YYYY-NNNN)"),
            );
            None
        }
    });
    let when = match get("when") {
        None => When::default(),
        Some(v) => parse_when(&mut cx, v),
    };
    let fix = match get("fix") {
        Some(v) => cx.string("fix", v),
        None => {
            if !noise {
                cx.problem(0..0, "missing key `fix` (required unless `noise = true`)");
            }
            None
        }
    };
    if let Some((id, span)) = &id {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !valid_id(id) {
            cx.problem(
                span.clone(),
                format!("id `{id}` must be lower-case letters, digits and `-`"),
            );
        } else if *id != stem {
            cx.problem(
                span.clone(),
                format!("id `{id}` does not match the file name `{stem}.toml`"),
            );
        }
    }
    for (s, span) in [&title, &explanation].into_iter().flatten() {
        if s.trim().is_empty() {
            cx.problem(span.clone(), "must not be empty");
        }
    }
    let references: Vec<String> = match get("references") {
        Some(v) => cx
            .strings("references", v)
            .into_iter()
            .filter_map(|r| {
                let ok = looks_like_hazard_id(r.get_ref())
                    || r.get_ref().starts_with("https://")
                    || r.get_ref().starts_with("http://");
                if !ok {
                    cx.problem(
                        r.span(),
                        format!(
                            "reference `{}` is neither a hazard id (FPH-YYYY-NNNN) nor a URL",
                            r.get_ref()
                        ),
                    );
                }
                ok.then(|| r.into_inner())
            })
            .collect(),
        None => Vec::new(),
    };
    let mut matchers = Vec::new();
    match get("match") {
        None => cx.problem(
            0..0,
            "missing `[[match]]`: a cause needs at least one pattern",
        ),
        Some(v) => match v.get_ref() {
            DeValue::Array(items) if !items.is_empty() => {
                for item in items.iter() {
                    if let Some(m) = parse_matcher(&mut cx, item) {
                        matchers.push(m);
                    }
                }
            }
            _ => cx.problem(
                v.span(),
                "`match` must be a non-empty array of tables (`[[match]]`)",
            ),
        },
    }
    Some(Cause {
        id: id?.0,
        title: title?.0,
        noise,
        explanation: reflow(&explanation?.0),
        fix: fix.map(|f| reflow(&f)),
        references,
        matchers,
        path: path.to_owned(),
        hazard,
        generic,
        when,
    })
}

fn parse_ranges(
    cx: &mut Ctx<'_>,
    key: &str,
    v: &Spanned<DeValue<'_>>,
    parse: fn(&str) -> Result<VersionRange, String>,
) -> Vec<VersionRange> {
    let items = match v.get_ref() {
        DeValue::String(_) => vec![Spanned::new(
            v.span(),
            cx.string(key, v).unwrap_or_default(),
        )],
        _ => cx.strings(key, v),
    };
    items
        .into_iter()
        .filter_map(|s| match parse(s.get_ref()) {
            Ok(r) => Some(r),
            Err(e) => {
                cx.problem(s.span(), format!("`{key}`: {e}"));
                None
            }
        })
        .collect()
}

fn parse_when(cx: &mut Ctx<'_>, v: &Spanned<DeValue<'_>>) -> When {
    let mut when = When::default();
    let DeValue::Table(table) = v.get_ref() else {
        cx.problem(v.span(), "`when` must be a table (`[when]`)");
        return when;
    };
    for (key, v) in table.iter() {
        match key.get_ref().as_ref() {
            "docker" => when.docker = parse_ranges(cx, "docker", v, when::parse_dpkg_range),
            "kernel" => when.kernel = parse_ranges(cx, "kernel", v, VersionRange::parse_kernel),
            "absent" => {
                when.absent = cx
                    .strings("absent", v)
                    .into_iter()
                    .map(Spanned::into_inner)
                    .collect()
            }
            "present" => {
                when.present = cx
                    .strings("present", v)
                    .into_iter()
                    .map(Spanned::into_inner)
                    .collect()
            }
            "kernel-apparmor" => match v.get_ref() {
                DeValue::Boolean(b) => when.kernel_apparmor = Some(*b),
                _ => cx.problem(v.span(), "`kernel-apparmor` must be true or false"),
            },
            "cgroup" => match v.get_ref() {
                DeValue::Integer(i) if matches!(i.as_str(), "1" | "2") => {
                    when.cgroup = i.as_str().parse().ok();
                }
                _ => cx.problem(v.span(), "`cgroup` must be 1 or 2"),
            },
            "packages" => match v.get_ref() {
                DeValue::Table(pkgs) => {
                    for (name, ranges) in pkgs.iter() {
                        let rs = parse_ranges(cx, name.get_ref(), ranges, when::parse_dpkg_range);
                        when.packages.push((name.get_ref().to_string(), rs));
                    }
                }
                _ => cx.problem(
                    v.span(),
                    "`packages` must be a table of package = [\"RANGE\", …]",
                ),
            },
            other => cx.problem(
                key.span(),
                format!(
                    "unknown key `{other}` in `[when]`; expected one of: {}",
                    WHEN_KEYS.join(", ")
                ),
            ),
        }
    }
    when
}

fn parse_matcher(cx: &mut Ctx<'_>, item: &Spanned<DeValue<'_>>) -> Option<Matcher> {
    let DeValue::Table(table) = item.get_ref() else {
        cx.problem(item.span(), "each `match` entry must be a table");
        return None;
    };
    let mut groups = Vec::new();
    let mut units = Vec::new();
    let mut patterns = Vec::new();
    for (key, v) in table.iter() {
        match key.get_ref().as_ref() {
            "groups" => {
                groups = cx
                    .strings("groups", v)
                    .into_iter()
                    .map(Spanned::into_inner)
                    .collect()
            }
            "units" => {
                units = cx
                    .strings("units", v)
                    .into_iter()
                    .map(Spanned::into_inner)
                    .collect()
            }
            k @ ("message" | "template") => {
                if let Some(s) = cx.string(k, v) {
                    let on = if k == "message" {
                        MatchOn::Message
                    } else {
                        MatchOn::Template
                    };
                    patterns.push((on, s, v.span()));
                }
            }
            other => cx.problem(
                key.span(),
                format!(
                    "unknown key `{other}` in `[[match]]`; expected one of: {}",
                    MATCH_KEYS.join(", ")
                ),
            ),
        }
    }
    match patterns.as_slice() {
        [(on, pattern, span)] => match Regex::new(pattern) {
            Ok(regex) => Some(Matcher {
                groups,
                units,
                on: *on,
                regex,
            }),
            Err(e) => {
                let detail = e.to_string();
                let last = detail.lines().last().unwrap_or_default().trim().to_owned();
                cx.problem(span.clone(), format!("invalid regex: {last}"));
                None
            }
        },
        [] => {
            cx.problem(item.span(), "`[[match]]` needs `message` or `template`");
            None
        }
        _ => {
            cx.problem(
                item.span(),
                "`[[match]]` takes one of `message` or `template`, not both",
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_causes_load_cleanly() {
        let (db, problems) = CauseDb::builtin();
        assert_eq!(problems, []);
        assert_eq!(db.causes().len(), BUILTIN.len());
        let (on_disk, problems) =
            CauseDb::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../causes")).unwrap();
        assert_eq!(problems, []);
        assert_eq!(
            on_disk.causes().len(),
            BUILTIN.len(),
            "every file in causes/ must be built in"
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let text = r#"id = "Wrong_Id"
title = ""
colour = "red"
references = ["FPH-23-1", "https://example.com/x", 7]

[[match]]
groups = ["dockerd"]
message = 'unclosed (group'

[[match]]
message = "a"
template = "b"

[[match]]
unit = ["docker.service"]
"#;
        let mut problems = Vec::new();
        let mut db = CauseDb::default();
        db.add_file(PathBuf::from("causes/x.toml"), text, &mut problems);
        let rendered: Vec<String> = problems.iter().map(ToString::to_string).collect();
        insta::assert_snapshot!(rendered.join("\n"));
        assert!(db.causes().is_empty());
    }

    #[test]
    fn syntax_errors_are_located() {
        let mut problems = Vec::new();
        CauseDb::default().add_file(
            PathBuf::from("c.toml"),
            "id = \"a\"\ntitle = \n",
            &mut problems,
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].line, 2);
        assert!(
            problems[0].message.starts_with("TOML syntax"),
            "{}",
            problems[0].message
        );
    }
}
