//! A fast path for `package_facts --tree` files: a byte scanner for exactly the shape Ansible
//! writes, borrowing every string it keeps from the file.
//!
//! serde_json spends most of the read visiting and matching the six short strings of every
//! package entry (bench/fleet); this scanner walks the top-level object to
//! `ansible_facts.packages`, takes `name`, `version`, `release`, `epoch`, `arch` and `source`
//! from each entry as borrowed `&str` and skips every other value structurally (still checking
//! its syntax). It gives up, returning `None`, on anything it does not expect: a backslash
//! escape anywhere, a control character in a string, an unusual type (a string or negative
//! epoch, a number where a string belongs), a duplicate field, a failed or unreachable host,
//! a missing key, nesting deeper than serde_json allows, or malformed JSON. The caller then
//! parses the file with serde_json, which yields the result or the precise error; so when
//! this returns `Some`, serde_json would have returned the same entries (tested in
//! `ansible.rs` against serde on generated, mutated and truncated documents).

use std::borrow::Cow;

use crate::ansible::Entry;

/// What the scanner extracts from one file.
pub(crate) struct Scanned<'a> {
    /// `ansible_facts.pkg_mgr`, when present and a string.
    pub(crate) pkg_mgr: Option<&'a str>,
    /// Every package entry, in file order.
    pub(crate) entries: Vec<Entry<'a>>,
}

/// serde_json's recursion limit is 128; staying well under it means anything serde_json
/// would reject for depth is left to serde_json.
const MAX_DEPTH: usize = 100;

