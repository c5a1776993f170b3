//! Splitting a command line the way Ansible's `command` module does: Python's
//! `shlex.split(cmd)` (POSIX mode, no comments). No shell runs: pipes, `&&`, redirections and
//! globs are ordinary characters of the words.
//!
//! Hand-written rather than the `shlex` crate: the crate yields the words but not where each
//! sits in the text, and findings must point at the word.

use std::ops::Range;

/// The words of `cmd` as `shlex.split(cmd)` gives them, each with the byte range it spans in
/// `cmd` (quotes included). `None` where Python raises `ValueError` (an unclosed quote, a
/// trailing backslash): Ansible fails such a task.
pub fn split_shlex(cmd: &str) -> Option<Vec<(String, Range<usize>)>> {
    let mut words = Vec::new();
    let mut word: Option<(String, usize)> = None;
    let mut chars = cmd.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            // shlex's POSIX whitespace.
            ' ' | '\t' | '\r' | '\n' => {
                if let Some((w, start)) = word.take() {
                    words.push((w, start..i));
                }
            }
            '\'' => {
                let w = &mut word.get_or_insert_with(|| (String::new(), i)).0;
                loop {
                    match chars.next()? {
                        (_, '\'') => break,
                        (_, ch) => w.push(ch),
                    }
                }
            }
            '"' => {
                let w = &mut word.get_or_insert_with(|| (String::new(), i)).0;
                loop {
                    match chars.next()? {
                        (_, '"') => break,
                        // Inside double quotes only `\"` and `\\` are escapes.
                        (_, '\\') => match chars.next()? {
                            (_, e @ ('"' | '\\')) => w.push(e),
                            (_, other) => {
                                w.push('\\');
                                w.push(other);
                            }
                        },
                        (_, ch) => w.push(ch),
                    }
                }
            }
            '\\' => {
                let w = &mut word.get_or_insert_with(|| (String::new(), i)).0;
                w.push(chars.next()?.1);
            }
            _ => word.get_or_insert_with(|| (String::new(), i)).0.push(c),
        }
    }
    if let Some((w, start)) = word {
        words.push((w, start..cmd.len()));
    }
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(cmd: &str) -> Option<Vec<String>> {
        split_shlex(cmd).map(|ws| ws.into_iter().map(|w| w.0).collect())
    }

    #[test]
    fn operators_are_plain_words_and_ranges_cover_the_quotes() {
        assert_eq!(
            words("curl -fsSL https://get.docker.com | sh"),
            Some(vec![
                "curl".into(),
                "-fsSL".into(),
                "https://get.docker.com".into(),
                "|".into(),
                "sh".into()
            ])
        );
        let ws = split_shlex(r#"apt-get install "docker-ce=5:20.10.*" x"#).unwrap();
        assert_eq!(ws[2].0, "docker-ce=5:20.10.*");
        assert_eq!(ws[2].1, 16..37);
        assert_eq!(words("a 'b"), None);
        assert_eq!(words("a \\"), None);
        assert_eq!(words(""), Some(vec![]));
    }

    /// Python's own `shlex.split` as the oracle, on hand-picked and generated command lines.
    #[test]
    fn agrees_with_python_shlex_split() {
        let mut cases: Vec<String> = [
            "apt-get install -y docker-ce",
            "sh -c 'curl -fsSL https://x | sh'",
            r#"echo "a \"b\" \\ \$HOME \n" 'c\d'"#,
            r"a\ b c\\d \'e",
            "  lead  trail  ",
            "x#y # not a comment",
            "tab\tsep\nnewline\r\n",
            r#"mixed"quo"'ted'word"#,
            "\"unclosed",
            "'unclosed",
            "end\\",
            "caf\u{e9} \"na\u{ef}ve\"",
            "\"\" '' a\"\"b",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Generated: every string of length <= 4 over a small alphabet of tricky characters.
        let alphabet = [' ', 'a', '\'', '"', '\\', '#', '|', '\t'];
        let mut frontier = vec![String::new()];
        for _ in 0..4 {
            let mut next = Vec::new();
            for s in &frontier {
                for c in alphabet {
                    let mut t = s.clone();
                    t.push(c);
                    next.push(t);
                }
            }
            cases.extend(next.iter().cloned());
            frontier = next;
        }
        let input = serde_json::to_string(&cases).unwrap();
        let script = "import json, shlex, sys\nout = []\nfor s in json.load(sys.stdin):\n    try:\n        out.append(shlex.split(s))\n    except ValueError:\n        out.append(None)\nprint(json.dumps(out))\n";
        let mut child = std::process::Command::new("python3")
            .args(["-c", script])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 is the shlex oracle");
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        let want: Vec<Option<Vec<String>>> = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(want.len(), cases.len());
        for (case, want) in cases.iter().zip(want) {
            assert_eq!(words(case), want, "{case:?}");
            // Every range starts and ends on a word of the text.
            for (_, r) in split_shlex(case).unwrap_or_default() {
                assert!(
                    case.get(r.clone()).is_some_and(|t| !t.trim().is_empty()),
                    "{case:?} {r:?}"
                );
            }
        }
        assert!(cases.len() > 4000);
    }
}
