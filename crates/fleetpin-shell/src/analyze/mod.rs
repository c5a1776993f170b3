//! Command structure and dispatch: lists, pipelines and substitutions, variable expansion, and
//! which parser a command goes to. Wrappers, downloads, the option parser and each package
//! manager live in the submodules.

mod apk;
mod apt;
mod brew;
mod cargo;
mod conda;
mod dnf;
mod docker;
mod fetch;
mod gem;
mod go;
mod install;
mod npm;
mod opts;
mod pacman;
mod pip;
mod service;
mod snap;
mod wrappers;
mod zypper;

use fetch::{executed_file, fetch_info, is_verifier, same_file, saved_file};
use install::{InstallOpts, is_pip, strength_with_upgrade};
use opts::{Opt, parse_opts};
use wrappers::{inner_script, reads_stdin_as_code, strip_wrappers};

use std::collections::HashMap;
use std::ops::Range;

use crate::lex::{self, Op, Part, SubstKind, Tok};
use crate::pin::{self, Manager, PackageSource, PinStrength, UNRESOLVED_MARK};
use crate::vars::{Layered, Vars};
use crate::{
    Analysis, Download, ImageArg, Install, Package, PipeToShell, ServiceAction, StackDeploy,
    Upgrade, Word,
};

/// Nesting limit for `sh -c`, `$( )` and friends: deeper text is not analysed.
const MAX_DEPTH: usize = 8;

pub(crate) fn analyze(cmd: &str, vars: &dyn Vars) -> Analysis {
    let mut layered = Layered {
        outer: vars,
        local: HashMap::new(),
    };
    let mut a = analyze_text(cmd, &mut layered, 0);
    a.sort();
    a
}

/// An argument after expansion.
#[derive(Debug, Clone)]
pub(crate) struct Arg {
    /// Text with [`UNRESOLVED_MARK`] in place of each unresolved expansion.
    text: String,
    /// Text with unresolved expansions as written; `None` when it equals `text`.
    display: Option<String>,
    range: Range<usize>,
    /// Source offset (in the analysed text) of each byte of `text`.
    src: Vec<usize>,
    unresolved: Vec<String>,
    /// The unresolved expansions as written (`$VER`, `${VER}`, `$(cmd)`), parallel to the
    /// markers in `text`.
    unresolved_raw: Vec<String>,
    substituted: Vec<(String, String)>,
    /// Came from a word that has a `$( )` / `<( )` substitution whose body fetches a URL.
    fetch_subst: Option<(Word, Option<Word>)>,
}

impl Arg {
    fn word(&self) -> Word {
        Word {
            text: self.display().to_owned(),
            range: self.range.clone(),
        }
    }

    /// Text with unresolved expansions as written.
    fn display(&self) -> &str {
        self.display.as_deref().unwrap_or(&self.text)
    }

    fn is(&self, s: &str) -> bool {
        self.text == s
    }

    /// Range of the byte sub-range `r` of `text`.
    fn sub_range(&self, r: Range<usize>) -> Range<usize> {
        map_table(&self.src, r).unwrap_or(self.range.clone())
    }
}

fn map_table(src: &[usize], r: Range<usize>) -> Option<Range<usize>> {
    if src.is_empty() {
        return None;
    }
    let s = *src.get(r.start).or(src.last())?;
    let e = if r.end > r.start {
        src.get(r.end - 1).or(src.last()).map(|x| x + 1)?
    } else {
        s
    };
    Some(s..e.max(s))
}

struct Cmd {
    words: Vec<lex::Word>,
    redirects: Vec<(Range<usize>, Option<lex::Word>)>,
}