struct Cursor<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    #[inline]
    fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            if matches!(c, b' ' | b'\n' | b'\t' | b'\r') {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline]
    fn eat(&mut self, c: u8) -> Option<()> {
        if self.peek()? == c {
            self.i += 1;
            Some(())
        } else {
            None
        }
    }

    /// A string without escapes or control characters, borrowed from the text.
    #[inline]
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let s = self.body()?;
        self.i += 1;
        Some(s)
    }

    /// The body of a string whose opening quote is consumed, up to the closing quote (left
    /// unconsumed). `None` on an escape, a control character or the end of the text.
    #[inline]
    fn body(&mut self) -> Option<&'a str> {
        let start = self.i;
        // Eight bytes at a time (SWAR): the byte loop was a third of the scan in a profile.
        // Flags `"`, `\\` and control bytes; the lowest flagged byte is always a real one.
        const LO: u64 = 0x0101_0101_0101_0101;
        const HI: u64 = 0x8080_8080_8080_8080;
        while let Some(chunk) = self.b.get(self.i..self.i + 8) {
            let w = u64::from_le_bytes(chunk.try_into().ok()?);
            let quote = w ^ (LO * u64::from(b'"'));
            let bslash = w ^ (LO * u64::from(b'\\'));
            let special = (quote.wrapping_sub(LO) & !quote)
                | (bslash.wrapping_sub(LO) & !bslash)
                | (w.wrapping_sub(LO * 0x20) & !w);
            let special = special & HI;
            if special != 0 {
                self.i += (special.trailing_zeros() / 8) as usize;
                break;
            }
            self.i += 8;
        }
        loop {
            let c = *self.b.get(self.i)?;
            if c == b'"' {
                break;
            }
            if c == b'\\' || c < 0x20 {
                return None;
            }
            self.i += 1;
        }
        self.text.get(start..self.i)
    }

    /// `null` or a string.
    #[inline]
    fn opt_string(&mut self) -> Option<Option<&'a str>> {
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            Some(None)
        } else {
            self.string().map(Some)
        }
    }

    /// Exactly the bytes of `lit` (a fixed-size array: compared inline, no memcmp call).
    #[inline]
    fn literal<const N: usize>(&mut self, lit: &[u8; N]) -> Option<()> {
        let here: &[u8; N] = self.b.get(self.i..self.i + N)?.try_into().ok()?;
        if here == lit {
            self.i += N;
            Some(())
        } else {
            None
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        self.i - start
    }

    /// A JSON number, syntax only (as serde_json checks an ignored one).
    fn number(&mut self) -> Option<()> {
        if self.peek()? == b'-' {
            self.i += 1;
        }
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return None;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some(())
    }

    /// An epoch: `null` or a plain non-negative integer that fits `u64`.
    fn epoch(&mut self) -> Option<Option<u64>> {
        match self.peek()? {
            b'n' => {
                self.literal(b"null")?;
                Some(None)
            }
            b'0'..=b'9' => {
                let start = self.i;
                self.digits();
                let s = &self.text[start..self.i];
                // A leading zero followed by digits, a fraction or an exponent: let serde_json
                // decide (it rejects or reads them differently).
                if (s.len() > 1 && s.starts_with('0'))
                    || matches!(self.peek(), Some(b'.' | b'e' | b'E'))
                {
                    return None;
                }
                s.parse().ok().map(Some)
            }
            _ => None,
        }
    }

    /// Skips one value of any type, checking its syntax.
    fn skip_value(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => self.object(|c, _key| c.skip_value(depth + 1)),
            b'[' => self.array(|c| c.skip_value(depth + 1)),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number(),
        }
    }

    /// Walks an object's members, calling `member(cursor, key)` positioned at each value;
    /// `member` must consume the value. The cursor starts at `{`.
    #[inline]
    fn object(&mut self, mut member: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        self.ws();
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        loop {
            let key = self.string()?;
            self.ws();
            self.eat(b':')?;
            self.ws();
            member(self, key)?;
            self.ws();
            match self.peek()? {
                b',' => {
                    self.i += 1;
                    self.ws();
                }
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// Walks an array's items, calling `item(cursor)` positioned at each one; `item` must
    /// consume it. The cursor starts at `[`.
    #[inline]
    fn array(&mut self, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.eat(b'[')?;
        self.ws();
        if self.peek()? == b']' {
            self.i += 1;
            return Some(());
        }
        loop {
            item(self)?;
            self.ws();
            match self.peek()? {
                b',' => {
                    self.i += 1;
                    self.ws();
                }
                b']' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// One package entry object.
    fn entry(&mut self) -> Option<Entry<'a>> {
        let mut seen = 0u8;
        let mut once = |bit: u8| -> Option<()> {
            if seen & bit != 0 {
                return None; // serde's "duplicate field"
            }
            seen |= bit;
            Some(())
        };
        let (mut name, mut version, mut release, mut epoch, mut arch, mut source) =
            (None, None, None, None, None, None);
        if self.peek()? != b'{' {
            return None;
        }
        self.object(|c, key| {
            match key {
                "name" => {
                    once(1)?;
                    name = Some(c.string()?);
                }
                "version" => {
                    once(2)?;
                    version = Some(c.string()?);
                }
                "release" => {
                    once(4)?;
                    release = c.opt_string()?;
                }
                "epoch" => {
                    once(8)?;
                    epoch = c.epoch()?;
                }
                "arch" => {
                    once(16)?;
                    arch = c.opt_string()?;
                }
                "source" => {
                    once(32)?;
                    source = c.opt_string()?;
                }
                _ => c.skip_value(3)?,
            }
            Some(())
        })?;
        Some(Entry {
            name: Cow::Borrowed(name?),
            version: Cow::Borrowed(version?),
            release: release.map(Cow::Borrowed),
            epoch,
            arch: arch.map(Cow::Borrowed),
            source: source.map(Cow::Borrowed),
        })
    }

    /// An entry exactly as Ansible's tree callback writes it (`json.dumps(sort_keys=True)`,
    /// default separators), matched as fixed literals between string bodies:
    ///
    /// - apt: `{"arch": "…", "category": "…", "name": "…", "origin": "…", "source": "…",
    ///   "version": "…"}`
    /// - rpm: `{"arch": "…", "epoch": N|null, "name": "…", "release": "…", "source": "…",
    ///   "version": "…"}`
    ///
    /// One inline compare per key replaces a key scan, a key match and four whitespace and
    /// punctuation steps (the general walker was ~40% of the interned read in a profile,
    /// bench/fleet). Anything else (a null, other spacing, another key set) returns `None`
    /// and the caller walks the entry again with [`Cursor::entry`]. When this matches, the
    /// general walker would return the same entry: the literals are valid JSON between
    /// string bodies checked the same way, with each key once.
    #[inline]
    fn template_entry(&mut self) -> Option<Entry<'a>> {
        self.literal(b"{\"arch\": \"")?;
        let arch = self.body()?;
        let (release, epoch) = if self.literal(b"\", \"category\": \"").is_some() {
            self.body()?;
            self.literal(b"\", \"name\": \"")?;
            (None, None)
        } else {
            self.literal(b"\", \"epoch\": ")?;
            let epoch = self.epoch()?;
            self.literal(b", \"name\": \"")?;
            (Some(()), epoch)
        };
        let name = self.body()?;
        let release = match release {
            None => {
                self.literal(b"\", \"origin\": \"")?;
                self.body()?;
                None
            }
            Some(()) => {
                self.literal(b"\", \"release\": \"")?;
                Some(self.body()?)
            }
        };
        self.literal(b"\", \"source\": \"")?;
        let source = self.body()?;
        self.literal(b"\", \"version\": \"")?;
        let version = self.body()?;
        self.literal(b"\"}")?;
        Some(Entry {
            name: Cow::Borrowed(name),
            version: Cow::Borrowed(version),
            release: release.map(Cow::Borrowed),
            epoch,
            arch: Some(Cow::Borrowed(arch)),
            source: Some(Cow::Borrowed(source)),
        })
    }

    /// `{NAME: [ENTRY, ...], ...}` flattened into `out`.
    fn packages(&mut self, out: &mut Vec<Entry<'a>>) -> Option<()> {
        if self.peek()? != b'{' {
            return None;
        }
        self.object(|c, _name| {
            c.array(|c| {
                let at = c.i;
                let entry = match c.template_entry() {
                    Some(e) => e,
                    None => {
                        c.i = at;
                        c.entry()?
                    }
                };
                out.push(entry);
                Some(())
            })
        })
    }
}

/// Scans one `--tree` file (already checked to be UTF-8). `None` means "not the plain
/// successful package_facts shape": parse it with serde_json instead.
pub(crate) fn scan(text: &str, capacity: usize) -> Option<Scanned<'_>> {
    let mut c = Cursor {
        text,
        b: text.as_bytes(),
        i: 0,
    };
    let mut entries: Option<Vec<Entry<'_>>> = None;
    let mut pkg_mgr = None;
    let mut seen = 0u8;
    c.ws();
    if c.peek()? != b'{' {
        return None;
    }
    c.object(|c, key| {
        let mut once = |bit: u8| -> Option<()> {
            if seen & bit != 0 {
                return None;
            }
            seen |= bit;
            Some(())
        };
        match key {
            "ansible_facts" => {
                once(1)?;
                if c.peek()? != b'{' {
                    return None;
                }
                let mut facts_seen = 0u8;
                c.object(|c, key| {
                    match key {
                        "packages" => {
                            if facts_seen & 1 != 0 {
                                return None;
                            }
                            facts_seen |= 1;
                            let mut out = Vec::with_capacity(capacity);
                            c.packages(&mut out)?;
                            entries = Some(out);
                        }
                        "pkg_mgr" => {
                            if facts_seen & 2 != 0 {
                                return None;
                            }
                            facts_seen |= 2;
                            pkg_mgr = c.opt_string()?;
                        }
                        _ => c.skip_value(2)?,
                    }
                    Some(())
                })?;
            }
            // A host that failed or was unreachable is reported by the serde path; `false`
            // and `null` mean success, as there.
            "unreachable" | "failed" => {
                once(if key == "failed" { 2 } else { 4 })?;
                match c.peek()? {
                    b'f' => c.literal(b"false")?,
                    b'n' => c.literal(b"null")?,
                    _ => return None,
                }
            }
            "msg" => {
                once(8)?;
                c.opt_string()?;
            }
            _ => c.skip_value(1)?,
        }
        Some(())
    })?;
    c.ws();
    if c.i != c.b.len() {
        return None; // trailing characters
    }
    Some(Scanned {
        pkg_mgr,
        entries: entries?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(entry: &str) -> Option<Entry<'_>> {
        let mut c = Cursor {
            text: entry,
            b: entry.as_bytes(),
            i: 0,
        };
        let e = c.template_entry()?;
        assert_eq!(c.i, entry.len(), "template stopped early in {entry}");
        Some(e)
    }

    fn general(entry: &str) -> Option<Entry<'_>> {
        let mut c = Cursor {
            text: entry,
            b: entry.as_bytes(),
            i: 0,
        };
        c.entry()
    }

    #[test]
    fn ansible_layout_entries_take_the_template_and_agree_with_the_walker() {
        // As ansible-core 2.19 `ansible -m package_facts --tree` writes them (apt: captured
        // on Debian 12; rpm: the keys and value types of the module's rpm backend).
        let entries = [
            r#"{"arch": "all", "category": "admin", "name": "adduser", "origin": "Debian", "source": "apt", "version": "3.134"}"#,
            r#"{"arch": "amd64", "category": "admin", "name": "docker-ce", "origin": "Docker", "source": "apt", "version": "5:23.0.1-1~debian.10~buster"}"#,
            r#"{"arch": "amd64", "category": "", "name": "caf\u00e9", "origin": "", "source": "apt", "version": "1"}"#,
            r#"{"arch": "x86_64", "epoch": null, "name": "bash", "release": "6.el9", "source": "rpm", "version": "5.1.8"}"#,
            r#"{"arch": "x86_64", "epoch": 2, "name": "vim-minimal", "release": "20.el9", "source": "rpm", "version": "8.2.2637"}"#,
        ];
        for (i, e) in entries.iter().enumerate() {
            if i == 2 {
                // An escape: neither path takes it (serde_json does).
                assert!(template(e).is_none() && general(e).is_none());
                continue;
            }
            let fast = template(e).unwrap_or_else(|| panic!("template declined {e}"));
            assert_eq!(Some(fast), general(e), "{e}");
        }
    }

    #[test]
    fn other_layouts_decline_the_template_but_not_the_walker() {
        for e in [
            // serde_json's compact layout, another key order, a null, a missing key, an
            // extra key, pretty-printing.
            r#"{"arch":"all","category":"admin","name":"adduser","origin":"Debian","source":"apt","version":"3.134"}"#,
            r#"{"name": "adduser", "arch": "all", "category": "admin", "origin": "Debian", "source": "apt", "version": "3.134"}"#,
            r#"{"arch": null, "category": "admin", "name": "adduser", "origin": "Debian", "source": "apt", "version": "3.134"}"#,
            r#"{"arch": "all", "name": "adduser", "origin": "Debian", "source": "apt", "version": "3.134"}"#,
            r#"{"arch": "all", "category": "admin", "name": "adduser", "origin": "Debian", "source": "apt", "version": "3.134", "x": 1}"#,
            "{\n  \"arch\": \"all\",\n  \"category\": \"admin\",\n  \"name\": \"adduser\",\n  \"origin\": \"Debian\",\n  \"source\": \"apt\",\n  \"version\": \"3.134\"\n}",
        ] {
            assert!(template(e).is_none(), "template took {e}");
            assert!(general(e).is_some(), "walker declined {e}");
        }
    }
}
