//! Dockerfile parser and container image references for fleetpin lint.
//!
//! * [`parse`] reads a Dockerfile/Containerfile into [`Instruction`]s with byte spans: parser
//!   directives (`# escape=`), continuations (with comment and blank lines inside, as BuildKit
//!   allows), exec vs shell form, flags, heredocs (`RUN <<EOF`, `<<-EOF`, quoted delimiters,
//!   several per instruction) and the comments above each instruction (for suppressions).
//!   Parsing never fails: errors (unterminated continuation or heredoc, unknown instruction)
//!   come with a line number next to everything that could be read.
//! * [`Dockerfile::model`] follows `ARG`/`ENV` scoping (global ARGs before the first `FROM`,
//!   per-stage ARG/ENV, ENV inherited from a parent stage) and yields the stages, every image
//!   reference ([`ImageUse`]: `FROM`, `COPY --from=`, `RUN --mount=from=`) with variables
//!   substituted, and every [`RunCommand`] with its variables, ready for
//!   [`fleetpin_shell::analyze`] with ranges mapped back to the file.
//! * [`image`] parses image references like the distribution `reference` package.
//!
//! ```
//! let src = "ARG BASE=debian:bookworm\nFROM ${BASE} AS build\nRUN apt-get install -y \\\n    curl=7.88.1-10\n";
//! let df = fleetpin_dockerfile::parse(src);
//! let model = df.model();
//! assert_eq!(model.images[0].resolved, "debian:bookworm");
//! let analysis = model.runs[0].analyze();
//! let pkg = &analysis.installs[0].packages[0];
//! assert_eq!(&src[pkg.range.clone()], "curl=7.88.1-10");
//! ```

#![warn(missing_docs)]

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use serde::Serialize;

pub mod image;
mod parse;
pub mod subst;

pub use image::{DEFAULT_FLOATING_TAGS, ImageRef, ImageRefError, TagStatus};
pub use parse::{
    Args, Comment, Directive, Dockerfile, ExecArg, Flag, Heredoc, Instruction, Joined, Keyword,
    ParseError, ParseErrorKind, parse,
};

/// Where a variable got its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VarDef {
    /// The value; `None` for an `ARG` without default (set only by `--build-arg`).
    pub value: Option<String>,
    /// File range of the `NAME=value` word (or the name) that defined it.
    pub defined_at: Range<usize>,
    /// Set by `ENV` (otherwise `ARG`).
    pub env: bool,
}

/// Variables in scope at some point of a Dockerfile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Scope {
    /// Variables by name.
    pub vars: HashMap<String, VarDef>,
}

impl Scope {
    /// The value of `name`, if known.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).and_then(|d| d.value.as_deref())
    }
}

impl fleetpin_shell::Vars for Scope {
    fn lookup(&self, name: &str) -> Option<Cow<'_, str>> {
        self.get(name).map(Cow::Borrowed)
    }
}

/// What a stage is built on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Base {
    /// `FROM scratch`.
    Scratch,
    /// An earlier stage, by index.
    Stage(usize),
    /// An image: index into [`Model::images`].
    Image(usize),
}

/// A build stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stage {
    /// Index of the `FROM` instruction.
    pub instruction: usize,
    /// The base.
    pub base: Base,
    /// `AS name`, lower-cased as BuildKit compares it.
    pub alias: Option<String>,
    /// `--platform=` value.
    pub platform: Option<String>,
}

/// Where an image reference appears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImageUseKind {
    /// `FROM image`.
    From,
    /// `COPY --from=image` / `ADD --from=image`.
    CopyFrom,
    /// `RUN --mount=type=...,from=image`.
    MountFrom,
}

/// A variable substituted into an image reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Substitution {
    /// Variable name.
    pub name: String,
    /// Its value.
    pub value: String,
    /// File range where the value was set (an `ARG NAME=value` word), if known.
    pub defined_at: Option<Range<usize>>,
}

/// An image reference in a Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageUse {
    /// Where it appears.
    pub kind: ImageUseKind,
    /// Index of the instruction.
    pub instruction: usize,
    /// The text as written.
    pub written: String,
    /// File range of the written text.
    pub range: Range<usize>,
    /// The text after `ARG` substitution.
    pub resolved: String,
    /// Variables without a value.
    pub unresolved: Vec<String>,
    /// Variables substituted, with where they were set.
    pub substitutions: Vec<Substitution>,
    /// The parsed reference (of `resolved`).
    #[serde(skip)]
    pub reference: Result<ImageRef, ImageRefError>,
}

