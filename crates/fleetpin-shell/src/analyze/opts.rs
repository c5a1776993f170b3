//! A getopt-style option parser shared by the package-manager parsers.

use super::*;

pub(super) struct Opt<'a> {
    /// `-t`, `--target-release`, or the whole cluster for short flags (`-fsSL`).
    pub(super) name: String,
    pub(super) value: Option<Word>,
    /// The arg holding the option (for flag clusters).
    pub(super) cluster: &'a str,
    pub(super) range: Range<usize>,
}

impl Opt<'_> {
    pub(super) fn cluster_has(&self, c: u8) -> bool {
        self.cluster.starts_with('-')
            && !self.cluster.starts_with("--")
            && self.cluster.as_bytes()[1..].contains(&c)
    }

    pub(super) fn word(&self) -> Word {
        Word {
            text: self.cluster.to_owned(),
            range: self.range.clone(),
        }
    }
}

pub(super) struct Parsed<'a> {
    pub(super) pos: Vec<&'a Arg>,
    pub(super) opts: Vec<Opt<'a>>,
}

impl<'a> Parsed<'a> {
    pub(super) fn has(&self, names: &[&str]) -> Option<&Opt<'a>> {
        self.opts.iter().find(|o| names.contains(&o.name.as_str()))
    }
}

/// Split arguments into options and positionals. `short_val` lists the short options that
/// take a value (`-t bookworm`, `-tbookworm`), `long_val` the long ones (`--opt v`,
/// `--opt=v`). Everything after `--` is positional.
pub(super) fn parse_opts<'a>(args: &'a [Arg], short_val: &[u8], long_val: &[&str]) -> Parsed<'a> {
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
