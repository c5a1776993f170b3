//! Ansible host patterns (`--limit`), following `ansible.inventory.manager`.
//!
//! A pattern is a list of terms separated by `,` (or, when there is no comma, by `:`
//! outside brackets). Each term is a group name, a host name, a glob (`web*`,
//! `db-?`, `[ab]*`), a regex (`~web\d+`, matched at the start of the name), `all`/`*`, and
//! may carry a subscript (`webservers[0]`, `webservers[1:3]`, `webservers[-1]`). Terms
//! prefixed with `&` intersect, with `!` exclude. As in Ansible, plain terms are applied
//! first, then intersections, then exclusions; a pattern of only `&`/`!` terms starts
//! from `all`. `@file` reads terms from a file, one per line (a retry file).

use std::collections::HashSet;
use std::path::Path;

use crate::model::{Host, Inventory};
use crate::{Error, Result};

/// A parsed host pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    terms: Vec<Term>,
}

/// What a [`Pattern`] selects in an inventory ([`Pattern::evaluate`]).
#[derive(Debug, Clone)]
pub struct Selection<'i> {
    /// The selected inventory hosts, in inventory order.
    pub hosts: Vec<&'i Host>,
    /// The implicit localhost (named `localhost`, as `ansible-playbook --list-hosts` shows it),
    /// when selected: a term `localhost`, `127.0.0.1` or `::1` that the inventory does not
    /// list. Ansible creates it on the fly; it belongs to no group, but `all`'s group
    /// variables and its own host variables apply to it.
    pub implicit_localhost: Option<String>,
    /// Terms (as written, with their `&`/`!`) that selected no host: an unknown or empty
    /// group, a host the inventory does not list (Ansible warns "Could not match supplied
    /// host pattern, ignoring").
    pub unmatched: Vec<String>,
}

/// Names Ansible resolves to an implicit localhost when the inventory lacks them
/// (`C.LOCALHOST`).
const LOCALHOST: &[&str] = &["localhost", "127.0.0.1", "::1"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Union,
    Intersect,
    Exclude,
}

#[derive(Debug, Clone)]
struct Term {
    op: Op,
    text: String,
    matcher: Matcher,
    subscript: Option<(i64, Option<i64>)>,
}

#[derive(Debug, Clone)]
enum Matcher {
    Exact(String),
    Glob(globset::GlobMatcher),
    Regex(regex::Regex),
}

impl Matcher {
    fn is_match(&self, s: &str) -> bool {
        match self {
            Matcher::Exact(e) => e == s,
            Matcher::Glob(g) => g.is_match(s),
            Matcher::Regex(r) => r.is_match(s),
        }
    }
}

impl Pattern {
    /// Parses a pattern such as `webservers:&staging:!web3*` or `~db\d+,lb1`.
    pub fn parse(pattern: &str) -> Result<Pattern> {
        let mut terms = Vec::new();
        for raw in split_terms(pattern) {
            let raw = raw.trim();
            if raw.is_empty() {
                continue;
            }
            terms.push(Term::parse(raw)?);
        }
        if terms.is_empty() {
            return Err(Error::Pattern {
                pattern: pattern.to_string(),
                message: "empty pattern".into(),
            });
        }
        Ok(Pattern { terms })
    }

    /// Parses a play's `hosts:` list: each entry is split into terms on its own, as Ansible
    /// does for a YAML list (`[webservers, "db:!db3"]`), and the terms are combined.
    pub fn parse_list<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Result<Pattern> {
        let mut terms = Vec::new();
        let mut all = Vec::new();
        for pattern in patterns {
            all.push(pattern);
            for raw in split_terms(pattern) {
                let raw = raw.trim();
                if !raw.is_empty() {
                    terms.push(Term::parse(raw)?);
                }
            }
        }
        if terms.is_empty() {
            return Err(Error::Pattern {
                pattern: all.join(","),
                message: "empty pattern".into(),
            });
        }
        Ok(Pattern { terms })
    }

    /// Parses a `--limit` value: like [`Pattern::parse`], but `@FILE` reads terms from a
    /// file, one per line (relative to `base`).
    pub fn parse_limit(limit: &str, base: &Path) -> Result<Pattern> {
        let mut parts = Vec::new();
        for piece in limit.split(',') {
            let piece = piece.trim();
            if let Some(file) = piece.strip_prefix('@') {
                let path = base.join(file);
                let text = std::fs::read_to_string(&path).map_err(|source| Error::Io {
                    path,
                    error: source,
                })?;
                parts.extend(
                    text.lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(String::from),
                );
            } else {
                parts.push(piece.to_string());
            }
        }
        if parts.len() == 1 {
            Pattern::parse(&parts[0])
        } else {
            Pattern::parse(&parts.join(","))
        }
    }