impl ImageUse {
    /// File range of a range of the reference (tag, digest) — only when no substitution
    /// changed the text, so that the reference's offsets are the file's.
    pub fn file_range(&self, r: Range<usize>) -> Option<Range<usize>> {
        (self.written == self.resolved)
            .then(|| self.range.start + r.start..self.range.start + r.end)
    }
}

/// How a `RUN` runs its script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunKind {
    /// Shell form (`RUN apt-get ...`), continuations joined.
    Shell,
    /// Exec form (`RUN ["apt-get", "install", ...]`), elements joined with quoting.
    Exec,
    /// A heredoc body run as a script (`RUN <<EOF`, `RUN bash <<EOF`).
    Heredoc,
}

/// A script run by a `RUN` (or `ONBUILD RUN`) instruction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunCommand {
    /// Index of the instruction.
    pub instruction: usize,
    /// How the script is run.
    pub kind: RunKind,
    /// The script, mapped to the file.
    pub script: Joined,
    /// ARG/ENV variables in scope.
    pub scope: Scope,
}

impl RunCommand {
    /// Analyse the script with [`fleetpin_shell::analyze`]; ranges are file offsets.
    pub fn analyze(&self) -> fleetpin_shell::Analysis {
        let mut a = fleetpin_shell::analyze(&self.script.text, &self.scope);
        a.map_ranges(&|r| self.script.file_range(r));
        a
    }
}

/// The Dockerfile's stages, image references and RUN scripts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Model {
    /// Build stages in order.
    pub stages: Vec<Stage>,
    /// Image references in order.
    pub images: Vec<ImageUse>,
    /// RUN scripts in order.
    pub runs: Vec<RunCommand>,
    /// Global ARGs (declared before the first `FROM`).
    pub global_args: Scope,
    /// Remote sources of `ADD` (HTTP URLs and Git repositories).
    pub remote_sources: Vec<RemoteSource>,
}

/// What kind of remote `ADD` source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RemoteKind {
    /// An `http(s)://` URL.
    Http,
    /// A Git repository (`https://.../repo.git#ref`, `git@host:repo.git`).
    Git,
}

/// A remote source of an `ADD` instruction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemoteSource {
    /// Index of the instruction.
    pub instruction: usize,
    /// HTTP or Git.
    pub kind: RemoteKind,
    /// The URL after `ARG`/`ENV` substitution.
    pub url: String,
    /// File range of the source as written.
    pub range: Range<usize>,
    /// Variables without a value.
    pub unresolved: Vec<String>,
    /// The URL names a moving `latest` release ([`fleetpin_shell::is_latest_url`]).
    pub latest: bool,
    /// `--checksum=` value, if given.
    pub checksum: Option<String>,
    /// For Git: the ref after `#` (without `:subdir`), if any.
    pub git_ref: Option<String>,
    /// How firmly the source is pinned: Git refs by [`fleetpin_shell::classify_vcs_ref`];
    /// HTTP: Digest with a checksum, Floating for a `latest` URL or a Git-forge branch URL
    /// ([`fleetpin_shell::branch_of_url`]), otherwise None (the content
    /// behind a URL can change); Unresolved when a variable is unknown.
    pub strength: fleetpin_shell::PinStrength,
}

/// Split ARG/ENV/FROM arguments into words, honouring quotes and the escape character;
/// returns (value, text range).
fn split_words(text: &str, esc: char) -> Vec<(String, Range<usize>)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start = None;
    let mut quote: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if quote.is_none() && c.is_whitespace() {
            if let Some(s) = start.take() {
                out.push((std::mem::take(&mut cur), s..i));
            }
            continue;
        }
        start.get_or_insert(i);
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (q, c) if c == esc && q != Some('\'') => {
                if let Some(&(_, n)) = chars.peek() {
                    // Keep `\$` for the substitution step, drop other escapes.
                    if n == '$' {
                        cur.push(c);
                    }
                    cur.push(n);
                    chars.next();
                }
            }
            _ => cur.push(c),
        }
    }
    if let Some(s) = start {
        out.push((cur, s..text.len()));
    }
    out
}

