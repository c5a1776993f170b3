//! apt's sources (`sources.list` one-line entries and deb822 `.sources` files) and where apt
//! stores each index under `/var/lib/apt/lists` (apt's `URItoFileName`).

use std::path::{Path, PathBuf};

use crate::Error;
use crate::deb822::Parser;

/// `deb` or `deb-src`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// Binary packages.
    Deb,
    /// Source packages.
    DebSrc,
}

/// One repository: a URI and a suite with its components.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceEntry {
    /// `deb` or `deb-src`.
    pub kind: SourceKind,
    /// The archive URI, always ending in `/`.
    pub uri: String,
    /// The suite (`bookworm`), or a flat-repository path ending in `/`.
    pub suite: String,
    /// Components (empty for flat repositories).
    pub components: Vec<String>,
    /// `arch=` / `Architectures:` restriction, if any.
    pub architectures: Option<Vec<String>>,
    /// The file that declared it.
    pub file: PathBuf,
    /// 1-based line of the entry (or of its stanza).
    pub line: usize,
}

/// apt's `QuoteString` + `URItoFileName`: drop the scheme and credentials, %-escape unsafe
/// characters (lower-case hex), turn `/` into `_`.
pub fn uri_to_file_name(uri: &str) -> String {
    let rest = match uri.find("://") {
        Some(i) => &uri[i + 3..],
        None => match uri.split_once(':') {
            // `file:/srv/repo` → `/srv/repo`
            Some((_, r)) => r,
            None => uri,
        },
    };
    // Strip user:password@ from the authority.
    let rest = match (rest.find('@'), rest.find('/')) {
        (Some(at), Some(slash)) if at < slash => &rest[at + 1..],
        (Some(at), None) => &rest[at + 1..],
        _ => rest,
    };
    let mut out = String::with_capacity(rest.len() + 8);
    for &b in rest.as_bytes() {
        if b"\\|{}[]<>\"^~_=!@#$%^&*".contains(&b) || b <= 0x20 || b >= 0x7f {
            out.push_str(&format!("%{b:02x}"));
        } else if b == b'/' {
            out.push('_');
        } else {
            out.push(b as char);
        }
    }
    out
}

/// The host of a URI (apt's `Site` used by `Pin: origin`); empty for `file:` URIs.
pub fn uri_host(uri: &str) -> String {
    let Some(i) = uri.find("://") else {
        return String::new();
    };
    let auth = uri[i + 3..].split('/').next().unwrap_or("");
    let auth = auth.rsplit('@').next().unwrap_or(auth);
    // Drop a port, but keep IPv6 literals in brackets intact.
    if auth.starts_with('[') {
        return auth
            .split(']')
            .next()
            .map(|h| format!("{h}]"))
            .unwrap_or_default();
    }
    auth.split(':').next().unwrap_or("").to_string()
}

impl SourceEntry {
    /// The URI of a file under this entry's `dists/SUITE/` (or flat directory).
    pub fn dist_uri(&self, file: &str) -> String {
        if self.suite == "/" {
            format!("{}{file}", self.uri)
        } else if self.suite.ends_with('/') {
            format!("{}{}{file}", self.uri, self.suite)
        } else {
            format!("{}dists/{}/{file}", self.uri, self.suite)
        }
    }

    /// The lists file names apt uses for `InRelease` and `Release`.
    pub fn release_file_names(&self) -> [String; 2] {
        [
            uri_to_file_name(&self.dist_uri("InRelease")),
            uri_to_file_name(&self.dist_uri("Release")),
        ]
    }

    /// The lists file name (without compression extension) of the `Packages` index for a
    /// component and architecture.
    pub fn packages_file_name(&self, component: &str, arch: &str) -> String {
        if self.suite.ends_with('/') {
            uri_to_file_name(&self.dist_uri("Packages"))
        } else {
            uri_to_file_name(&self.dist_uri(&format!("{component}/binary-{arch}/Packages")))
        }
    }

    /// How apt-cache policy names an index: `URI SUITE/COMPONENT ARCH Packages`.
    pub fn describe(&self, component: &str, arch: &str) -> String {
        let uri = self.uri.trim_end_matches('/');
        if self.suite.ends_with('/') {
            format!("{uri} {} Packages", self.suite)
        } else {
            format!("{uri} {}/{component} {arch} Packages", self.suite)
        }
    }
}

fn normalise_uri(u: &str) -> String {
    if u.ends_with('/') {
        u.to_string()
    } else {
        format!("{u}/")
    }
}

/// Parses a one-line-style `sources.list` text.
pub fn parse_list(text: &str, file: &Path) -> Result<Vec<SourceEntry>, Error> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let bad = |m: &str| Error::Config {
            path: file.to_path_buf(),
            line: i + 1,
            message: m.to_string(),
        };
        let (kind, rest) = match line.split_once(char::is_whitespace) {
            Some(("deb", r)) => (SourceKind::Deb, r.trim_start()),
            Some(("deb-src", r)) => (SourceKind::DebSrc, r.trim_start()),
            _ => {
                return Err(bad(
                    "malformed entry: expected `deb` or `deb-src` URI SUITE [COMPONENT...]",
                ));
            }
        };
        let mut architectures = None;
        let rest = if let Some(r) = rest.strip_prefix('[') {
            let (opts, after) = r
                .split_once(']')
                .ok_or_else(|| bad("unterminated `[` option list"))?;
            for opt in opts.split_whitespace() {
                if let Some(v) = opt.strip_prefix("arch=") {
                    architectures = Some(v.split(',').map(str::to_string).collect());
                }
            }
            after.trim_start()
        } else {
            rest
        };
        let mut words = rest.split_whitespace();
        let (Some(uri), Some(suite)) = (words.next(), words.next()) else {
            return Err(bad("malformed entry: missing URI or suite"));
        };
        let components: Vec<String> = words.map(str::to_string).collect();
        if !suite.ends_with('/') && components.is_empty() {
            return Err(bad(
                "malformed entry: no components (only flat suites ending in `/` may omit them)",
            ));
        }
        out.push(SourceEntry {
            kind,
            uri: normalise_uri(uri),
            suite: suite.to_string(),
            components,
            architectures,
            file: file.to_path_buf(),
            line: i + 1,
        });
    }
    Ok(out)
}

