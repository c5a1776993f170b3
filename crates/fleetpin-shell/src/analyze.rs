//! Command structure, wrappers, and the per-manager argument parsers.

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

/// Remove assignments, keywords and wrapper programs in front of the real command.
fn strip_wrappers(argv: Vec<Arg>, glued: &[(usize, String)]) -> Option<Resolved> {
    let mut i = 0;
    let mut xargs = false;
    let n = argv.len();
    loop {
        let a = argv.get(i)?;
        let t = a.text.as_str();
        if is_assignment(t).is_some() {
            i += 1;
            continue;
        }
        let base = basename(t);
        match base {
            "!" | "{" | "}" | "if" | "then" | "else" | "elif" | "fi" | "do" | "done" | "while"
            | "until" | "time" | "exec" | "command" | "builtin" | "nohup" | "eatmydata"
            | "unbuffer" | "chronic" | "esac" | "catchsegv" => {
                i += 1;
                // `time -p`, `command -v` (a lookup, not a run)
                if let Some(next) = argv.get(i) {
                    if base == "command" && (next.is("-v") || next.is("-V")) {
                        return None;
                    }
                    if next.text.starts_with('-') && matches!(base, "time" | "exec" | "command") {
                        i += 1;
                    }
                }
            }
            "for" | "case" | "select" | "function" | "in" => return None,
            "sudo" | "doas" => {
                i += 1;
                while let Some(x) = argv.get(i) {
                    let s = x.text.as_str();
                    if s == "--" {
                        i += 1;
                        break;
                    }
                    if !s.starts_with('-') || s == "-" {
                        break;
                    }
                    // A short cluster takes a value when its last letter does (`-iu root`).
                    let takes = !s.starts_with("--")
                        && s.ends_with(['u', 'g', 'p', 'h', 'C', 'D', 'r', 't', 'U', 'T']);
                    let long_takes = matches!(
                        s,
                        "--user"
                            | "--group"
                            | "--host"
                            | "--prompt"
                            | "--close-from"
                            | "--chdir"
                            | "--role"
                            | "--type"
                            | "--other-user"
                            | "--command-timeout"
                    );
                    i += if takes || long_takes { 2 } else { 1 };
                }
            }
            "env" => {
                i += 1;
                while let Some(x) = argv.get(i) {
                    let s = x.text.as_str();
                    if s == "--" {
                        i += 1;
                        break;
                    }
                    if matches!(s, "-u" | "-C" | "--unset" | "--chdir") {
                        i += 2;
                    } else if s.starts_with('-') || is_assignment(s).is_some() {
                        i += 1;
                    } else {
                        break;
                    }
                }
            }
            "nice" | "ionice" | "stdbuf" | "timeout" | "flock" | "chroot" | "gosu" | "su-exec"
            | "runuser" | "setpriv" | "taskset" | "chrt" | "retry" | "xargs" | "watch" => {
                if base == "xargs" {
                    xargs = true;
                }
                i += 1;
                while let Some(x) = argv.get(i) {
                    let s = x.text.as_str();
                    if s == "--" {
                        i += 1;
                        break;
                    }
                    if !s.starts_with('-') || s == "-" {
                        break;
                    }
                    let takes_value = match base {
                        "nice" => matches!(s, "-n" | "--adjustment"),
                        "ionice" => matches!(s, "-c" | "-n" | "-p" | "-P" | "-u"),
                        "stdbuf" => matches!(s, "-i" | "-o" | "-e"),
                        "timeout" => matches!(s, "-s" | "-k" | "--signal" | "--kill-after"),
                        "flock" => matches!(s, "-w" | "-E" | "--timeout" | "-c"),
                        "runuser" => matches!(s, "-u" | "-g" | "-G" | "--user" | "--group"),
                        "xargs" => matches!(
                            s,
                            "-n" | "-I"
                                | "-i"
                                | "-d"
                                | "-P"
                                | "-L"
                                | "-a"
                                | "-E"
                                | "-s"
                                | "--max-args"
                                | "--max-procs"
                                | "--delimiter"
                                | "--arg-file"
                        ),
                        "taskset" | "chrt" => false,
                        _ => false,
                    };
                    i += if takes_value { 2 } else { 1 };
                }
                // Positional operands before the command.
                let skip = match base {
                    "timeout" | "flock" | "chroot" | "gosu" | "su-exec" | "chrt" => 1,
                    "taskset" => 1,
                    _ => 0,
                };
                i += skip;
            }
            _ => break,
        }
        if i >= n {
            return None;
        }
    }
    let argv: Vec<Arg> = argv.into_iter().skip(i).collect();
    let first = argv.first()?;
    let name = basename(&first.text).to_ascii_lowercase();
    let start = first.range.start;
    let end = argv.iter().map(|a| a.range.end).max().unwrap_or(start);
    Some(Resolved {
        name,
        range: start..end,
        redirects: glued.to_vec(),
        argv,
        xargs,
    })
}

/// The script of `sh -c SCRIPT`, `bash -euxo pipefail -c SCRIPT`, `su -c SCRIPT`,
/// `eval SCRIPT`.
fn inner_script(r: &Resolved) -> Option<&Arg> {
    let name = r.name.as_str();
    if name == "eval" {
        return (r.argv.len() == 2).then(|| &r.argv[1]);
    }
    if name == "su" {
        let mut it = r.argv.iter().skip(1);
        while let Some(a) = it.next() {
            if a.is("-c") || a.is("--command") {
                return it.next();
            }
        }
        return None;
    }
    if !is_shell(name) {
        return None;
    }
    let mut saw_c = false;
    let mut it = r.argv.iter().skip(1);
    while let Some(a) = it.next() {
        let t = a.text.as_str();
        if t == "--" {
            continue;
        }
        if let Some(long) = t.strip_prefix("--") {
            if matches!(long, "rcfile" | "init-file") {
                it.next();
            }
            continue;
        }
        if (t.starts_with('-') || t.starts_with('+')) && t.len() > 1 {
            let flags = &t[1..];
            if flags.contains('c') {
                saw_c = true;
            }
            if flags.ends_with('o') || flags.ends_with('O') {
                it.next();
            }
            continue;
        }
        return saw_c.then_some(a);
    }
    None
}

/// Does this (interpreter) command read code from stdin?
fn reads_stdin_as_code(r: &Resolved) -> bool {
    let name = r.name.as_str();
    if matches!(name, "iex" | "invoke-expression") {
        return true;
    }
    if !is_interpreter(name) {
        return false;
    }
    let mut it = r.argv.iter().skip(1);
    while let Some(a) = it.next() {
        let t = a.text.as_str();
        if t == "-" || t == "/dev/stdin" || t == "--" || t == "-s" {
            return true;
        }
        if t == "-c" || t == "-e" && !is_shell(name) || t == "-m" && name.starts_with("python") {
            return false;
        }
        if t == "-o" && is_shell(name) {
            it.next();
            continue;
        }
        if t.starts_with('-') {
            if is_shell(name) && !t.starts_with("--") && t.contains('c') {
                return false;
            }
            continue;
        }
        // A script file argument: the interpreter reads the file, not stdin.
        return false;
    }
    true
}