impl Dockerfile {
    /// Stages, image references and RUN scripts with variable scoping applied.
    pub fn model(&self) -> Model {
        let esc = self.escape;
        let syntax = subst::Syntax::Dockerfile { escape: esc };
        let mut m = Model::default();
        let mut scope: Option<Scope> = None;
        let mut stage_envs: Vec<Scope> = Vec::new();
        let sub = |s: &str, sc: &Scope| {
            subst::substitute(s, &|n: &str| sc.get(n).map(str::to_owned), syntax)
        };
        for (k, ins) in self.instructions.iter().enumerate() {
            match &ins.keyword {
                Keyword::Arg => {
                    let Args::Shell(j) = &ins.args else { continue };
                    for (w, r) in split_words(&j.text, esc) {
                        let (name, value) = match w.split_once('=') {
                            Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
                            None => (w.clone(), None),
                        };
                        let at = j.file_range(r);
                        match &mut scope {
                            None => {
                                let value = value.map(|v| sub(&v, &m.global_args).value);
                                m.global_args.vars.insert(
                                    name,
                                    VarDef {
                                        value,
                                        defined_at: at,
                                        env: false,
                                    },
                                );
                            }
                            Some(sc) => {
                                let def = match value {
                                    Some(v) => VarDef {
                                        value: Some(sub(&v, sc).value),
                                        defined_at: at,
                                        env: false,
                                    },
                                    None => {
                                        m.global_args.vars.get(&name).cloned().unwrap_or(VarDef {
                                            value: None,
                                            defined_at: at,
                                            env: false,
                                        })
                                    }
                                };
                                // ENV of the same name wins over ARG.
                                if !sc.vars.get(&name).is_some_and(|d| d.env) {
                                    sc.vars.insert(name, def);
                                }
                            }
                        }
                    }
                }
                Keyword::Env => {
                    let Some(sc) = &mut scope else { continue };
                    let Args::Shell(j) = &ins.args else { continue };
                    let words = split_words(&j.text, esc);
                    if words.first().is_some_and(|(w, _)| !w.contains('=')) {
                        // Legacy `ENV NAME value with spaces`.
                        let (name, r) = &words[0];
                        // The value is shell-processed like the `NAME=value` form: quotes go.
                        let rest: Vec<String> = split_words(&j.text[r.end..], esc)
                            .into_iter()
                            .map(|(w, _)| w)
                            .collect();
                        let value = sub(&rest.join(" "), sc).value;
                        sc.vars.insert(
                            name.clone(),
                            VarDef {
                                value: Some(value),
                                defined_at: j.file_range(r.start..j.text.len()),
                                env: true,
                            },
                        );
                    } else {
                        let mut new = Vec::new();
                        for (w, r) in words {
                            if let Some((n, v)) = w.split_once('=') {
                                new.push((n.to_owned(), sub(v, sc).value, j.file_range(r)));
                            }
                        }
                        for (n, v, at) in new {
                            sc.vars.insert(
                                n,
                                VarDef {
                                    value: Some(v),
                                    defined_at: at,
                                    env: true,
                                },
                            );
                        }
                    }
                    if let Some(e) = stage_envs.last_mut() {
                        *e = Scope {
                            vars: sc
                                .vars
                                .iter()
                                .filter(|(_, d)| d.env)
                                .map(|(k, v)| (k.clone(), v.clone()))
                                .collect(),
                        };
                    }
                }
                Keyword::From => {
                    let Args::Shell(j) = &ins.args else { continue };
                    let words = split_words(&j.text, esc);
                    let Some((img, img_r)) = words.first().cloned() else {
                        continue;
                    };
                    let alias = match (words.get(1), words.get(2)) {
                        (Some((as_kw, _)), Some((name, _))) if as_kw.eq_ignore_ascii_case("as") => {
                            Some(name.to_ascii_lowercase())
                        }
                        _ => None,
                    };
                    let s = sub(&img, &m.global_args);
                    let lower = s.value.to_ascii_lowercase();
                    let mut new_scope = Scope::default();
                    let base = if lower == "scratch" {
                        Base::Scratch
                    } else if let Some(i) = m
                        .stages
                        .iter()
                        .position(|st| st.alias.as_deref() == Some(lower.as_str()))
                    {
                        new_scope = stage_envs.get(i).cloned().unwrap_or_default();
                        Base::Stage(i)
                    } else {
                        m.images.push(self.image_use(
                            ImageUseKind::From,
                            k,
                            &img,
                            j.file_range(img_r),
                            s,
                            &m.global_args,
                        ));
                        Base::Image(m.images.len() - 1)
                    };
                    let platform = ins.flag("platform").and_then(|f| f.value.clone());
                    m.stages.push(Stage {
                        instruction: k,
                        base,
                        alias,
                        platform,
                    });
                    stage_envs.push(new_scope.clone());
                    scope = Some(new_scope);
                }
                Keyword::Copy | Keyword::Add => {
                    if ins.keyword == Keyword::Add {
                        let sc = scope.clone().unwrap_or_default();
                        m.remote_sources.extend(remote_sources(k, ins, esc, &sc));
                    }
                    let Some(f) = ins.flag("from") else { continue };
                    let (Some(v), Some(vr)) = (&f.value, &f.value_range) else {
                        continue;
                    };
                    let sc = scope.clone().unwrap_or_default();
                    let s = sub(v, &sc);
                    if !self.is_stage_ref(&s.value, &m.stages) {
                        m.images.push(self.image_use(
                            ImageUseKind::CopyFrom,
                            k,
                            v,
                            vr.clone(),
                            s,
                            &sc,
                        ));
                    }
                }
                Keyword::Run | Keyword::Onbuild => {
                    let sc = scope.clone().unwrap_or_default();
                    if ins.keyword == Keyword::Run {
                        for f in ins.flags.iter().filter(|f| f.name == "mount") {
                            let (Some(v), Some(vr)) = (&f.value, &f.value_range) else {
                                continue;
                            };
                            let mut off = 0;
                            for kv in v.split(',') {
                                if let Some(from) = kv.strip_prefix("from=") {
                                    let s = sub(from, &sc);
                                    if !self.is_stage_ref(&s.value, &m.stages) {
                                        let r = vr.start + off + 5..vr.start + off + kv.len();
                                        let r = if vr.len() == v.len() { r } else { vr.clone() };
                                        m.images.push(self.image_use(
                                            ImageUseKind::MountFrom,
                                            k,
                                            from,
                                            r,
                                            s,
                                            &sc,
                                        ));
                                    }
                                }
                                off += kv.len() + 1;
                            }
                        }
                    }
                    m.runs.extend(run_scripts(k, ins, &sc));
                }
                _ => {}
            }
        }
        m
    }