fn structure(toks: Vec<Tok>) -> Vec<Vec<Cmd>> {
    let mut pipelines = Vec::new();
    let mut pipeline: Vec<Cmd> = Vec::new();
    let mut cmd = Cmd {
        words: Vec::new(),
        redirects: Vec::new(),
    };
    let flush_cmd = |cmd: &mut Cmd, pipeline: &mut Vec<Cmd>| {
        if !cmd.words.is_empty() || !cmd.redirects.is_empty() {
            pipeline.push(std::mem::replace(
                cmd,
                Cmd {
                    words: Vec::new(),
                    redirects: Vec::new(),
                },
            ));
        }
    };
    for t in toks {
        match t {
            Tok::Word(w) => cmd.words.push(w),
            Tok::Redirect { range, target } => cmd.redirects.push((range, target)),
            Tok::Op(Op::Pipe) => flush_cmd(&mut cmd, &mut pipeline),
            Tok::Op(_) => {
                flush_cmd(&mut cmd, &mut pipeline);
                if !pipeline.is_empty() {
                    pipelines.push(std::mem::take(&mut pipeline));
                }
            }
        }
    }
    flush_cmd(&mut cmd, &mut pipeline);
    if !pipeline.is_empty() {
        pipelines.push(pipeline);
    }
    pipelines
}

fn analyze_text(text: &str, vars: &mut Layered<'_>, depth: usize) -> Analysis {
    let mut out = Analysis::default();
    if depth > MAX_DEPTH {
        return out;
    }
    let pipelines = structure(lex::lex(text));
    // Files downloaded earlier in this script and not verified yet: (path, fetcher, URL).
    let mut saved: Vec<(Word, Word, Option<Word>)> = Vec::new();
    for pipeline in &pipelines {
        // Substitutions anywhere in the pipeline are commands too.
        for cmd in pipeline {
            let targets = cmd.redirects.iter().filter_map(|(_, t)| t.as_ref());
            for w in cmd.words.iter().chain(targets) {
                for p in &w.parts {
                    if let Part::Subst { kind, inner, .. } = p {
                        if *kind == SubstKind::Arith {
                            continue;
                        }
                        let inner_text = text.get(inner.clone()).unwrap_or("");
                        let mut sub = analyze_text(inner_text, vars, depth + 1);
                        sub.shift(inner.start);
                        out.extend(sub);
                    }
                }
            }
        }
        let mut cx = Cx {
            text,
            depth,
            out: &mut out,
        };
        let mut resolved: Vec<Option<Resolved>> = Vec::with_capacity(pipeline.len());
        for cmd in pipeline {
            resolved.push(cx.command(cmd, vars));
        }
        // `curl -o x.sh URL && sh x.sh`: a downloaded file run without a check in between.
        let pipeline_text = {
            let start = pipeline
                .first()
                .and_then(|c| c.words.first())
                .map_or(0, |w| w.range.start);
            let end = pipeline
                .last()
                .and_then(|c| c.words.last())
                .map_or(start, |w| w.range.end);
            text.get(start..end).unwrap_or("")
        };
        for r in resolved.iter().flatten() {
            if is_verifier(r) {
                let check_all = r.argv.iter().any(|a| {
                    matches!(
                        a.text.as_str(),
                        "-c" | "--check" | "--verify" | "verify" | "verify-blob"
                    )
                });
                saved.retain(|(path, _, _)| {
                    !check_all && !pipeline_text.contains(basename(&path.text))
                });
                continue;
            }
            if let Some(script) = executed_file(r)
                && let Some(k) = saved
                    .iter()
                    .position(|(p, _, _)| same_file(&p.text, &script))
            {
                let (path, fetcher, url) = saved.remove(k);
                cx.out.pipe_to_shell.push(PipeToShell {
                    range: fetcher.range.start.min(r.range.start)..r.range.end,
                    fetcher,
                    url,
                    shell: r.argv[0].word(),
                    saved_to: Some(path),
                });
            }
            if let Some(info) = fetch_info(r)
                && let Some(path) = saved_file(r, info.1.as_ref())
            {
                saved.retain(|(p, _, _)| !same_file(&p.text, &path.text));
                saved.push((path, info.0, info.1));
            }
        }
        // `fetch | sh`
        for (i, r) in resolved.iter().enumerate() {
            let Some(r) = r else { continue };
            let Some((fetcher, url, to_stdout)) = fetch_info(r) else {
                continue;
            };
            if !to_stdout {
                continue;
            }
            for later in resolved.iter().skip(i + 1).flatten() {
                if reads_stdin_as_code(later) {
                    cx.out.pipe_to_shell.push(PipeToShell {
                        fetcher: fetcher.clone(),
                        url: url.clone(),
                        shell: later.argv[0].word(),
                        range: r.range.start..later.range.end,
                        saved_to: None,
                    });
                    break;
                }
            }
        }
    }
    out
}

