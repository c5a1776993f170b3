//! `WWW-Authenticate` challenges (RFC 7235 §4.1), as registries send them.
//!
//! One header may hold several challenges (`Basic realm="r", Bearer realm="…"`), parameter
//! values may be quoted strings containing commas and escaped quotes
//! (`scope="repository:a:pull,push"`), and a server may send several headers.

/// One authentication challenge: a scheme and its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The scheme, lower-cased (`bearer`, `basic`).
    pub scheme: String,
    /// Parameters in order, names lower-cased, values unquoted and unescaped.
    pub params: Vec<(String, String)>,
    /// A `token68` value instead of parameters (rare in registries), when present.
    pub token68: Option<String>,
}

impl Challenge {
    /// The value of parameter `name` (case-insensitive).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `true` for the `Bearer` scheme.
    pub fn is_bearer(&self) -> bool {
        self.scheme == "bearer"
    }

    /// `true` for the `Basic` scheme.
    pub fn is_basic(&self) -> bool {
        self.scheme == "basic"
    }
}

fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }
    fn token(&mut self) -> String {
        let start = self.i;
        while self.peek().is_some_and(is_tchar) {
            self.i += 1;
        }
        // Token characters are ASCII: always valid UTF-8.
        String::from_utf8_lossy(&self.b[start..self.i]).into_owned()
    }
    /// A quoted string starting at `"`; tolerates a missing closing quote.
    fn quoted(&mut self) -> String {
        let mut out = Vec::new();
        self.i += 1;
        while let Some(c) = self.peek() {
            self.i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    if let Some(n) = self.peek() {
                        out.push(n);
                        self.i += 1;
                    }
                }
                _ => out.push(c),
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    /// An unquoted value: up to the next comma or whitespace (lenient: servers put `/` and `:`
    /// in unquoted realms).
    fn bare_value(&mut self) -> String {
        let start = self.i;
        while self
            .peek()
            .is_some_and(|c| !matches!(c, b',' | b' ' | b'\t'))
        {
            self.i += 1;
        }
        String::from_utf8_lossy(&self.b[start..self.i]).into_owned()
    }
}

/// Parse every challenge in a `WWW-Authenticate` header value. Garbage is skipped rather than
/// failing the whole header.
pub fn parse_challenges(header: &str) -> Vec<Challenge> {
    let mut c = Cursor {
        b: header.as_bytes(),
        i: 0,
    };
    let mut out: Vec<Challenge> = Vec::new();
    loop {
        // Skip empty list elements.
        while matches!(c.peek(), Some(b' ' | b'\t' | b',')) {
            c.i += 1;
        }
        if c.peek().is_none() {
            break;
        }
        let scheme = c.token().to_ascii_lowercase();
        if scheme.is_empty() {
            c.i += 1; // not a token character: skip it
            continue;
        }
        let mut ch = Challenge {
            scheme,
            params: Vec::new(),
            token68: None,
        };
        c.skip_ws();
        // token68 (`Negotiate abc==`): a token, optional `=` padding, then end or comma.
        let save = c.i;
        let t_len = c.token().len();
        if t_len > 0 {
            let mut j = c.i;
            while c.b.get(j) == Some(&b'=') {
                j += 1;
            }
            let mut k = j;
            while matches!(c.b.get(k), Some(b' ' | b'\t')) {
                k += 1;
            }
            if matches!(c.b.get(k), None | Some(b',')) {
                ch.token68 = Some(String::from_utf8_lossy(&c.b[save..j]).into_owned());
                c.i = j;
                out.push(ch);
                continue;
            }
        }
        c.i = save;
        // auth-params, comma separated, until a token not followed by `=` (next challenge).
        loop {
            c.skip_ws();
            let before = c.i;
            let name = c.token().to_ascii_lowercase();
            c.skip_ws();
            if name.is_empty() || c.peek() != Some(b'=') {
                c.i = before;
                break;
            }
            c.i += 1;
            c.skip_ws();
            let value = if c.peek() == Some(b'"') {
                c.quoted()
            } else {
                c.bare_value()
            };
            ch.params.push((name, value));
            c.skip_ws();
            if c.peek() == Some(b',') {
                c.i += 1;
                while matches!(c.peek(), Some(b' ' | b'\t' | b',')) {
                    c.i += 1;
                }
            } else {
                break;
            }
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(c: &Challenge) -> Vec<(&str, &str)> {
        c.params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn docker_hub_bearer() {
        let cs = parse_challenges(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull""#,
        );
        assert_eq!(cs.len(), 1);
        assert!(cs[0].is_bearer());
        assert_eq!(
            params(&cs[0]),
            [
                ("realm", "https://auth.docker.io/token"),
                ("service", "registry.docker.io"),
                ("scope", "repository:library/nginx:pull"),
            ]
        );
    }

    #[test]
    fn quoted_commas_and_escapes() {
        let cs = parse_challenges(
            r#"Bearer realm="https://a.example/t?x=1,2", scope="repository:a/b:pull,push", error="say \"no\"""#,
        );
        assert_eq!(cs.len(), 1);
        assert_eq!(cs[0].param("realm"), Some("https://a.example/t?x=1,2"));
        assert_eq!(cs[0].param("SCOPE"), Some("repository:a/b:pull,push"));
        assert_eq!(cs[0].param("error"), Some(r#"say "no""#));
    }

    #[test]
    fn several_challenges_in_one_header() {
        let cs = parse_challenges(
            r#"Basic realm="basic, realm", charset="UTF-8", Bearer realm="https://t/token",service=reg, Negotiate"#,
        );
        let schemes: Vec<_> = cs.iter().map(|c| c.scheme.as_str()).collect();
        assert_eq!(schemes, ["basic", "bearer", "negotiate"]);
        assert_eq!(
            params(&cs[0]),
            [("realm", "basic, realm"), ("charset", "UTF-8")]
        );
        assert_eq!(
            params(&cs[1]),
            [("realm", "https://t/token"), ("service", "reg")]
        );
        assert!(cs[2].params.is_empty());
    }

    #[test]
    fn token68_and_odd_spacing() {
        let cs = parse_challenges("Negotiate abc123==, BASIC  realm = \"r\" ,,  ");
        assert_eq!(cs.len(), 2);
        assert_eq!(cs[0].token68.as_deref(), Some("abc123=="));
        assert!(cs[1].is_basic());
        assert_eq!(cs[1].param("realm"), Some("r"));
    }

    #[test]
    fn unquoted_url_realm_and_garbage() {
        let cs = parse_challenges("Bearer realm=https://h:5001/token,service=svc");
        assert_eq!(cs[0].param("realm"), Some("https://h:5001/token"));
        assert_eq!(cs[0].param("service"), Some("svc"));
        assert!(parse_challenges("").is_empty());
        assert!(parse_challenges(" , ,").is_empty());
        // Unterminated quote: the value runs to the end, nothing panics.
        let cs = parse_challenges(r#"Basic realm="open"#);
        assert_eq!(cs[0].param("realm"), Some("open"));
        let cs = parse_challenges("\u{e9}\u{e9} Basic realm=x");
        assert!(cs.iter().any(|c| c.is_basic()));
    }
}
