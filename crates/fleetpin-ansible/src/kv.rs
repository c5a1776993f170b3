//! Free-form `key=value` module arguments, parsed as Ansible's `parse_kv` does
//! (`ansible/parsing/splitter.py`), keeping the byte range of every key and value.
//!
//! `apt: name=docker-ce state=latest` gives `name` → `docker-ce`, `state` → `latest`. For the
//! free-form modules (`command`, `shell`, `raw`, `script`, ...) only a few keys (`creates`,
//! `chdir`, ...) are options; the rest is the command line, `_raw_params`.

use std::ops::Range;

/// One `key=value` pair or raw parameter of a free-form string. Ranges are byte offsets into
/// the string that was parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvPair {
    /// The key (trimmed), or `_raw_params` for the command line of free-form modules.
    pub key: String,
    /// Byte range of the key; for `_raw_params` the same as `value_range`.
    pub key_range: Range<usize>,
    /// The value with surrounding quotes removed (Ansible's `unquote`) and Python escapes
    /// (`\\"`, `\\n`, `\\u00e9`, ...) decoded, as Ansible's `_decode_escapes` does.
    pub value: String,
    /// Byte range of the value without its surrounding quotes. When the value had escapes,
    /// the text there differs from [`KvPair::value`].
    pub value_range: Range<usize>,
}

/// The options that `command`/`shell` accept as `key=value` in their free form; every other
/// word belongs to the command line (Ansible's `parse_kv(check_raw=True)`).
pub const RAW_OPTION_KEYS: &[&str] = &[
    "creates",
    "removes",
    "chdir",
    "executable",
    "warn",
    "stdin",
    "stdin_add_newline",
    "strip_empty_ends",
];

/// A word of [`split_args`]: its byte range in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Byte range of the word, quotes included.
    pub range: Range<usize>,
}

/// Split a free-form argument string into words the way Ansible's `split_args` does:
/// on whitespace, but never inside quotes or Jinja blocks (`{{ }}`, `{% %}`, `{# #}`).
/// A backslash escapes the next character inside quotes.
pub fn split_args(s: &str) -> Vec<Word> {
    let bytes = s.as_bytes();
    let mut words = Vec::new();
    let mut i = 0;
    let mut start: Option<usize> = None;
    let mut quote: Option<u8> = None;
    let mut jinja_depth: usize = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if let Some(q) = quote {
            if b == b'\\' {
                i += 2;
                continue;
            }
            if b == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        if b == b'{' && matches!(bytes.get(i + 1), Some(b'{' | b'%' | b'#')) {
            start.get_or_insert(i);
            jinja_depth += 1;
            i += 2;
            continue;
        }
        if jinja_depth > 0 && matches!(b, b'}' | b'%' | b'#') && bytes.get(i + 1) == Some(&b'}') {
            jinja_depth -= 1;
            i += 2;
            continue;
        }
        if jinja_depth == 0 && b.is_ascii_whitespace() {
            if let Some(st) = start.take() {
                words.push(Word { range: st..i });
            }
            i += 1;
            continue;
        }
        if jinja_depth == 0 && (b == b'"' || b == b'\'') {
            // A quote opens a quoted section only at the start of a word or after `=`
            // (Ansible tracks quotes anywhere; an apostrophe inside a word is rare in args).
            quote = Some(b);
        }
        start.get_or_insert(i);
        i += 1;
    }
    if let Some(st) = start {
        words.push(Word {
            range: st..bytes.len(),
        });
    }
    words
}

/// Remove one pair of matching surrounding quotes (Ansible's `unquote`), returning the inner
/// range relative to `range`.
fn unquote(s: &str, range: Range<usize>) -> Range<usize> {
    let text = &s[range.clone()];
    let b = text.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        range.start + 1..range.end - 1
    } else {
        range
    }
}