    /// The hosts of `inv` this pattern selects, in inventory order.
    pub fn select<'i>(&self, inv: &'i Inventory) -> Vec<&'i Host> {
        let selected = self.selected_names(inv);
        inv.hosts()
            .iter()
            .filter(|h| selected.contains(h.name()))
            .collect()
    }

    /// What the pattern selects, as Ansible computes a play's hosts: the inventory hosts,
    /// the implicit localhost when the pattern names `localhost`, `127.0.0.1` or `::1` and the
    /// inventory does not list it, and the terms that selected nothing.
    pub fn evaluate<'i>(&self, inv: &'i Inventory) -> Selection<'i> {
        let selected = self.selected_names(inv);
        let hosts = inv
            .hosts()
            .iter()
            .filter(|h| selected.contains(h.name()))
            .collect();
        // `ansible-playbook` names the implicit host `localhost` whichever of the names
        // selected it (it creates it once, on the first lookup of `localhost`).
        let implicit_localhost = self
            .terms
            .iter()
            .filter_map(|t| t.implicit_localhost(inv))
            .any(|name| selected.contains(name))
            .then(|| "localhost".to_string());
        let unmatched = self
            .terms
            .iter()
            .filter(|t| t.hosts(inv).is_empty() && t.implicit_localhost(inv).is_none())
            .map(|t| t.text.clone())
            .collect();
        Selection {
            hosts,
            implicit_localhost,
            unmatched,
        }
    }

    /// Names selected: union terms first, then intersections, then exclusions.
    fn selected_names<'s>(&'s self, inv: &'s Inventory) -> HashSet<&'s str> {
        let mut ordered: Vec<&Term> = Vec::new();
        for op in [Op::Union, Op::Intersect, Op::Exclude] {
            ordered.extend(self.terms.iter().filter(|t| t.op == op));
        }
        let mut selected: HashSet<&str> = HashSet::new();
        if ordered.first().is_none_or(|t| t.op != Op::Union) {
            selected.extend(inv.hosts().iter().map(|h| h.name()));
        }
        for term in ordered {
            let mut matched: HashSet<&str> = term.hosts(inv).into_iter().collect();
            matched.extend(term.implicit_localhost(inv));
            match term.op {
                Op::Union => selected.extend(matched),
                Op::Intersect => selected.retain(|h| matched.contains(h)),
                Op::Exclude => selected.retain(|h| !matched.contains(h)),
            }
        }
        selected
    }

    /// The terms that select hosts (unions and intersections; exclusions only remove), each
    /// as `Some(name)` when it is a plain group or host name and `None` when it is a glob or
    /// a regex. Callers that know of groups filled at run time (`add_host`, `group_by`) use
    /// it to tell whether the static selection may grow.
    pub fn selecting_terms(&self) -> Vec<Option<&str>> {
        self.terms
            .iter()
            .filter(|t| t.op != Op::Exclude)
            .map(|t| match &t.matcher {
                Matcher::Exact(name) => Some(name.as_str()),
                Matcher::Glob(_) | Matcher::Regex(_) => None,
            })
            .collect()
    }

    /// Whether the selection starts from every host: a union term `all`, or no union term at
    /// all (a pattern of only `&`/`!` terms). Globs and regexes (`*` included) are not
    /// counted: [`Pattern::selecting_terms`] shows them as `None`. A host added at run time (`add_host`) can only
    /// be selected by such a pattern or by a term that names it or one of its groups.
    pub fn starts_from_all(&self) -> bool {
        let mut unions = self.terms.iter().filter(|t| t.op == Op::Union).peekable();
        unions.peek().is_none()
            || unions.any(|t| matches!(&t.matcher, Matcher::Exact(e) if e == "all"))
    }

    /// Terms of the pattern that match no host or group (Ansible warns about these).
    pub fn unmatched_terms(&self, inv: &Inventory) -> Vec<&str> {
        self.terms
            .iter()
            .filter(|t| t.hosts(inv).is_empty())
            .map(|t| t.text.as_str())
            .collect()
    }
}