/// (fetcher word, URL, writes to stdout) for curl / wget / fetch / iwr.
fn fetch_info(r: &Resolved) -> Option<(Word, Option<Word>, bool)> {
    let name = r.name.as_str();
    if !matches!(
        name,
        "curl" | "wget" | "fetch" | "iwr" | "invoke-webrequest" | "irm" | "invoke-restmethod"
    ) {
        return None;
    }
    let prog = r.argv[0].word();
    match name {
        "curl" => {
            let p = parse_opts(
                &r.argv[1..],
                b"oHdXuAeTxwmbcEFKrYyzCUQDtK",
                &[
                    "--output",
                    "--header",
                    "--data",
                    "--data-raw",
                    "--data-binary",
                    "--data-urlencode",
                    "--request",
                    "--user",
                    "--user-agent",
                    "--referer",
                    "--upload-file",
                    "--proxy",
                    "--write-out",
                    "--max-time",
                    "--cookie",
                    "--cookie-jar",
                    "--cert",
                    "--key",
                    "--cacert",
                    "--form",
                    "--config",
                    "--range",
                    "--time-cond",
                    "--continue-at",
                    "--proxy-user",
                    "--quote",
                    "--dump-header",
                    "--connect-timeout",
                    "--retry",
                    "--retry-delay",
                    "--retry-max-time",
                    "--resolve",
                    "--connect-to",
                    "--max-redirs",
                    "--limit-rate",
                    "--output-dir",
                    "--proto",
                    "--proto-redir",
                    "--ciphers",
                    "--interface",
                    "--dns-servers",
                    "--netrc-file",
                    "--oauth2-bearer",
                    "--create-file-mode",
                    "--expect100-timeout",
                    "--keepalive-time",
                    "--json",
                    "--variable",
                    "--url-query",
                    "--url",
                    "--capath",
                    "--pinnedpubkey",
                    "--trace",
                    "--trace-ascii",
                    "--stderr",
                    "--unix-socket",
                    "--max-filesize",
                    "--cert-type",
                    "--key-type",
                    "--engine",
                    "--crlfile",
                    "--hostpubmd5",
                    "--hostpubsha256",
                    "--krb",
                    "--local-port",
                    "--login-options",
                    "--mail-from",
                    "--mail-rcpt",
                    "--mail-auth",
                    "--noproxy",
                    "--pass",
                    "--proxy-cacert",
                    "--proxy-cert",
                    "--proxy-key",
                    "--proxy-header",
                    "--socks4",
                    "--socks4a",
                    "--socks5",
                    "--socks5-hostname",
                    "--tls-max",
                    "--aws-sigv4",
                    "--doh-url",
                    "--sasl-authzid",
                    "--service-name",
                    "--ftp-port",
                    "--ftp-account",
                    "--tlsuser",
                    "--tlspassword",
                    "--abstract-unix-socket",
                    "--preproxy",
                    "--etag-save",
                    "--etag-compare",
                    "--alt-svc",
                    "--hsts",
                ],
            );
            let mut to_stdout = true;
            let mut url = None;
            for o in &p.opts {
                match o.name.as_str() {
                    "-o" | "--output" if o.value.as_ref().is_some_and(|v| v.text != "-") => {
                        to_stdout = false;
                    }
                    "-O" | "--remote-name" | "--remote-name-all" | "-J" => to_stdout = false,
                    "--url" => url = o.value.clone(),
                    _ => {}
                }
            }
            // Short clusters with `O` (`-fsSLO`).
            if p.opts.iter().any(|o| o.cluster_has(b'O')) {
                to_stdout = false;
            }
            let url = url.or_else(|| first_url(&p.pos));
            Some((prog, url, to_stdout))
        }
        "wget" => {
            let p = parse_opts(
                &r.argv[1..],
                b"OoaPetTwUiBQlDI",
                &[
                    "--output-document",
                    "--output-file",
                    "--append-output",
                    "--directory-prefix",
                    "--execute",
                    "--tries",
                    "--timeout",
                    "--wait",
                    "--user-agent",
                    "--input-file",
                    "--base",
                    "--quota",
                    "--level",
                    "--domains",
                    "--header",
                    "--user",
                    "--password",
                    "--post-data",
                    "--post-file",
                    "--method",
                    "--body-data",
                    "--body-file",
                    "--ca-certificate",
                    "--certificate",
                    "--private-key",
                    "--load-cookies",
                    "--save-cookies",
                    "--progress",
                    "--http-user",
                    "--http-password",
                    "--referer",
                ],
            );
            let to_stdout = p.opts.iter().any(|o| {
                matches!(o.name.as_str(), "-O" | "--output-document")
                    && o.value
                        .as_ref()
                        .is_some_and(|v| v.text == "-" || v.text == "/dev/stdout")
            });
            Some((prog, first_url(&p.pos), to_stdout))
        }
        "fetch" => {
            let p = parse_opts(&r.argv[1..], b"oBNST", &["--output"]);
            let to_stdout = p
                .opts
                .iter()
                .any(|o| o.name == "-o" && o.value.as_ref().is_some_and(|v| v.text == "-"));
            Some((prog, p.pos.first().map(|a| a.word()), to_stdout))
        }
        "iwr" | "invoke-webrequest" | "irm" | "invoke-restmethod" => {
            let url = r.argv[1..]
                .iter()
                .find(|a| a.text.contains("://"))
                .map(|a| a.word());
            let to_file = r
                .argv
                .iter()
                .any(|a| a.text.eq_ignore_ascii_case("-outfile"));
            Some((prog, url, !to_file))
        }
        _ => None,
    }
}

/// The first positional that looks like a URL, else the first positional.
fn first_url(pos: &[&Arg]) -> Option<Word> {
    pos.iter()
        .find(|a| a.text.contains("://"))
        .or_else(|| pos.first())
        .map(|a| a.word())
}

/// Checksum and signature tools: running one on a downloaded file counts as verifying it.
fn is_verifier(r: &Resolved) -> bool {
    match r.name.as_str() {
        "rpm" => r.argv.iter().any(|a| a.is("-K") || a.is("--checksig")),
        name => matches!(
            name,
            "sha256sum"
                | "sha512sum"
                | "sha384sum"
                | "sha224sum"
                | "sha1sum"
                | "md5sum"
                | "shasum"
                | "b2sum"
                | "cksum"
                | "gpg"
                | "gpg2"
                | "gpgv"
                | "cosign"
                | "minisign"
                | "signify"
                | "openssl"
                | "sigstore"
                | "slsa-verifier"
        ),
    }
}

/// The file a downloader writes (`curl -o F`, `curl -O` → URL basename, `wget -O F`, `wget`
/// → URL basename), when it does not write to stdout.
fn saved_file(r: &Resolved, url: Option<&Word>) -> Option<Word> {
    let url_base = || {
        let u = url?;
        let path = u.text.split(['?', '#']).next().unwrap_or(&u.text);
        let base = path.rsplit('/').next().filter(|b| !b.is_empty())?;
        Some(Word {
            text: base.to_owned(),
            range: u.range.clone(),
        })
    };
    match r.name.as_str() {
        "curl" => {
            let mut it = r.argv.iter().skip(1);
            while let Some(a) = it.next() {
                let t = a.text.as_str();
                if t == "-o"
                    || t == "--output"
                    || (t.starts_with('-') && !t.starts_with("--") && t.ends_with('o'))
                {
                    let v = it.next()?;
                    return (v.text != "-").then(|| v.word());
                }
                if let Some(v) = t.strip_prefix("--output=") {
                    return (v != "-").then(|| a.word());
                }
                if t == "-O"
                    || t == "--remote-name"
                    || (t.starts_with('-') && !t.starts_with("--") && t.contains('O'))
                {
                    return url_base();
                }
            }
            None
        }
        "wget" => {
            let mut it = r.argv.iter().skip(1);
            while let Some(a) = it.next() {
                let t = a.text.as_str();
                if t == "-O"
                    || t == "--output-document"
                    || (t.starts_with('-') && !t.starts_with("--") && t.ends_with('O'))
                {
                    let v = it.next()?;
                    return (v.text != "-" && v.text != "/dev/stdout").then(|| v.word());
                }
                if let Some(v) = t.strip_prefix("--output-document=") {
                    return (v != "-").then(|| a.word());
                }
            }
            url_base()
        }
        _ => None,
    }
}