/// Trim ASCII whitespace from both ends of a range of `s`.
fn trim_range(s: &str, range: Range<usize>) -> Range<usize> {
    let text = &s[range.clone()];
    let lead = text.len() - text.trim_start().len();
    let trail = text.len() - text.trim_end().len();
    range.start + lead..(range.end - trail).max(range.start + lead)
}

/// Decode Python string escapes the way Ansible's `_decode_escapes` does: `\\U` + 8 hex,
/// `\\u` + 4 hex, `\\x` + 2 hex, `\\N{NAME}` (left as is here) and `\\\\ \\' \\" \\a \\b \\f
/// \\n \\r \\t \\v`. Anything else (including `\\=`) is kept verbatim.
pub fn decode_escapes(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let rest = &s[i + 1..];
        let hex = |n: usize| -> Option<char> {
            let digits = rest.get(1..1 + n)?;
            if digits.len() != n || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            char::from_u32(u32::from_str_radix(digits, 16).ok()?)
        };
        let (decoded, consumed) = match rest.chars().next() {
            Some('U') => (hex(8), 9),
            Some('u') => (hex(4), 5),
            Some('x') => (hex(2), 3),
            Some('\\') => (Some('\\'), 1),
            Some('\'') => (Some('\''), 1),
            Some('"') => (Some('"'), 1),
            Some('a') => (Some('\u{7}'), 1),
            Some('b') => (Some('\u{8}'), 1),
            Some('f') => (Some('\u{c}'), 1),
            Some('n') => (Some('\n'), 1),
            Some('r') => (Some('\r'), 1),
            Some('t') => (Some('\t'), 1),
            Some('v') => (Some('\u{b}'), 1),
            _ => (None, 0),
        };
        match decoded {
            Some(d) => {
                out.push(d);
                for _ in 0..consumed {
                    chars.next();
                }
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Parse a free-form argument string into key/value pairs (Ansible's `parse_kv`).
///
/// With `check_raw` (the free-form modules: `command`, `shell`, `raw`, `script`, ...), only the
/// keys in [`RAW_OPTION_KEYS`] are options; every other word, with or without `=`, is part of
/// `_raw_params`. Without it, words without `=` form `_raw_params` (e.g. the file of
/// `include_tasks: file.yml`). Escaped `\=` does not split. `_raw_params` is last and spans from
/// its first to its last word (its value is the words joined by single spaces, as Ansible's
/// `join_args` gives for one-line input).
pub fn parse_kv(s: &str, check_raw: bool) -> Vec<KvPair> {
    let mut pairs = Vec::new();
    // Raw words: their range and, for words whose every `=` is escaped, the text with `\=`
    // unescaped (Ansible: `x.replace('\\=', '=')`).
    let mut raw: Vec<(Range<usize>, Option<String>)> = Vec::new();
    for word in split_args(s) {
        let text = &s[word.range.clone()];
        // The first unescaped '=' not at position 0.
        let mut eq = None;
        let tb = text.as_bytes();
        let mut pos = 1;
        while pos < tb.len() {
            if tb[pos] == b'=' && tb[pos - 1] != b'\\' {
                eq = Some(pos);
                break;
            }
            pos += 1;
        }
        let Some(eq) = eq else {
            let unescaped = text.contains("\\=").then(|| text.replace("\\=", "="));
            raw.push((word.range, unescaped));
            continue;
        };
        let key_range = trim_range(s, word.range.start..word.range.start + eq);
        let key = decode_escapes(&s[key_range.clone()]);
        if check_raw && !RAW_OPTION_KEYS.contains(&key.as_str()) {
            raw.push((word.range, None));
            continue;
        }
        let value_range = unquote(s, trim_range(s, word.range.start + eq + 1..word.range.end));
        // Ansible strips and unquotes; a later duplicate key replaces an earlier one.
        pairs.retain(|p: &KvPair| p.key != key);
        pairs.push(KvPair {
            key,
            key_range,
            value: decode_escapes(&s[value_range.clone()]),
            value_range,
        });
    }
    if let (Some(first), Some(last)) = (raw.first(), raw.last()) {
        let range = first.0.start..last.0.end;
        let contiguous = raw
            .windows(2)
            .all(|w| s[w[0].0.end..w[1].0.start].trim().is_empty());
        let mut value = String::new();
        for (i, (r, unescaped)) in raw.iter().enumerate() {
            if i > 0 {
                // Keep the text between words as written when nothing else sits there
                // (newlines matter to a shell); otherwise join with a space like `join_args`.
                let gap = &s[raw[i - 1].0.end..r.start];
                value.push_str(if contiguous { gap } else { " " });
            }
            value.push_str(unescaped.as_deref().unwrap_or(&s[r.clone()]));
        }
        pairs.push(KvPair {
            key: "_raw_params".to_string(),
            key_range: range.clone(),
            value,
            value_range: range,
        });
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(s: &str, raw: bool) -> Vec<(String, String)> {
        parse_kv(s, raw)
            .into_iter()
            .map(|p| {
                if !s[p.value_range.clone()].contains('\\') {
                    assert_eq!(&s[p.value_range.clone()], p.value, "value range of {p:?}");
                }
                (p.key, p.value)
            })
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn simple_pairs() {
        assert_eq!(
            kv("name=docker-ce state=latest", false),
            pairs(&[("name", "docker-ce"), ("state", "latest")])
        );
    }

    #[test]
    fn quoted_values_and_spaces() {
        let s = r#"name="docker-ce=5:23.0.1-1~debian.10~buster" state='present' msg="a b c""#;
        assert_eq!(
            kv(s, false),
            pairs(&[
                ("name", "docker-ce=5:23.0.1-1~debian.10~buster"),
                ("state", "present"),
                ("msg", "a b c"),
            ])
        );
    }

    #[test]
    fn jinja_is_one_word() {
        let s = "name={{ item }} state={{ docker_state | default('latest') }} update_cache=yes";
        assert_eq!(
            kv(s, false),
            pairs(&[
                ("name", "{{ item }}"),
                ("state", "{{ docker_state | default('latest') }}"),
                ("update_cache", "yes"),
            ])
        );
    }

    #[test]
    fn raw_params_for_free_form_modules() {
        let s = "apt-get install -y docker-ce foo=1 chdir=/tmp creates=/usr/bin/docker";
        let got = kv(s, true);
        assert_eq!(
            got,
            pairs(&[
                ("chdir", "/tmp"),
                ("creates", "/usr/bin/docker"),
                ("_raw_params", "apt-get install -y docker-ce foo=1"),
            ])
        );
        // Non-raw modules: words without '=' are raw params (include_tasks: file.yml).
        assert_eq!(
            kv("docker.yml", false),
            pairs(&[("_raw_params", "docker.yml")])
        );
    }

    #[test]
    fn raw_params_keep_the_original_range() {
        let s = "chdir=/srv curl -fsSL https://get.docker.com | sh";
        let p = parse_kv(s, true);
        let raw = p.iter().find(|p| p.key == "_raw_params").unwrap();
        assert_eq!(
            &s[raw.value_range.clone()],
            "curl -fsSL https://get.docker.com | sh"
        );
    }

    #[test]
    fn escaped_equals_and_last_duplicate_wins() {
        assert_eq!(
            kv(r"a\=b state=present state=latest", false),
            pairs(&[("state", "latest"), ("_raw_params", "a=b")])
        );
    }

    #[test]
    fn odd_input_does_not_panic() {
        for s in [
            "",
            "=",
            "==",
            "'",
            "\"unterminated x=1",
            "{{",
            "}}",
            "a={{ b",
            "é=ü ☃",
            "\\",
            "a=\\",
        ] {
            let _ = parse_kv(s, false);
            let _ = parse_kv(s, true);
        }
    }
}