/// A simple command after wrappers were stripped.
struct Resolved {
    argv: Vec<Arg>,
    /// Program basename (`apt-get` for `/usr/bin/apt-get`).
    name: String,
    range: Range<usize>,
    /// Redirect targets glued to an argument: (end of the previous word, target text).
    redirects: Vec<(usize, String)>,
    /// Reads its arguments from stdin (`xargs apt-get install`).
    xargs: bool,
}

struct Cx<'t, 'o> {
    text: &'t str,
    depth: usize,
    out: &'o mut Analysis,
}

fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

fn is_assignment(s: &str) -> Option<(&str, &str)> {
    let (name, value) = s.split_once('=')?;
    let mut chars = name.chars();
    let first = chars.next()?;
    if (first == '_' || first.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
    {
        Some((name, value))
    } else {
        None
    }
}

fn is_shell(name: &str) -> bool {
    matches!(
        name,
        "sh" | "bash" | "dash" | "zsh" | "ksh" | "ash" | "mksh" | "fish" | "busybox"
    )
}

fn is_interpreter(name: &str) -> bool {
    is_shell(name)
        || name.starts_with("python")
        || matches!(
            name,
            "perl" | "ruby" | "node" | "php" | "pwsh" | "powershell" | "iex" | "invoke-expression"
        )
}

impl Cx<'_, '_> {
    fn expand(&self, w: &lex::Word, vars: &Layered<'_>) -> Vec<Arg> {
        let mut a = Arg {
            text: String::new(),
            display: None,
            range: w.range.clone(),
            src: Vec::new(),
            unresolved: Vec::new(),
            unresolved_raw: Vec::new(),
            substituted: Vec::new(),
            fetch_subst: None,
        };
        let mut split_candidate = None;
        for p in &w.parts {
            match p {
                Part::Lit { text, src } => {
                    a.text.push_str(text);
                    if let Some(d) = &mut a.display {
                        d.push_str(text);
                    }
                    a.src.extend_from_slice(src);
                }
                Part::Param {
                    name,
                    op,
                    arg,
                    range,
                    quoted,
                } => {
                    let raw = self.text.get(range.clone()).unwrap_or("");
                    let value = param_value(name, op, arg, vars);
                    match value {
                        Some(v) => {
                            a.substituted.push((name.clone(), v.clone()));
                            if !quoted && w.parts.len() == 1 {
                                split_candidate = Some(v.clone());
                            }
                            a.src.extend((0..v.len()).map(|_| range.start));
                            if let Some(d) = &mut a.display {
                                d.push_str(&v);
                            }
                            a.text.push_str(&v);
                        }
                        None => {
                            a.unresolved.push(name.clone());
                            a.unresolved_raw.push(raw.to_owned());
                            a.display
                                .get_or_insert_with(|| a.text.clone())
                                .push_str(raw);
                            a.text.push(UNRESOLVED_MARK);
                            a.src
                                .extend((0..UNRESOLVED_MARK.len_utf8()).map(|_| range.start));
                        }
                    }
                }
                Part::Subst { kind, inner, range } => {
                    let raw = self.text.get(range.clone()).unwrap_or("");
                    a.unresolved.push(raw.to_owned());
                    a.unresolved_raw.push(raw.to_owned());
                    a.display
                        .get_or_insert_with(|| a.text.clone())
                        .push_str(raw);
                    a.text.push(UNRESOLVED_MARK);
                    a.src
                        .extend((0..UNRESOLVED_MARK.len_utf8()).map(|_| range.start));
                    if *kind != SubstKind::Arith
                        && a.fetch_subst.is_none()
                        && self.depth < MAX_DEPTH
                    {
                        a.fetch_subst = self.subst_fetch(inner.clone());
                    }
                }
            }
        }
        if let Some(v) = split_candidate {
            if v.split_whitespace().count() > 1 {
                let name = a.substituted[0].0.clone();
                return v
                    .split_whitespace()
                    .map(|piece| Arg {
                        text: piece.to_owned(),
                        display: None,
                        range: a.range.clone(),
                        src: vec![a.range.start; piece.len()],
                        unresolved: Vec::new(),
                        unresolved_raw: Vec::new(),
                        substituted: vec![(name.clone(), v.clone())],
                        fetch_subst: None,
                    })
                    .collect();
            }
            if v.trim().is_empty() {
                // An unquoted empty expansion disappears.
                return Vec::new();
            }
        }
        vec![a]
    }

    /// Does the substitution body `inner` fetch a URL to stdout? Returns (fetcher, url).
    fn subst_fetch(&self, inner: Range<usize>) -> Option<(Word, Option<Word>)> {
        let body = self.text.get(inner.clone())?;
        let pipelines = structure(lex::lex(body));
        let first = pipelines.first()?.first()?;
        let words: Vec<Arg> = {
            let empty = Layered {
                outer: &crate::NoVars,
                local: HashMap::new(),
            };
            first
                .words
                .iter()
                .flat_map(|w| self_free_expand(body, w, &empty))
                .collect()
        };
        let r = strip_wrappers(words, &[])?;
        let (mut fetcher, mut url, to_stdout) = fetch_info(&r)?;
        if !to_stdout {
            return None;
        }
        fetcher.range = fetcher.range.start + inner.start..fetcher.range.end + inner.start;
        if let Some(u) = &mut url {
            u.range = u.range.start + inner.start..u.range.end + inner.start;
        }
        Some((fetcher, url))
    }

    fn command(&mut self, cmd: &Cmd, vars: &mut Layered<'_>) -> Option<Resolved> {
        let mut argv: Vec<Arg> = Vec::new();
        for w in &cmd.words {
            argv.extend(self.expand(w, vars));
        }
        // Standalone assignments update the script's variables.
        if !argv.is_empty() && argv.iter().all(|a| is_assignment(&a.text).is_some()) {
            for a in &argv {
                if let Some((name, value)) = is_assignment(&a.text) {
                    let v = (!value.contains(UNRESOLVED_MARK)).then(|| value.to_owned());
                    vars.local.insert(name.to_owned(), v);
                }
            }
            return None;
        }
        if let Some(first) = argv.first()
            && matches!(
                first.text.as_str(),
                "export" | "declare" | "local" | "readonly" | "typeset"
            )
        {
            for a in &argv[1..] {
                if let Some((name, value)) = is_assignment(&a.text) {
                    let v = (!value.contains(UNRESOLVED_MARK)).then(|| value.to_owned());
                    vars.local.insert(name.to_owned(), v);
                }
            }
            return None;
        }
        let glued: Vec<(usize, String)> = cmd
            .redirects
            .iter()
            .filter_map(|(r, t)| {
                let t = t.as_ref()?;
                let op = self.text.get(r.start..t.range.start)?.trim_end();
                Some((r.start, format!("{op}{}", t.display(self.text))))
            })
            .collect();
        let mut r = strip_wrappers(argv, &glued)?;
        // `sh -c '...'`, `su -c '...'`, `eval '...'`: analyse the inner script.
        if let Some(script) = inner_script(&r)
            && self.depth < MAX_DEPTH
        {
            let mut sub = analyze_text(&script.text, vars, self.depth + 1);
            let src = script.src.clone();
            let fallback = script.range.clone();
            sub.map_ranges(&|x| map_table(&src, x).unwrap_or(fallback.clone()));
            self.out.extend(sub);
        }
        self.dispatch(&mut r);
        Some(r)
    }

    fn dispatch(&mut self, r: &mut Resolved) {
        let name = r.name.as_str();
        match name {
            _ if r.argv[0].text.contains("/init.d/") => self.service(r),
            "apt-get" | "apt" | "aptitude" => self.apt(r),
            "yum" | "dnf" | "dnf5" | "microdnf" | "tdnf" => self.dnf(r),
            "apk" => self.apk(r),
            "zypper" => self.zypper(r),
            "npm" | "yarn" | "pnpm" | "bun" => self.npm(r),
            "gem" => self.gem(r),
            "go" => self.go(r),
            "pacman" | "yay" | "paru" => self.pacman(r),
            "snap" => self.snap(r),
            "brew" => self.brew(r),
            "cargo" => self.cargo(r),
            "conda" | "mamba" | "micromamba" => self.conda(r),
            "docker" | "podman" => self.docker(r),
            "systemctl" | "service" | "rc-service" => self.service(r),
            "curl" | "wget" | "fetch" | "iwr" | "invoke-webrequest" | "irm"
            | "invoke-restmethod" => {
                if let Some((fetcher, Some(url), to_stdout)) = fetch_info(r) {
                    self.out.downloads.push(Download {
                        tool: fetcher.text,
                        latest: crate::url::is_latest_url(&url.text),
                        branch: crate::url::branch_of_url(&url.text).map(str::to_owned),
                        url,
                        to_stdout,
                        range: r.range.clone(),
                    });
                }
            }
            _ if is_pip(r).is_some() => self.pip(r),
            _ => {}
        }
        // Interpreters running a fetched substitution: `bash <(curl ...)`, `sh -c "$(curl ...)"`.
        if (is_interpreter(name) || matches!(name, "eval" | "source" | "."))
            && let Some(a) = r.argv.iter().skip(1).find(|a| a.fetch_subst.is_some())
        {
            let (fetcher, url) = a.fetch_subst.clone().unwrap_or_else(|| (a.word(), None));
            self.out.pipe_to_shell.push(PipeToShell {
                fetcher,
                url,
                shell: r.argv[0].word(),
                range: r.range.clone(),
                saved_to: None,
            });
        }
    }
}

/// Expand without a `Cx` (used on substitution bodies).
fn self_free_expand(text: &str, w: &lex::Word, vars: &Layered<'_>) -> Vec<Arg> {
    let mut sink = Analysis::default();
    let cx = Cx {
        text,
        depth: MAX_DEPTH,
        out: &mut sink,
    };
    cx.expand(w, vars)
}

fn param_value(name: &str, op: &str, arg: &str, vars: &Layered<'_>) -> Option<String> {
    let v = vars.get(name).map(|c| c.into_owned());
    let arg_value = || {
        if arg.contains('$') || arg.contains('`') {
            None
        } else {
            Some(arg.trim_matches(['"', '\'']).to_owned())
        }
    };
    match op {
        "" => v,
        ":-" | ":=" => match v {
            Some(x) if !x.is_empty() => Some(x),
            _ => arg_value(),
        },
        "-" | "=" => match v {
            Some(x) => Some(x),
            None => arg_value(),
        },
        ":+" => match v {
            Some(x) if !x.is_empty() => arg_value(),
            Some(_) => Some(String::new()),
            None => None,
        },
        "+" => match v {
            Some(_) => arg_value(),
            None => None,
        },
        ":?" | "?" => v,
        _ => None,
    }
}