/// The file an interpreter runs (`sh x.sh`, `python3 get-pip.py`) or a program run by path
/// (`./install.sh`, `/tmp/install.sh`).
fn executed_file(r: &Resolved) -> Option<String> {
    let prog = r.argv[0].text.as_str();
    if prog.contains('/') && !prog.starts_with("/usr/") && !prog.starts_with("/bin/") {
        return Some(prog.to_owned());
    }
    if !is_interpreter(&r.name) && !matches!(r.name.as_str(), "source" | ".") {
        return None;
    }
    let mut it = r.argv.iter().skip(1);
    while let Some(a) = it.next() {
        let t = a.text.as_str();
        if t == "-c"
            || (is_shell(&r.name) && t.starts_with('-') && !t.starts_with("--") && t.contains('c'))
        {
            return None;
        }
        if t == "-o" || t == "-m" {
            it.next();
            continue;
        }
        if t.starts_with('-') {
            continue;
        }
        return Some(t.to_owned());
    }
    None
}

/// `x.sh`, `./x.sh` and `/tmp/x.sh` name the same file when one side has no directory.
fn same_file(saved: &str, run: &str) -> bool {
    let norm = |s: &str| s.strip_prefix("./").unwrap_or(s).to_owned();
    let (a, b) = (norm(saved), norm(run));
    a == b || (!a.contains('/') || !b.contains('/')) && basename(&a) == basename(&b)
}

struct Opt<'a> {
    /// `-t`, `--target-release`, or the whole cluster for short flags (`-fsSL`).
    name: String,
    value: Option<Word>,
    /// The arg holding the option (for flag clusters).
    cluster: &'a str,
    range: Range<usize>,
}

impl Opt<'_> {
    fn cluster_has(&self, c: u8) -> bool {
        self.cluster.starts_with('-')
            && !self.cluster.starts_with("--")
            && self.cluster.as_bytes()[1..].contains(&c)
    }

    fn word(&self) -> Word {
        Word {
            text: self.cluster.to_owned(),
            range: self.range.clone(),
        }
    }
}

struct Parsed<'a> {
    pos: Vec<&'a Arg>,
    opts: Vec<Opt<'a>>,
}

impl<'a> Parsed<'a> {
    fn has(&self, names: &[&str]) -> Option<&Opt<'a>> {
        self.opts.iter().find(|o| names.contains(&o.name.as_str()))
    }
}

/// Split arguments into options and positionals. `short_val` lists the short options that
/// take a value (`-t bookworm`, `-tbookworm`), `long_val` the long ones (`--opt v`,
/// `--opt=v`). Everything after `--` is positional.
fn parse_opts<'a>(args: &'a [Arg], short_val: &[u8], long_val: &[&str]) -> Parsed<'a> {
    let mut pos = Vec::new();
    let mut opts = Vec::new();
    let mut i = 0;
    let mut only_pos = false;
    while i < args.len() {
        let a = &args[i];
        let t = a.text.as_str();
        i += 1;
        if only_pos || !t.starts_with('-') || t == "-" {
            pos.push(a);
            continue;
        }
        if t == "--" {
            only_pos = true;
            continue;
        }
        if let Some(long) = t.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (format!("--{n}"), Some(v)),
                None => (t.to_owned(), None),
            };
            let value = match inline {
                Some(v) => {
                    let start = t.len() - v.len();
                    Some(Word {
                        text: v.replace(UNRESOLVED_MARK, "$?"),
                        range: a.sub_range(start..t.len()),
                    })
                }
                None if long_val.contains(&name.as_str()) => {
                    let v = args.get(i).map(Arg::word);
                    i += 1;
                    v
                }
                None => None,
            };
            opts.push(Opt {
                name,
                value,
                cluster: t,
                range: a.range.clone(),
            });
            continue;
        }
        // Short cluster: -abc, -tvalue, -o Opt=val
        let bytes = t.as_bytes();
        let mut j = 1;
        let mut pushed = false;
        while j < bytes.len() {
            let c = bytes[j];
            if short_val.contains(&c) {
                let value = if j + 1 < bytes.len() {
                    let v = &t[j + 1..];
                    let v = v.strip_prefix('=').unwrap_or(v);
                    Some(Word {
                        text: v.to_owned(),
                        range: a.sub_range(t.len() - v.len()..t.len()),
                    })
                } else {
                    let v = args.get(i).map(Arg::word);
                    i += 1;
                    v
                };
                opts.push(Opt {
                    name: format!("-{}", c as char),
                    value,
                    cluster: t,
                    range: a.range.clone(),
                });
                pushed = true;
                break;
            }
            j += 1;
        }
        if !pushed {
            // Flags: record each letter so `has(&["-y"])` works on `-qy`.
            for &c in &bytes[1..] {
                if c.is_ascii() {
                    opts.push(Opt {
                        name: format!("-{}", c as char),
                        value: None,
                        cluster: t,
                        range: a.range.clone(),
                    });
                }
            }
        } else {
            // Letters before the valued one are flags too.
            for &c in &bytes[1..j] {
                opts.push(Opt {
                    name: format!("-{}", c as char),
                    value: None,
                    cluster: t,
                    range: a.range.clone(),
                });
            }
        }
    }
    Parsed { pos, opts }
}

