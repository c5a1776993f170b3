//! What runs a command: assignments, keywords and wrapper programs (`sudo`, `env`, `xargs`
//! ...) in front of it, the script a shell or interpreter is handed, and whether it reads
//! code from stdin.

use super::*;

/// Remove assignments, keywords and wrapper programs in front of the real command.
pub(super) fn strip_wrappers(argv: Vec<Arg>, glued: &[(usize, String)]) -> Option<Resolved> {
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
pub(super) fn inner_script(r: &Resolved) -> Option<&Arg> {
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
pub(super) fn reads_stdin_as_code(r: &Resolved) -> bool {
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