    fn is_stage_ref(&self, v: &str, stages: &[Stage]) -> bool {
        let lower = v.to_ascii_lowercase();
        lower == "scratch"
            || stages
                .iter()
                .any(|s| s.alias.as_deref() == Some(lower.as_str()))
            || (!v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
    }

    fn image_use(
        &self,
        kind: ImageUseKind,
        instruction: usize,
        written: &str,
        range: Range<usize>,
        s: subst::Substituted,
        scope: &Scope,
    ) -> ImageUse {
        let substitutions = s
            .used
            .iter()
            .map(|(n, v)| Substitution {
                name: n.clone(),
                value: v.clone(),
                defined_at: scope.vars.get(n).map(|d| d.defined_at.clone()),
            })
            .collect();
        ImageUse {
            kind,
            instruction,
            written: written.to_owned(),
            range,
            reference: ImageRef::parse(&s.value),
            resolved: s.value,
            unresolved: s.unresolved,
            substitutions,
        }
    }
}

/// Remote sources of an `ADD`: every argument but the last (the destination).
fn remote_sources(k: usize, ins: &Instruction, esc: char, scope: &Scope) -> Vec<RemoteSource> {
    use fleetpin_shell::PinStrength;
    let words: Vec<(String, Range<usize>)> = match &ins.args {
        Args::Shell(j) => split_words(&j.text, esc)
            .into_iter()
            .map(|(w, r)| (w, j.file_range(r)))
            .collect(),
        Args::Exec(e) => e
            .iter()
            .map(|a| (a.value.clone(), a.range.clone()))
            .collect(),
    };
    let checksum = ins.flag("checksum").and_then(|f| f.value.clone());
    let mut out = Vec::new();
    let n = words.len();
    for (w, range) in words.into_iter().take(n.saturating_sub(1)) {
        let s = subst::substitute(
            &w,
            &|name: &str| scope.get(name).map(str::to_owned),
            subst::Syntax::Dockerfile { escape: esc },
        );
        let url = s.value;
        let lower = url.to_ascii_lowercase();
        let git = lower.starts_with("git@")
            || lower.starts_with("git://")
            || lower.starts_with("ssh://")
            || lower.split('#').next().is_some_and(|b| b.ends_with(".git"));
        let http = lower.starts_with("http://") || lower.starts_with("https://");
        if !git && !http {
            continue;
        }
        let unresolved = !s.unresolved.is_empty();
        let (kind, git_ref, strength) = if git {
            let r = url
                .split_once('#')
                .map(|(_, f)| f.split(':').next().unwrap_or("").to_owned());
            let st = if unresolved {
                PinStrength::Unresolved
            } else {
                fleetpin_shell::classify_vcs_ref(r.as_deref().unwrap_or(""))
            };
            (RemoteKind::Git, r, st)
        } else {
            let st = if checksum.is_some() {
                PinStrength::Digest
            } else if unresolved {
                PinStrength::Unresolved
            } else if fleetpin_shell::is_latest_url(&url)
                || fleetpin_shell::branch_of_url(&url).is_some()
            {
                PinStrength::Floating
            } else {
                PinStrength::None
            };
            (RemoteKind::Http, None, st)
        };
        out.push(RemoteSource {
            instruction: k,
            kind,
            latest: http && fleetpin_shell::is_latest_url(&url),
            url,
            range,
            unresolved: s.unresolved,
            checksum: checksum.clone(),
            git_ref,
            strength,
        });
    }
    out
}

fn is_shell_program(cmd: &str) -> bool {
    let first = cmd.split_whitespace().next().unwrap_or("");
    let base = first.rsplit('/').next().unwrap_or(first);
    matches!(base, "sh" | "bash" | "dash" | "ash" | "zsh" | "ksh")
        && !cmd
            .split_whitespace()
            .any(|w| w == "-c" || (w.starts_with('-') && !w.starts_with("--") && w.ends_with('c')))
}

fn run_scripts(k: usize, ins: &Instruction, scope: &Scope) -> Vec<RunCommand> {
    let mut out = Vec::new();
    let mk = |kind, script| RunCommand {
        instruction: k,
        kind,
        script,
        scope: scope.clone(),
    };
    match &ins.args {
        Args::Exec(elems) => {
            let mut j = Joined::default();
            for (i, e) in elems.iter().enumerate() {
                if i > 0 {
                    j_push_sep(&mut j, e.range.start);
                }
                let needs_quote = e.value.is_empty()
                    || e.value.contains(|c: char| {
                        c.is_whitespace() || "'\"\\$`|&;<>()*?[]#~".contains(c)
                    });
                if needs_quote {
                    let quoted = format!("'{}'", e.value.replace('\'', "'\\''"));
                    jpush(&mut j, &quoted, e.range.start, e.range.len());
                } else {
                    jpush(
                        &mut j,
                        &e.value,
                        e.range.start + 1,
                        e.range.len().saturating_sub(2),
                    );
                }
            }
            out.push(mk(RunKind::Exec, j));
        }
        Args::Shell(j) => {
            let mut j = j.clone();
            if ins.keyword == Keyword::Onbuild {
                let t = j.text.trim_start();
                let lead = j.text.len() - t.len();
                if t.len() >= 4
                    && t.as_bytes()[..3].eq_ignore_ascii_case(b"RUN")
                    && t.as_bytes()[3].is_ascii_whitespace()
                {
                    j = j.slice(lead + 4..j.text.len());
                } else {
                    return out;
                }
            }
            if ins.heredocs.is_empty() {
                out.push(mk(RunKind::Shell, j));
            } else {
                // Command line without the markers decides what the bodies are.
                let mut cmd = String::with_capacity(j.text.len());
                let mut last = 0;
                for (_, _, _, r) in parse::heredoc_markers(&j.text) {
                    cmd.push_str(&j.text[last..r.start]);
                    last = r.end;
                }
                cmd.push_str(&j.text[last..]);
                let cmd_trim = cmd.replace(['"', '\''], "");
                let cmd_trim = cmd_trim.trim();
                if cmd_trim.is_empty() || is_shell_program(cmd_trim) {
                    for h in &ins.heredocs {
                        out.push(mk(RunKind::Heredoc, h.body.clone()));
                    }
                }
                if !cmd_trim.is_empty() {
                    out.push(mk(RunKind::Shell, j));
                }
            }
        }
    }
    out
}

/// Push `s` mapped onto the file range `at..at+len` (clamped when `s` is longer).
fn jpush(j: &mut Joined, s: &str, at: usize, len: usize) {
    if s.len() <= len || len == 0 {
        j.push(s, at);
    } else {
        // Map byte by byte, clamping to the element's range.
        for (i, ch) in s.char_indices() {
            let mut buf = [0u8; 4];
            let off = at + i.min(len.saturating_sub(1));
            j.push(ch.encode_utf8(&mut buf), off);
        }
    }
}

fn j_push_sep(j: &mut Joined, at: usize) {
    j.push(" ", at.saturating_sub(1));
}