/// Parses a deb822-style `.sources` text (Types, URIs, Suites, Components, Architectures,
/// Enabled).
pub fn parse_deb822(text: &str, file: &Path) -> Result<Vec<SourceEntry>, Error> {
    let mut out = Vec::new();
    for p in Parser::new(text) {
        let p = p.map_err(|e| crate::control::in_file(file, e))?;
        let bad = |m: &str| Error::Config {
            path: file.to_path_buf(),
            line: p.line(),
            message: m.to_string(),
        };
        if p.get("Enabled")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("no"))
        {
            continue;
        }
        let words = |n: &str| -> Vec<String> {
            p.get(n)
                .map(|v| v.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default()
        };
        let types = words("Types");
        let uris = words("URIs");
        let suites = words("Suites");
        let components = words("Components");
        if types.is_empty() || uris.is_empty() || suites.is_empty() {
            return Err(bad("stanza needs Types, URIs and Suites"));
        }
        let architectures = p
            .get("Architectures")
            .map(|v| v.split_whitespace().map(str::to_string).collect());
        for t in &types {
            let kind = match t.as_str() {
                "deb" => SourceKind::Deb,
                "deb-src" => SourceKind::DebSrc,
                other => return Err(bad(&format!("unknown type `{other}`"))),
            };
            for u in &uris {
                for s in &suites {
                    if !s.ends_with('/') && components.is_empty() {
                        return Err(bad(
                            "no Components (only flat suites ending in `/` may omit them)",
                        ));
                    }
                    out.push(SourceEntry {
                        kind,
                        uri: normalise_uri(u),
                        suite: s.clone(),
                        components: if s.ends_with('/') {
                            Vec::new()
                        } else {
                            components.clone()
                        },
                        architectures: architectures.clone(),
                        file: file.to_path_buf(),
                        line: p.line(),
                    });
                }
            }
        }
    }
    Ok(out)
}

/// Whether apt reads a file in a `.d` directory: only names of `[A-Za-z0-9_.-]`, with the
/// given extension (apt's `GetListOfFilesInDir`, which also skips backup files).
pub fn apt_reads_part(name: &str, ext: &str) -> bool {
    name.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        && (ext.is_empty() || name.strip_suffix(ext).is_some_and(|s| s.ends_with('.')))
}

/// Reads `etc/apt/sources.list` and `etc/apt/sources.list.d/*.{list,sources}` under `root`.
pub fn read_root(root: &Path) -> Result<Vec<SourceEntry>, Error> {
    let mut out = Vec::new();
    let main = root.join("etc/apt/sources.list");
    if main.is_file() {
        let text = std::fs::read_to_string(&main).map_err(|source| Error::Io {
            path: main.clone(),
            source,
        })?;
        out.extend(parse_list(&text, &main)?);
    }
    let dir = root.join("etc/apt/sources.list.d");
    if let Ok(rd) = std::fs::read_dir(&dir) {
        let mut names: Vec<_> = rd
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        for n in names {
            let path = dir.join(&n);
            let list = apt_reads_part(&n, "list");
            let deb822 = apt_reads_part(&n, "sources");
            if !(list || deb822) || !path.is_file() {
                continue;
            }
            let text = std::fs::read_to_string(&path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            if list {
                out.extend(parse_list(&text, &path)?);
            } else {
                out.extend(parse_deb822(&text, &path)?);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_match_apt() {
        let e = parse_deb822(
            "Types: deb\nURIs: https://deb.nodesource.com/node_20.x\nSuites: nodistro\nComponents: main\nArchitectures: amd64\n",
            Path::new("n.sources"),
        )
        .unwrap();
        assert_eq!(
            e[0].release_file_names()[0],
            "deb.nodesource.com_node%5f20.x_dists_nodistro_InRelease"
        );
        assert_eq!(
            e[0].packages_file_name("main", "amd64"),
            "deb.nodesource.com_node%5f20.x_dists_nodistro_main_binary-amd64_Packages"
        );
        let l = parse_list(
            "# c\ndeb [arch=amd64 signed-by=/k.gpg] http://u:p@deb.example.org/debian bookworm main contrib # x\ndeb-src http://x/ ./\n",
            Path::new("s.list"),
        )
        .unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(
            l[0].architectures.as_deref(),
            Some(&["amd64".to_string()][..])
        );
        assert_eq!(
            l[0].packages_file_name("contrib", "amd64"),
            "deb.example.org_debian_dists_bookworm_contrib_binary-amd64_Packages"
        );
        assert_eq!(l[1].packages_file_name("", ""), "x_._Packages");
        assert_eq!(
            uri_host("http://u:p@deb.example.org:80/debian/"),
            "deb.example.org"
        );
        assert!(parse_list("deb http://x bookworm\n", Path::new("s")).is_err());
    }

    #[test]
    fn part_names() {
        assert!(apt_reads_part("debian.sources", "sources"));
        assert!(!apt_reads_part("google.list.disabled", "list"));
        assert!(!apt_reads_part("x~.list", "list"));
        assert!(apt_reads_part("nodejs", ""));
    }
}