impl Term {
    fn parse(raw: &str) -> Result<Term> {
        let (op, body) = if let Some(b) = raw.strip_prefix('&') {
            (Op::Intersect, b)
        } else if let Some(b) = raw.strip_prefix('!') {
            (Op::Exclude, b)
        } else {
            (Op::Union, raw)
        };
        let err = |message: String| Error::Pattern {
            pattern: raw.to_string(),
            message,
        };
        let mut body = body.to_string();
        let mut subscript = None;
        if !body.starts_with('~')
            && let Some(caps) = subscript_re().captures(&body)
        {
            let num =
                |m: &str| -> Result<i64> { m.parse().map_err(|_| err("bad subscript".into())) };
            // As Ansible's `_split_subscript`: `[i]` (may be negative), or `[x:y]` / `[x:]`
            // (to the end) / the removed `[x-y]`; an end of 0 reads as `[x]`.
            let (start, end) = match (caps.get(2), caps.get(3), caps.get(5)) {
                (Some(idx), _, _) => (num(idx.as_str())?, None),
                (None, Some(start), end) => {
                    let end = match end.map(|e| e.as_str()).filter(|e| !e.is_empty()) {
                        None => Some(-1),
                        Some(e) => Some(num(e)?).filter(|e| *e != 0),
                    };
                    (num(start.as_str())?, end)
                }
                (None, None, _) => return Err(err("bad subscript".into())),
            };
            subscript = Some((start, end));
            body = caps[1].to_string();
        }
        if body.is_empty() {
            return Err(err("empty term".into()));
        }
        let matcher = if let Some(re) = body.strip_prefix('~') {
            Matcher::Regex(
                regex::Regex::new(&format!("^(?:{re})")).map_err(|e| err(e.to_string()))?,
            )
        } else if body.contains(['*', '?', '[']) {
            let glob = globset::GlobBuilder::new(&body)
                .literal_separator(false)
                .backslash_escape(false)
                .build()
                .map_err(|e| err(e.to_string()))?;
            Matcher::Glob(glob.compile_matcher())
        } else {
            Matcher::Exact(body.clone())
        };
        Ok(Term {
            op,
            text: raw.to_string(),
            matcher,
            subscript,
        })
    }

    /// The implicit localhost this term stands for: `localhost`, `127.0.0.1` or `::1`
    /// without subscript, when nothing in the inventory matches it (Ansible's
    /// `_enumerate_matches`).
    fn implicit_localhost(&self, inv: &Inventory) -> Option<&str> {
        let Matcher::Exact(name) = &self.matcher else {
            return None;
        };
        (self.subscript.is_none()
            && LOCALHOST.contains(&name.as_str())
            && self.hosts(inv).is_empty())
        .then_some(name.as_str())
    }

    fn hosts<'i>(&self, inv: &'i Inventory) -> Vec<&'i str> {
        let mut out: Vec<&str> = Vec::new();
        let mut seen = HashSet::new();
        let is_all = matches!(&self.matcher, Matcher::Exact(e) if e == "all");
        let groups: Vec<&str> = if is_all {
            vec!["all"]
        } else {
            inv.groups()
                .iter()
                .map(|g| g.name())
                .filter(|g| self.matcher.is_match(g))
                .collect()
        };
        for g in &groups {
            for h in inv.group_hosts(g) {
                if seen.insert(h.name()) {
                    out.push(h.name());
                }
            }
        }
        let special = !matches!(self.matcher, Matcher::Exact(_));
        if groups.is_empty() || special {
            for h in inv.hosts() {
                if self.matcher.is_match(h.name()) && seen.insert(h.name()) {
                    out.push(h.name());
                }
            }
        }
        if let Some((start, end)) = self.subscript {
            let len = out.len() as i64;
            let norm = |i: i64| if i < 0 { (len + i).max(0) } else { i.min(len) };
            let s = norm(start);
            let e = match end {
                None => (s + 1).min(len),
                Some(e) => (norm(e) + 1).min(len),
            };
            if s >= e {
                return Vec::new();
            }
            out = out[s as usize..e as usize].to_vec();
        }
        out
    }
}

fn subscript_re() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(r"^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$").expect("valid regex")
    })
}

/// Splits on `,` when present, else on `:` outside brackets (Ansible's
/// `split_host_pattern`), leaving IPv6 addresses whole.
fn split_terms(pattern: &str) -> Vec<String> {
    if pattern.contains(',') {
        return pattern.split(',').map(String::from).collect();
    }
    let trimmed = pattern.trim_start_matches(['!', '&']);
    if trimmed.parse::<std::net::Ipv6Addr>().is_ok() {
        return vec![pattern.to_string()];
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0;
    for c in pattern.chars() {
        match c {
            '[' => {
                depth += 1;
                cur.push(c);
            }
            ']' => {
                depth -= 1;
                cur.push(c);
            }
            ':' if depth == 0 => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}