/// `pip`, `pip3`, `pip3.11`, `python3 -m pip`, `uv pip`, `pipx`: index of the subcommand.
fn is_pip(r: &Resolved) -> Option<usize> {
    let n = r.name.as_str();
    let is_pip_name = |s: &str| {
        s == "pip"
            || s.strip_prefix("pip")
                .is_some_and(|v| v.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
    };
    if is_pip_name(n) || n == "pipx" {
        return Some(1);
    }
    if n.starts_with("python") || n == "py" {
        let mut k = 1;
        while let Some(a) = r.argv.get(k) {
            if a.is("-m") {
                let m = r.argv.get(k + 1)?;
                return (is_pip_name(&m.text) || m.is("pipx")).then_some(k + 2);
            }
            if a.text.starts_with('-') {
                k += 1;
                continue;
            }
            return None;
        }
        return None;
    }
    if n == "uv" && r.argv.get(1).is_some_and(|a| a.is("pip") || a.is("tool")) {
        return Some(2);
    }
    None
}

/// What an install command says besides its packages; most managers set none of it.
#[derive(Default)]
struct InstallOpts {
    /// `-U`, `--upgrade`, `only_upgrade`: named packages float to the newest version.
    upgrade_flag: Option<Word>,
    /// `-t RELEASE` (apt).
    target_release: Option<Word>,
    /// `-g` (npm and friends).
    global: bool,
    /// `-r FILE` (pip): versions live in the file.
    requirement_files: Vec<Word>,
    /// `-c FILE` (pip).
    constraint_files: Vec<Word>,
}

fn strength_with_upgrade(s: PinStrength, upgrade: bool) -> PinStrength {
    if upgrade && s == PinStrength::None {
        PinStrength::Floating
    } else {
        s
    }
}

impl Cx<'_, '_> {
    /// `zypper update foo bar`: the named packages move to the newest version the manager
    /// offers, each judged by its own spec.
    fn push_named_upgrade(&mut self, r: &Resolved, manager: Manager, sub: &Arg, rest: &[&Arg]) {
        let pkgs = self.upgraded_packages(manager, rest);
        self.push_install(
            r,
            manager,
            Some(sub),
            pkgs,
            InstallOpts {
                upgrade_flag: Some(sub.word()),
                ..InstallOpts::default()
            },
        );
    }

    /// Packages named on an upgrade command line (`zypper update foo`): each one floats to the
    /// newest version unless its spec pins it.
    fn upgraded_packages(&self, manager: Manager, args: &[&Arg]) -> Vec<Package> {
        args.iter()
            .map(|a| {
                let mut p = self.package(manager, a);
                p.strength = strength_with_upgrade(p.strength, true);
                p
            })
            .collect()
    }

    fn package(&self, manager: Manager, a: &Arg) -> Package {
        let parsed = pin::parse_spec(manager, &a.text);
        let in_name = parsed.name.matches(UNRESOLVED_MARK).count();
        let raws = &a.unresolved_raw;
        Package {
            spec: a.display().to_owned(),
            name: restore_unresolved(parsed.name, raws),
            version: parsed
                .version
                .map(|v| restore_unresolved(v, raws.get(in_name..).unwrap_or(&[]))),
            strength: parsed.strength,
            source: parsed.source,
            range: a.range.clone(),
            unresolved: a.unresolved.clone(),
            substituted: a.substituted.clone(),
            note: None,
        }
    }

    fn stdin_package(&self, r: &Resolved) -> Package {
        Package {
            spec: "<stdin>".to_owned(),
            name: "<stdin>".to_owned(),
            version: None,
            strength: PinStrength::Unresolved,
            source: PackageSource::Registry,
            range: r.argv[0].range.clone(),
            unresolved: vec!["xargs".to_owned()],
            substituted: Vec::new(),
            note: Some("packages are read from standard input by xargs".to_owned()),
        }
    }

    fn push_install(
        &mut self,
        r: &Resolved,
        manager: Manager,
        sub: Option<&Arg>,
        pkgs: Vec<Package>,
        opts: InstallOpts,
    ) {
        let InstallOpts {
            upgrade_flag,
            target_release,
            global,
            requirement_files,
            constraint_files,
        } = opts;
        let mut packages = pkgs;
        if r.xargs {
            packages.push(self.stdin_package(r));
        }
        // `pip install foo>=1` unquoted: the shell redirects to a file named `=1`.
        for p in &mut packages {
            if let Some((_, t)) = r.redirects.iter().find(|(at, _)| *at == p.range.end) {
                p.note = Some(format!(
                    "unquoted `{t}` after `{}` is a shell redirection, not a version \
                     constraint: quote the spec",
                    p.spec
                ));
            }
        }
        if packages.is_empty() && requirement_files.is_empty() && constraint_files.is_empty() {
            return;
        }
        self.out.installs.push(Install {
            manager,
            program: r.argv[0].word(),
            subcommand: sub.map(|s| s.display().to_owned()),
            range: r.range.clone(),
            packages,
            requirement_files,
            constraint_files,
            upgrade_flag,
            target_release,
            global,
        });
    }

    fn push_upgrade(&mut self, r: &Resolved, manager: Manager, sub: Word) {
        self.out.upgrades.push(Upgrade {
            manager,
            program: r.argv[0].word(),
            subcommand: sub,
            range: r.range.clone(),
        });
    }

    fn apt(&mut self, r: &Resolved) {
        let p = parse_opts(
            &r.argv[1..],
            b"otca",
            &[
                "--option",
                "--target-release",
                "--default-release",
                "--config-file",
                "--host-architecture",
                "--target",
            ],
        );
        let Some(sub) = p.pos.first().copied() else {
            return;
        };
        let mut target = p
            .has(&["-t", "--target-release", "--default-release", "--target"])
            .and_then(|o| o.value.clone());
        if target.is_none() {
            target = p
                .opts
                .iter()
                .filter(|o| o.name == "-o" || o.name == "--option")
                .filter_map(|o| o.value.as_ref())
                .find_map(|v| {
                    let (k, val) = v.text.split_once('=')?;
                    k.eq_ignore_ascii_case("APT::Default-Release")
                        .then(|| Word {
                            text: val.to_owned(),
                            range: v.range.clone(),
                        })
                });
        }
        let only_upgrade = p.has(&["--only-upgrade"]).map(Opt::word);
        let rest = &p.pos[1..];
        match sub.text.as_str() {
            "install" | "satisfy" => {
                let mut pkgs = Vec::new();
                for a in rest {
                    // `pkg-` removes, `pkg+` installs (apt-get's per-package action suffix).
                    if a.text.ends_with('-') && !a.text.ends_with("--") && a.text.len() > 1 {
                        continue;
                    }
                    let mut arg = (*a).clone();
                    if arg.text.ends_with('+') {
                        arg.display.get_or_insert_with(|| arg.text.clone());
                        arg.text.pop();
                    }
                    let mut pkg = self.package(Manager::Apt, &arg);
                    if target.is_some() && pkg.strength == PinStrength::None {
                        pkg.strength = PinStrength::Floating;
                    }
                    pkg.strength = strength_with_upgrade(pkg.strength, only_upgrade.is_some());
                    pkgs.push(pkg);
                }
                self.push_install(
                    r,
                    Manager::Apt,
                    Some(sub),
                    pkgs,
                    InstallOpts {
                        upgrade_flag: only_upgrade,
                        target_release: target,
                        ..InstallOpts::default()
                    },
                );
            }
            "upgrade" | "dist-upgrade" | "full-upgrade" | "safe-upgrade" => {
                if rest.is_empty() && !r.xargs {
                    self.push_upgrade(r, Manager::Apt, sub.word());
                } else {
                    let pkgs = self.upgraded_packages(Manager::Apt, rest);
                    self.push_install(
                        r,
                        Manager::Apt,
                        Some(sub),
                        pkgs,
                        InstallOpts {
                            upgrade_flag: Some(sub.word()),
                            target_release: target,
                            ..InstallOpts::default()
                        },
                    );
                }
            }
            _ => {}
        }
    }

    fn dnf(&mut self, r: &Resolved) {
        let p = parse_opts(
            &r.argv[1..],
            b"cdexR",
            &[
                "--enablerepo",
                "--disablerepo",
                "--repo",
                "--repoid",
                "--setopt",
                "--releasever",
                "--installroot",
                "--exclude",
                "--excludepkgs",
                "--config",
                "--color",
                "--downloaddir",
                "--destdir",
                "--comment",
                "--advisory",
                "--forcearch",
                "--rpmverbosity",
                "--setopt",
                "--nodocs-ignored",
            ],
        );
        let Some(sub) = p.pos.first().copied() else {
            return;
        };
        let mut rest: Vec<&Arg> = p.pos[1..].to_vec();
        let mut sub_word = sub.word();
        let mut text = sub.text.clone();
        if (text == "group" || text == "groups") && !rest.is_empty() {
            sub_word = rest[0].word();
            text = format!("group{}", rest[0].text);
            rest.remove(0);
        }
        match text.as_str() {
            "install" | "in" | "localinstall" | "groupinstall" => {
                let pkgs = rest
                    .iter()
                    .map(|a| {
                        let mut p = self.package(Manager::Dnf, a);
                        if text == "groupinstall" {
                            p.strength = PinStrength::None;
                        }
                        p
                    })
                    .collect();
                self.push_install(r, Manager::Dnf, Some(sub), pkgs, InstallOpts::default());
            }
            "update" | "upgrade" | "up" | "upgrade-minimal" | "update-minimal" | "distro-sync"
            | "distrosync" | "dsync" | "dist-upgrade" | "groupupdate" | "groupupgrade" => {
                if rest.is_empty() && !r.xargs {
                    self.push_upgrade(r, Manager::Dnf, sub_word);
                } else {
                    let pkgs = self.upgraded_packages(Manager::Dnf, &rest);
                    self.push_install(
                        r,
                        Manager::Dnf,
                        Some(sub),
                        pkgs,
                        InstallOpts {
                            upgrade_flag: Some(sub_word),
                            ..InstallOpts::default()
                        },
                    );
                }
            }
            _ => {}
        }
    }

    fn apk(&mut self, r: &Resolved) {
        let p = parse_opts(
            &r.argv[1..],
            b"tXpQ",
            &[
                "--virtual",
                "--repository",
                "--root",
                "--arch",
                "--cache-dir",
                "--keys-dir",
                "--repositories-file",
                "--timeout",
            ],
        );
        let Some(sub) = p.pos.first().copied() else {
            return;
        };
        let rest = &p.pos[1..];
        let upgrade = p.has(&["-u", "--upgrade", "-l", "--latest"]).map(Opt::word);
        match sub.text.as_str() {
            "add" => {
                let pkgs = rest
                    .iter()
                    .map(|a| {
                        let mut pkg = self.package(Manager::Apk, a);
                        pkg.strength = strength_with_upgrade(pkg.strength, upgrade.is_some());
                        pkg
                    })
                    .collect();
                self.push_install(
                    r,
                    Manager::Apk,
                    Some(sub),
                    pkgs,
                    InstallOpts {
                        upgrade_flag: upgrade,
                        ..InstallOpts::default()
                    },
                );
            }
            "upgrade" => {
                if rest.is_empty() && !r.xargs {
                    self.push_upgrade(r, Manager::Apk, sub.word());
                } else {
                    self.push_named_upgrade(r, Manager::Apk, sub, rest);
                }
            }
            _ => {}
        }
    }

    fn zypper(&mut self, r: &Resolved) {
        let p = parse_opts(
            &r.argv[1..],
            b"RcrtD",
            &[
                "--root",
                "--reposd-dir",
                "--config",
                "--from",
                "--repo",
                "--type",
                "--cache-dir",
                "--raw-cache-dir",
                "--solv-cache-dir",
                "--pkg-cache-dir",
            ],
        );
        let Some(sub) = p.pos.first().copied() else {
            return;
        };
        let rest = &p.pos[1..];
        match sub.text.as_str() {
            "install" | "in" => {
                let pkgs = rest
                    .iter()
                    .map(|a| self.package(Manager::Zypper, a))
                    .collect();
                self.push_install(r, Manager::Zypper, Some(sub), pkgs, InstallOpts::default());
            }
            "update" | "up" | "dist-upgrade" | "dup" | "patch" => {
                if rest.is_empty() && !r.xargs {
                    self.push_upgrade(r, Manager::Zypper, sub.word());
                } else {
                    self.push_named_upgrade(r, Manager::Zypper, sub, rest);
                }
            }
            _ => {}
        }
    }

    fn pip(&mut self, r: &Resolved) {
        let Some(k) = is_pip(r) else { return };
        let args = &r.argv[k.min(r.argv.len())..];
        let p = parse_opts(
            args,
            b"rcefitCp",
            &[
                "--requirement",
                "--constraint",
                "--editable",
                "--find-links",
                "--index-url",
                "--extra-index-url",
                "--target",
                "--prefix",
                "--root",
                "--src",
                "--trusted-host",
                "--platform",
                "--python-version",
                "--implementation",
                "--abi",
                "--only-binary",
                "--no-binary",
                "--progress-bar",
                "--cache-dir",
                "--log",
                "--timeout",
                "--retries",
                "--proxy",
                "--cert",
                "--client-cert",
                "--upgrade-strategy",
                "--global-option",
                "--config-settings",
                "--report",
                "--exists-action",
                "--python",
                "--spec",
                "--index",
                "--pip-args",
                "--with",
                "--suffix",
                "--group",
                "--extra",
                "--default-index",
                "--keyring-provider",
                "--resolution",
                "--prerelease",
                "--override",
                "--exclude-newer",
                "--build-constraint",
                "--overrides",
            ],
        );
        let Some(sub) = p.pos.first().copied() else {
            return;
        };
        let tool_mode = r.name == "uv" && r.argv.get(1).is_some_and(|a| a.is("tool"));
        if !matches!(sub.text.as_str(), "install" | "inject" | "sync") {
            if (sub.is("upgrade") || sub.is("upgrade-all")) && p.pos.len() == 1 {
                self.push_upgrade(r, Manager::Pip, sub.word());
            }
            return;
        }
        if sub.is("sync") {
            // `uv pip sync requirements.txt` installs exactly a lock file.
            return;
        }
        let upgrade = p
            .has(&["-U", "--upgrade", "--force-reinstall"])
            .filter(|o| o.name != "--force-reinstall")
            .map(Opt::word);
        let mut pkgs = Vec::new();
        let skip = if sub.is("inject") { 2 } else { 1 };
        for a in p.pos.iter().skip(skip) {
            let mut arg = (*a).clone();
            if tool_mode {
                // `uv tool install ruff@0.4.1` / `ruff@latest`
                if let Some((n, v)) = arg.text.split_once('@')
                    && !n.contains('/')
                    && !v.contains("://")
                {
                    arg.display = Some(arg.display().to_owned());
                    arg.text = if v == "latest" {
                        format!("{n}@latest")
                    } else {
                        format!("{n}=={v}")
                    };
                }
            }
            let mut pkg = if arg.text.ends_with("@latest") && tool_mode {
                let mut pk = self.package(Manager::Pip, &arg);
                pk.strength = PinStrength::Floating;
                pk
            } else {
                self.package(Manager::Pip, &arg)
            };
            pkg.strength = strength_with_upgrade(pkg.strength, upgrade.is_some());
            pkgs.push(pkg);
        }
        for o in &p.opts {
            if (o.name == "-e" || o.name == "--editable" || o.name == "--spec")
                && let Some(v) = &o.value
            {
                let arg = Arg {
                    text: v.text.clone(),
                    display: None,
                    range: v.range.clone(),
                    src: Vec::new(),
                    unresolved: Vec::new(),
                    unresolved_raw: Vec::new(),
                    substituted: Vec::new(),
                    fetch_subst: None,
                };
                let mut pkg = self.package(Manager::Pip, &arg);
                if pkg.source == PackageSource::Registry
                    && pkg.strength == PinStrength::None
                    && o.name == "-e"
                {
                    pkg.strength = PinStrength::Exact;
                    pkg.source = PackageSource::Local;
                }
                pkgs.push(pkg);
            }
        }
        let files = |names: &[&str]| -> Vec<Word> {
            p.opts
                .iter()
                .filter(|o| names.contains(&o.name.as_str()))
                .filter_map(|o| o.value.clone())
                .collect()
        };
        let req = files(&["-r", "--requirement"]);
        let con = files(&["-c", "--constraint", "--build-constraint"]);
        self.push_install(
            r,
            Manager::Pip,
            Some(sub),
            pkgs,
            InstallOpts {
                upgrade_flag: upgrade,
                requirement_files: req,
                constraint_files: con,
                ..InstallOpts::default()
            },
        );
    }

    fn npm(&mut self, r: &Resolved) {
        let name = r.name.as_str();
        let p = parse_opts(
            &r.argv[1..],
            b"wCF",
            &[
                "--prefix",
                "--registry",
                "--cache",
                "--userconfig",
                "--omit",
                "--include",
                "--tag",
                "--workspace",
                "--loglevel",
                "--install-strategy",
                "--cwd",
                "--modules-folder",
                "--cache-folder",
                "--network-timeout",
                "--filter",
                "--dir",
                "--store-dir",
                "--location",
            ],
        );
        let mut pos: Vec<&Arg> = p.pos.clone();
        let mut global = p.has(&["-g", "--global"]).is_some()
            || p.has(&["--location"])
                .is_some_and(|o| o.value.as_ref().is_some_and(|v| v.text == "global"));
        if name == "yarn" && pos.first().is_some_and(|a| a.is("global")) {
            global = true;
            pos.remove(0);
        }
        let Some(sub) = pos.first().copied() else {
            return;
        };
        let rest = &pos[1..];
        let install_words: &[&str] = match name {
            "npm" => &[
                "install", "i", "in", "ins", "inst", "insta", "instal", "isnt", "isnta", "isntal",
                "isntall", "add",
            ],
            "yarn" => &["add"],
            "pnpm" => &["add", "install", "i"],
            _ => &["add", "install", "i", "a"],
        };
        let update_words: &[&str] = &["update", "up", "upgrade", "udpate"];
        if install_words.contains(&sub.text.as_str()) {
            let pkgs = rest.iter().map(|a| self.package(Manager::Npm, a)).collect();
            self.push_install(
                r,
                Manager::Npm,
                Some(sub),
                pkgs,
                InstallOpts {
                    global,
                    ..InstallOpts::default()
                },
            );
        } else if update_words.contains(&sub.text.as_str()) {
            if rest.is_empty() {
                self.push_upgrade(r, Manager::Npm, sub.word());
            } else {
                let pkgs = self.upgraded_packages(Manager::Npm, rest);
                self.push_install(
                    r,
                    Manager::Npm,
                    Some(sub),
                    pkgs,
                    InstallOpts {
                        upgrade_flag: Some(sub.word()),
                        global,
                        ..InstallOpts::default()
                    },
                );
            }
        }
    }

    fn gem(&mut self, r: &Resolved) {
        let p = parse_opts(
            &r.argv[1..],
            b"visnpgP",
            &[
                "--version",
                "--install-dir",
                "--source",
                "--bindir",
                "--http-proxy",
                "--platform",
                "--file",
                "--trust-policy",
                "--build-root",
            ],
        );
        let Some(sub) = p.pos.first().copied() else {
            return;
        };
        let rest = &p.pos[1..];
        match sub.text.as_str() {
            "install" | "i" => {
                let version = p.has(&["-v", "--version"]).and_then(|o| o.value.clone());
                let pkgs = rest
                    .iter()
                    .map(|a| {
                        let mut pkg = self.package(Manager::Gem, a);
                        if let (Some(v), None) = (&version, &pkg.version) {
                            pkg.version = Some(v.text.clone());
                            pkg.strength = pin::classify_version(Manager::Gem, &v.text);
                        }
                        pkg
                    })
                    .collect();
                self.push_install(r, Manager::Gem, Some(sub), pkgs, InstallOpts::default());
            }
            "update" => {
                if rest.is_empty() {
                    let w = p.has(&["--system"]).map_or(sub.word(), Opt::word);
                    self.push_upgrade(r, Manager::Gem, w);
                } else {
                    self.push_named_upgrade(r, Manager::Gem, sub, rest);
                }
            }
            _ => {}
        }
    }

    fn go(&mut self, r: &Resolved) {
        let Some(sub) = r.argv.get(1) else { return };
        if !sub.is("install") && !sub.is("get") {
            return;
        }
        let value_flags = [
            "-ldflags",
            "-gcflags",
            "-asmflags",
            "-tags",
            "-mod",
            "-modfile",
            "-overlay",
            "-pgo",
            "-p",
            "-pkgdir",
            "-toolexec",
            "-buildmode",
            "-compiler",
            "-gccgoflags",
            "-installsuffix",
            "-C",
            "-o",
            "-exec",
            "-covermode",
            "-coverpkg",
        ];
        let mut upgrade = None;
        let mut pkgs = Vec::new();
        let mut i = 2;
        while i < r.argv.len() {
            let a = &r.argv[i];
            let t = a.text.as_str();
            i += 1;
            if t.starts_with('-') {
                let name = t.split('=').next().unwrap_or(t);
                let name = if name.starts_with("--") {
                    &name[1..]
                } else {
                    name
                };
                if (name == "-u" || name == "-u=patch") && sub.is("get") {
                    upgrade = Some(a.word());
                }
                if value_flags.contains(&name) && !t.contains('=') {
                    i += 1;
                }
                continue;
            }
            pkgs.push(self.package(Manager::Go, a));
        }
        for p in &mut pkgs {
            p.strength = strength_with_upgrade(p.strength, upgrade.is_some());
        }
        self.push_install(
            r,
            Manager::Go,
            Some(sub),
            pkgs,
            InstallOpts {
                upgrade_flag: upgrade,
                ..InstallOpts::default()
            },
        );
    }

    fn pacman(&mut self, r: &Resolved) {
        let p = parse_opts(
            &r.argv[1..],
            b"rb",
            &[
                "--config",
                "--root",
                "--dbpath",
                "--cachedir",
                "--arch",
                "--ignore",
                "--ignoregroup",
                "--assume-installed",
                "--overwrite",
                "--gpgdir",
                "--hookdir",
                "--logfile",
            ],
        );
        let op = p.opts.iter().find(|o| {
            o.cluster.starts_with('-')
                && !o.cluster.starts_with("--")
                && (o.cluster_has(b'S') || o.cluster_has(b'U'))
        });
        let long_sync = p.has(&["--sync"]);
        let Some(op_word) = op.map(Opt::word).or_else(|| long_sync.map(Opt::word)) else {
            return;
        };
        let sysupgrade =
            op.is_some_and(|o| o.cluster_has(b'u')) || p.has(&["--sysupgrade"]).is_some();
        let query_only = op.is_some_and(|o| {
            o.cluster_has(b's')
                || o.cluster_has(b'i')
                || o.cluster_has(b'c')
                || o.cluster_has(b'g')
                || o.cluster_has(b'l')
                || o.cluster_has(b'p')
        });
        if query_only {
            return;
        }
        if sysupgrade {
            self.push_upgrade(r, Manager::Pacman, op_word.clone());
        }
        let pkgs = p
            .pos
            .iter()
            .map(|a| self.package(Manager::Pacman, a))
            .collect();
        self.push_install(
            r,
            Manager::Pacman,
            Some(&r.argv[0]),
            pkgs,
            InstallOpts::default(),
        );
    }

    fn snap(&mut self, r: &Resolved) {
        let p = parse_opts(
            &r.argv[1..],
            b"",
            &["--channel", "--revision", "--name", "--cohort"],
        );
        let Some(sub) = p.pos.first().copied() else {
            return;
        };
        let rest = &p.pos[1..];
        match sub.text.as_str() {
            "install" => {
                let channel = p.has(&["--channel"]).and_then(|o| o.value.clone());
                let revision = p.has(&["--revision"]).and_then(|o| o.value.clone());
                let risk = p.has(&["--edge", "--beta", "--candidate"]);
                let pkgs = rest
                    .iter()
                    .map(|a| {
                        let mut pkg = self.package(Manager::Snap, a);
                        if a.text.ends_with(".snap") {
                            pkg.strength = PinStrength::Exact;
                            pkg.source = PackageSource::Local;
                            return pkg;
                        }
                        if let Some(rv) = &revision {
                            pkg.version = Some(rv.text.clone());
                            pkg.strength = if pin::is_unresolved(&rv.text) {
                                PinStrength::Unresolved
                            } else {
                                PinStrength::Exact
                            };
                        } else if let Some(ch) = &channel {
                            pkg.version = Some(ch.text.clone());
                            pkg.strength = snap_channel(&ch.text);
                        } else if risk.is_some() {
                            pkg.strength = PinStrength::Floating;
                        }
                        pkg
                    })
                    .collect();
                self.push_install(r, Manager::Snap, Some(sub), pkgs, InstallOpts::default());
            }
            "refresh" if rest.is_empty() => self.push_upgrade(r, Manager::Snap, sub.word()),
            _ => {}
        }
    }

    fn brew(&mut self, r: &Resolved) {
        let p = parse_opts(&r.argv[1..], b"", &["--appdir", "--fontdir"]);
        let Some(sub) = p.pos.first().copied() else {
            return;
        };
        let rest = &p.pos[1..];
        match sub.text.as_str() {
            "install" => {
                let pkgs = rest
                    .iter()
                    .map(|a| self.package(Manager::Brew, a))
                    .collect();
                self.push_install(r, Manager::Brew, Some(sub), pkgs, InstallOpts::default());
            }
            "upgrade" if rest.is_empty() => self.push_upgrade(r, Manager::Brew, sub.word()),
            "upgrade" => {
                self.push_named_upgrade(r, Manager::Brew, sub, rest);
            }
            _ => {}
        }
    }

    fn cargo(&mut self, r: &Resolved) {
        let p = parse_opts(
            &r.argv[1..],
            b"jFZ",
            &[
                "--version",
                "--vers",
                "--git",
                "--branch",
                "--tag",
                "--rev",
                "--path",
                "--root",
                "--index",
                "--registry",
                "--target",
                "--target-dir",
                "--jobs",
                "--features",
                "--bin",
                "--example",
                "--profile",
                "--config",
                "--color",
            ],
        );
        let Some(sub) = p.pos.first().copied() else {
            return;
        };
        if !sub.is("install") {
            return;
        }
        let val = |names: &[&str]| p.has(names).and_then(|o| o.value.clone());
        let version = val(&["--version", "--vers"]);
        let git = val(&["--git"]);
        let path = val(&["--path"]);
        let vcs_strength = if let Some(rev) = val(&["--rev"]) {
            Some((
                rev.text.clone(),
                pin::classify_vcs_ref(&rev.text).max(PinStrength::Exact),
            ))
        } else if let Some(tag) = val(&["--tag"]) {
            Some((tag.text.clone(), PinStrength::Exact))
        } else {
            val(&["--branch"]).map(|b| (b.text.clone(), PinStrength::Floating))
        };
        let mut pkgs: Vec<Package> = p.pos[1..]
            .iter()
            .map(|a| {
                let mut pkg = self.package(Manager::Cargo, a);
                if let Some(g) = &git {
                    pkg.source = PackageSource::Vcs;
                    let (v, s) = vcs_strength
                        .clone()
                        .unwrap_or((g.text.clone(), PinStrength::Floating));
                    pkg.version = Some(v);
                    pkg.strength = s;
                } else if path.is_some() {
                    pkg.source = PackageSource::Local;
                    pkg.strength = PinStrength::Exact;
                } else if let (Some(v), None) = (&version, &pkg.version) {
                    pkg.version = Some(v.text.clone());
                    pkg.strength = pin::classify_version(Manager::Cargo, &v.text);
                }
                pkg
            })
            .collect();
        if pkgs.is_empty()
            && let Some(g) = &git
        {
            let (v, s) = vcs_strength
                .clone()
                .unwrap_or((String::new(), PinStrength::Floating));
            pkgs.push(Package {
                spec: g.text.clone(),
                name: g.text.clone(),
                version: (!v.is_empty()).then_some(v),
                strength: s,
                source: PackageSource::Vcs,
                range: g.range.clone(),
                unresolved: Vec::new(),
                substituted: Vec::new(),
                note: None,
            });
        }
        self.push_install(r, Manager::Cargo, Some(sub), pkgs, InstallOpts::default());
    }

    fn conda(&mut self, r: &Resolved) {
        let p = parse_opts(
            &r.argv[1..],
            b"cnpf",
            &[
                "--channel",
                "--name",
                "--prefix",
                "--file",
                "--solver",
                "--repodata-fn",
            ],
        );
        let Some(sub) = p.pos.first().copied() else {
            return;
        };
        let rest = &p.pos[1..];
        let files: Vec<Word> = p
            .opts
            .iter()
            .filter(|o| o.name == "--file" || (o.name == "-f" && r.name == "micromamba"))
            .filter_map(|o| o.value.clone())
            .collect();
        match sub.text.as_str() {
            "install" | "create" => {
                let pkgs = rest
                    .iter()
                    .map(|a| self.package(Manager::Conda, a))
                    .collect();
                self.push_install(
                    r,
                    Manager::Conda,
                    Some(sub),
                    pkgs,
                    InstallOpts {
                        requirement_files: files,
                        ..InstallOpts::default()
                    },
                );
            }
            "update" | "upgrade" => {
                if let Some(all) = p.has(&["--all"]) {
                    self.push_upgrade(r, Manager::Conda, all.word());
                } else {
                    self.push_named_upgrade(r, Manager::Conda, sub, rest);
                }
            }
            _ => {}
        }
    }

    fn docker(&mut self, r: &Resolved) {
        // Global options before the subcommand.
        let globals_with_value = [
            "-H",
            "--host",
            "-c",
            "--context",
            "--config",
            "-l",
            "--log-level",
            "--tlscacert",
            "--tlscert",
            "--tlskey",
        ];
        let mut i = 1;
        while let Some(a) = r.argv.get(i) {
            if !a.text.starts_with('-') {
                break;
            }
            i += if globals_with_value.contains(&a.text.as_str()) {
                2
            } else {
                1
            };
        }
        let Some(first) = r.argv.get(i) else { return };
        if self.container_image(r, i) {
            return;
        }
        let sub = if first.is("stack") {
            match r.argv.get(i + 1) {
                Some(s) if s.is("deploy") || s.is("up") => {
                    i += 2;
                    s
                }
                _ => return,
            }
        } else if first.is("deploy") {
            i += 1;
            first
        } else {
            return;
        };
        let p = parse_opts(
            &r.argv[i..],
            b"c",
            &[
                "--compose-file",
                "--resolve-image",
                "--bundle-file",
                "--orchestrator",
                "--namespace",
                "--kubeconfig",
            ],
        );
        let with_registry_auth = p.opts.iter().any(|o| {
            o.name == "--with-registry-auth"
                && o.value
                    .as_ref()
                    .is_none_or(|v| !v.text.eq_ignore_ascii_case("false"))
        });
        let compose_files = p
            .opts
            .iter()
            .filter(|o| o.name == "-c" || o.name == "--compose-file")
            .filter_map(|o| o.value.clone())
            .collect();
        self.out.stack_deploys.push(StackDeploy {
            subcommand: sub.word(),
            range: r.range.clone(),
            with_registry_auth,
            stack: p.pos.first().map(|a| a.word()),
            compose_files,
        });
    }
}

/// Options of `docker run` / `create` / `service create` / `service update` that take a value
/// (`--opt value`); anything else that starts with `-` is a flag.
const DOCKER_VALUE_OPTS: &[&str] = &[
    "-a",
    "-c",
    "-e",
    "-h",
    "-l",
    "-m",
    "-p",
    "-u",
    "-v",
    "-w",
    "--add-host",
    "--annotation",
    "--attach",
    "--blkio-weight",
    "--blkio-weight-device",
    "--cap-add",
    "--cap-drop",
    "--cgroup-parent",
    "--cgroupns",
    "--cidfile",
    "--config",
    "--constraint",
    "--container-label",
    "--cpu-period",
    "--cpu-quota",
    "--cpu-rt-period",
    "--cpu-rt-runtime",
    "--cpu-shares",
    "--cpus",
    "--cpuset-cpus",
    "--cpuset-mems",
    "--credential-spec",
    "--detach-keys",
    "--device",
    "--device-cgroup-rule",
    "--device-read-bps",
    "--device-read-iops",
    "--device-write-bps",
    "--device-write-iops",
    "--dns",
    "--dns-opt",
    "--dns-option",
    "--dns-search",
    "--domainname",
    "--endpoint-mode",
    "--entrypoint",
    "--env",
    "--env-file",
    "--env-add",
    "--env-rm",
    "--expose",
    "--generic-resource",
    "--gpus",
    "--group",
    "--group-add",
    "--health-cmd",
    "--health-interval",
    "--health-retries",
    "--health-start-interval",
    "--health-start-period",
    "--health-timeout",
    "--host",
    "--hostname",
    "--ip",
    "--ip6",
    "--ipc",
    "--isolation",
    "--kernel-memory",
    "--label",
    "--label-add",
    "--label-file",
    "--label-rm",
    "--limit-cpu",
    "--limit-memory",
    "--limit-pids",
    "--link",
    "--link-local-ip",
    "--log-driver",
    "--log-opt",
    "--mac-address",
    "--memory",
    "--memory-reservation",
    "--memory-swap",
    "--memory-swappiness",
    "--mode",
    "--mount",
    "--mount-add",
    "--mount-rm",
    "--name",
    "--network",
    "--network-add",
    "--network-alias",
    "--network-rm",
    "--oom-score-adj",
    "--pid",
    "--pids-limit",
    "--placement-pref",
    "--platform",
    "--publish",
    "--publish-add",
    "--publish-rm",
    "--pull",
    "--replicas",
    "--replicas-max-per-node",
    "--reserve-cpu",
    "--reserve-memory",
    "--restart",
    "--restart-condition",
    "--restart-delay",
    "--restart-max-attempts",
    "--restart-window",
    "--rollback-delay",
    "--rollback-failure-action",
    "--rollback-max-failure-ratio",
    "--rollback-monitor",
    "--rollback-order",
    "--rollback-parallelism",
    "--runtime",
    "--secret",
    "--secret-add",
    "--secret-rm",
    "--security-opt",
    "--shm-size",
    "--stop-grace-period",
    "--stop-signal",
    "--stop-timeout",
    "--storage-opt",
    "--sysctl",
    "--tmpfs",
    "--ulimit",
    "--update-delay",
    "--update-failure-action",
    "--update-max-failure-ratio",
    "--update-monitor",
    "--update-order",
    "--update-parallelism",
    "--user",
    "--userns",
    "--uts",
    "--volume",
    "--volume-driver",
    "--volumes-from",
    "--workdir",
    "--pod",
    "--arch",
    "--os",
    "--variant",
];

impl Cx<'_, '_> {
    /// `docker run|create|pull IMAGE`, `docker container run`, `docker service create IMAGE`,
    /// `docker service update --image IMAGE`. Returns whether the command was one of those.
    fn container_image(&mut self, r: &Resolved, mut i: usize) -> bool {
        let word = |k: usize| r.argv.get(k).map(|a| a.text.as_str());
        let sub = match (word(i), word(i + 1)) {
            (Some("container"), Some(s @ ("run" | "create"))) => {
                i += 2;
                s.to_owned()
            }
            (Some("image"), Some("pull")) => {
                i += 2;
                "pull".to_owned()
            }
            (Some("service"), Some(s @ ("create" | "update"))) => {
                i += 2;
                format!("service {s}")
            }
            (Some(s @ ("run" | "create" | "pull")), _) => {
                i += 1;
                s.to_owned()
            }
            _ => return false,
        };
        let mut image: Option<&Arg> = None;
        let mut inline_image = false;
        while let Some(a) = r.argv.get(i) {
            let t = a.text.as_str();
            i += 1;
            if t == "--" {
                image = r.argv.get(i);
                break;
            }
            if t.starts_with('-') && t.len() > 1 {
                if sub == "service update" && t == "--image" {
                    image = r.argv.get(i);
                    break;
                }
                if t.starts_with("--image=") && sub == "service update" {
                    image = Some(a);
                    inline_image = true;
                    break;
                }
                if t.contains('=') {
                    continue;
                }
                // A short cluster takes a value when its last letter does (`-dp 80:80`).
                let short_value = !t.starts_with("--")
                    && t.chars()
                        .last()
                        .is_some_and(|c| DOCKER_VALUE_OPTS.contains(&format!("-{c}").as_str()));
                if DOCKER_VALUE_OPTS.contains(&t) || short_value {
                    i += 1;
                }
                continue;
            }
            if sub != "service update" {
                image = Some(a);
            }
            break;
        }
        let Some(img) = image else { return true };
        let mut w = img.word();
        if inline_image {
            let cut = "--image=".len();
            w.text = w.text[cut..].to_owned();
            w.range = img.sub_range(cut..img.text.len());
        }
        self.out.images.push(ImageArg {
            tool: r.name.clone(),
            subcommand: sub,
            unresolved: !img.unresolved.is_empty(),
            image: w,
            range: r.range.clone(),
        });
        true
    }
}

impl Cx<'_, '_> {
    fn service(&mut self, r: &Resolved) {
        let (tool, action, units): (&str, Option<&Arg>, Vec<&Arg>) = match r.name.as_str() {
            "systemctl" => {
                let p = parse_opts(
                    &r.argv[1..],
                    b"HMpstn",
                    &[
                        "--host",
                        "--machine",
                        "--property",
                        "--signal",
                        "--type",
                        "--state",
                        "--lines",
                        "--output",
                        "--root",
                        "--kill-whom",
                        "--job-mode",
                    ],
                );
                let Some((action, units)) = p.pos.split_first() else {
                    return;
                };
                ("systemctl", Some(*action), units.to_vec())
            }
            "service" | "rc-service" => {
                let pos: Vec<&Arg> = r.argv[1..]
                    .iter()
                    .filter(|a| !a.text.starts_with('-'))
                    .collect();
                let (Some(unit), Some(action)) = (pos.first(), pos.get(1)) else {
                    return;
                };
                (r.name.as_str(), Some(*action), vec![*unit])
            }
            _ => {
                // `/etc/init.d/docker restart`
                let Some(action) = r.argv.get(1) else { return };
                ("init.d", Some(action), vec![&r.argv[0]])
            }
        };
        let Some(action) = action else { return };
        let mut units: Vec<Word> = units.iter().map(|u| u.word()).collect();
        if tool == "init.d" {
            for u in &mut units {
                u.text = basename(&u.text).to_owned();
            }
        }
        if units.is_empty() {
            return;
        }
        self.out.services.push(ServiceAction {
            tool: tool.to_owned(),
            action: action.word(),
            units,
            range: r.range.clone(),
        });
    }
}

fn snap_channel(ch: &str) -> PinStrength {
    if pin::is_unresolved(ch) {
        return PinStrength::Unresolved;
    }
    let track = ch.split('/').next().unwrap_or(ch);
    let has_track = ch.contains('/');
    if !has_track {
        // Only a risk level (`stable`, `edge`) or only a track (`1.28`).
        if track.starts_with(|c: char| c.is_ascii_digit()) {
            return PinStrength::Range;
        }
        return if track == "stable" {
            PinStrength::None
        } else {
            PinStrength::Floating
        };
    }
    if track == "latest" || !track.starts_with(|c: char| c.is_ascii_digit()) {
        PinStrength::Floating
    } else {
        PinStrength::Range
    }
}

/// Put the unresolved expansions back (as written) in place of the markers.
fn restore_unresolved(s: String, raws: &[String]) -> String {
    if !s.contains(UNRESOLVED_MARK) {
        return s;
    }
    let mut out = String::with_capacity(s.len());
    let mut names = raws.iter();
    for c in s.chars() {
        if c == UNRESOLVED_MARK {
            match names.next() {
                Some(n) => out.push_str(n),
                None => out.push('$'),
            }
        } else {
            out.push(c);
        }
    }
    out
}
