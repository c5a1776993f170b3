//! Container image references: `[registry[:port]/]path[:tag][@digest]`.
//!
//! Follows the grammar of the distribution `reference` package (docker/distribution,
//! `reference/regexp.go` and `normalize.go`): the first path component is a registry when it
//! contains `.` or `:`, is `localhost`, or has an upper-case letter; otherwise the image is on
//! Docker Hub (`docker.io`), and a single-component path there is under `library/`. Path
//! components are lower-case alphanumerics joined by `.`, `_`, `__` or runs of `-`; a tag is
//! `[\w][\w.-]{0,127}`; a digest is `algorithm:hex` of a supported algorithm (`sha256`: 64
//! lower-case hex digits, `sha384`: 96, `sha512`: 128, `blake3`: 64).
//!
//! Templated parts (`${TAG}`, `$TAG`, `{{ tag }}`) are accepted and reported as unresolved, so
//! the same parser serves Dockerfiles, Compose files and Ansible docker modules.

use std::fmt;
use std::ops::Range;

use serde::Serialize;

use crate::strength::PinStrength;
pub use crate::tag::DEFAULT_FLOATING_TAGS;
use crate::tag::{TagClass, classify_tag_with};

/// A parsed image reference. Ranges are byte ranges into the parsed string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageRef {
    /// The registry host (with port) as written, when the reference names one.
    pub registry: Option<String>,
    /// The repository path as written, without registry (`library/` is not added).
    pub repository: String,
    /// The tag, without `:`.
    pub tag: Option<String>,
    /// The digest (`sha256:...`), without `@`.
    pub digest: Option<String>,
    /// Range of registry and path.
    pub name_range: Range<usize>,
    /// Range of the tag, without the `:`.
    pub tag_range: Option<Range<usize>>,
    /// Range of the digest, without the `@`.
    pub digest_range: Option<Range<usize>>,
    /// The name (registry or path) contains a template.
    pub name_templated: bool,
    /// The tag contains a template.
    pub tag_templated: bool,
    /// The digest contains a template.
    pub digest_templated: bool,
}

/// What an image reference pins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TagStatus {
    /// Has a digest: content-addressed.
    Digest,
    /// Has an exact tag: a full version, a date or build, a commit ([`TagClass::Exact`]).
    Tagged,
    /// Has a tag with only a major or major.minor version (`20`, `1.25-alpine`): it follows
    /// the patch releases of that line ([`TagClass::Range`]).
    Range {
        /// How many version numbers the tag gives (1 or 2).
        precision: u8,
    },
    /// A floating tag ([`TagClass::Floating`]: a moving word or no version component);
    /// `implicit` when no tag was written (Docker uses `latest`).
    Floating {
        /// No tag was written.
        implicit: bool,
    },
    /// The tag or digest (or a name that could hide one) is a template fleetpin could not
    /// resolve.
    Unresolved,
}

impl TagStatus {
    /// The [`PinStrength`] this status amounts to.
    pub fn pin_strength(self) -> PinStrength {
        match self {
            TagStatus::Digest => PinStrength::Digest,
            TagStatus::Tagged => PinStrength::Exact,
            TagStatus::Range { .. } => PinStrength::Range,
            TagStatus::Floating { .. } => PinStrength::Floating,
            TagStatus::Unresolved => PinStrength::Unresolved,
        }
    }
}

/// Why a string is not an image reference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageRefError {
    /// Nothing to parse.
    #[error("empty image reference")]
    Empty,
    /// Upper-case letters in the repository path.
    #[error("repository name must be lowercase: `{0}`")]
    Uppercase(String),
    /// A path component or the registry does not match the grammar.
    #[error("invalid reference format: `{0}`")]
    InvalidFormat(String),
    /// The tag does not match `[\w][\w.-]{{0,127}}`.
    #[error("invalid tag `{0}`")]
    InvalidTag(String),
    /// The digest is not `algorithm:hex` of the right length.
    #[error("invalid digest `{0}`")]
    InvalidDigest(String),
    /// The name is longer than 255 characters.
    #[error("repository name longer than 255 characters")]
    NameTooLong,
}

/// Byte ranges of `${...}`, `$NAME` and `{{ ... }}` / `{% ... %}` templates in `s`.
pub fn template_ranges(s: &str) -> Vec<Range<usize>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' && i + 1 < b.len() {
            if b[i + 1] == b'{' {
                let end = s[i..].find('}').map_or(b.len(), |p| i + p + 1);
                out.push(i..end);
                i = end;
                continue;
            }
            if b[i + 1] == b'_' || b[i + 1].is_ascii_alphabetic() {
                let mut j = i + 1;
                while j < b.len() && (b[j] == b'_' || b[j].is_ascii_alphanumeric()) {
                    j += 1;
                }
                out.push(i..j);
                i = j;
                continue;
            }
        }
        if b[i] == b'{' && i + 1 < b.len() && (b[i + 1] == b'{' || b[i + 1] == b'%') {
            let close = if b[i + 1] == b'{' { "}}" } else { "%}" };
            let end = s[i + 2..].find(close).map_or(b.len(), |p| i + 2 + p + 2);
            out.push(i..end);
            i = end;
            continue;
        }
        i += 1;
    }
    out
}

fn overlaps(r: &Range<usize>, ts: &[Range<usize>]) -> bool {
    ts.iter().any(|t| t.start < r.end && r.start < t.end)
}

fn is_path_component(c: &str) -> bool {
    // [a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*
    let b = c.as_bytes();
    if b.is_empty() {
        return false;
    }
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    if !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        // separator
        let start = i;
        if b[i] == b'.' {
            i += 1;
        } else if b[i] == b'_' {
            i += 1;
            if i < b.len() && b[i] == b'_' {
                i += 1;
            }
        } else if b[i] == b'-' {
            while i < b.len() && b[i] == b'-' {
                i += 1;
            }
        } else {
            return false;
        }
        if i == start || i >= b.len() || !alnum(b[i]) {
            return false;
        }
    }
    true
}

fn is_domain(d: &str) -> bool {
    let (host, port) = if d.starts_with('[') {
        match d.find(']') {
            Some(p) => {
                let inner = &d[1..p];
                // IPv6 address, optionally with a zone (`[fc00::1%eth0]`).
                let (addr, zone) = inner.split_once('%').unwrap_or((inner, "a"));
                if addr.is_empty()
                    || !addr
                        .bytes()
                        .all(|c| c.is_ascii_hexdigit() || c == b':' || c == b'.')
                    || zone.is_empty()
                    || !zone
                        .bytes()
                        .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
                {
                    return false;
                }
                let rest = &d[p + 1..];
                return rest.is_empty()
                    || rest
                        .strip_prefix(':')
                        .is_some_and(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()));
            }
            None => return false,
        }
    } else {
        match d.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (d, None),
        }
    };
    if let Some(p) = port
        && (p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit()))
    {
        return false;
    }
    !host.is_empty()
        && host.split('.').all(|c| {
            let b = c.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter().all(|x| x.is_ascii_alphanumeric() || *x == b'-')
        })
}

fn is_tag(t: &str) -> bool {
    let b = t.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

fn is_digest(d: &str) -> bool {
    let Some((algo, hex)) = d.split_once(':') else {
        return false;
    };
    let algo_ok = !algo.is_empty()
        && algo.split(['+', '.', '_', '-']).all(|c| {
            let b = c.as_bytes();
            !b.is_empty() && b[0].is_ascii_alphabetic() && b.iter().all(u8::is_ascii_alphanumeric)
        });
    if !algo_ok || hex.len() < 32 || !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
        return false;
    }
    let lower_hex = hex
        .bytes()
        .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c));
    match algo {
        "sha256" => hex.len() == 64 && lower_hex,
        "sha384" => hex.len() == 96 && lower_hex,
        "sha512" => hex.len() == 128 && lower_hex,
        "blake3" => hex.len() == 64 && lower_hex,
        // Syntactically valid but unsupported by Docker (go-digest `ErrDigestUnsupported`).
        _ => false,
    }
}

impl ImageRef {
    /// Parse a reference. Surrounding whitespace is not allowed (callers trim).
    pub fn parse(s: &str) -> Result<ImageRef, ImageRefError> {
        if s.is_empty() {
            return Err(ImageRefError::Empty);
        }
        let templates = template_ranges(s);
        // Replace templates by neutral letters so their `:`/`/`/`}` do not split the ref.
        let masked: String = if templates.is_empty() {
            s.to_owned()
        } else {
            let mut m = s.as_bytes().to_vec();
            for t in &templates {
                for x in &mut m[t.clone()] {
                    *x = b'x';
                }
            }
            String::from_utf8(m).unwrap_or_else(|_| s.to_owned())
        };
        let m = masked.as_str();
        let (name_tag, digest_range) = match m.rfind('@') {
            Some(p) => (&m[..p], Some(p + 1..m.len())),
            None => (m, None),
        };
        let last_slash = name_tag.rfind('/').map_or(0, |p| p + 1);
        let (name_end, tag_range) = match name_tag[last_slash..].find(':') {
            Some(p) => (last_slash + p, Some(last_slash + p + 1..name_tag.len())),
            None => (name_tag.len(), None),
        };
        let name_range = 0..name_end;
        let name = &m[name_range.clone()];
        if name.is_empty() {
            return Err(ImageRefError::InvalidFormat(s.to_owned()));
        }
        let name_templated = overlaps(&name_range, &templates);
        let tag_templated = tag_range.as_ref().is_some_and(|r| overlaps(r, &templates));
        let digest_templated = digest_range
            .as_ref()
            .is_some_and(|r| overlaps(r, &templates));

        // Split the registry off like distribution's splitDockerDomain.
        let (registry, repo_start) = match name.find('/') {
            Some(i) => {
                let first = &name[..i];
                if first.contains(['.', ':'])
                    || first == "localhost"
                    || first.bytes().any(|c| c.is_ascii_uppercase())
                {
                    (Some(first), i + 1)
                } else {
                    (None, 0)
                }
            }
            None => (None, 0),
        };
        let repository = &name[repo_start..];
        // A bare 64-hex name is an image ID, not a repository (distribution forbids it).
        if registry.is_none()
            && repository.len() == 64
            && repository
                .bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
        {
            return Err(ImageRefError::InvalidFormat(s.to_owned()));
        }
        if let Some(reg) = registry
            && !is_domain(reg)
            && !overlaps(&(0..reg.len()), &templates)
        {
            return Err(ImageRefError::InvalidFormat(s.to_owned()));
        }
        if name.len() > 255 {
            return Err(ImageRefError::NameTooLong);
        }
        for comp in repository.split('/') {
            if !is_path_component(comp) {
                if is_path_component(&comp.to_ascii_lowercase()) {
                    return Err(ImageRefError::Uppercase(s[repo_start..name_end].to_owned()));
                }
                return Err(ImageRefError::InvalidFormat(s.to_owned()));
            }
        }
        if let Some(t) = &tag_range
            && !is_tag(&m[t.clone()])
            && !tag_templated
        {
            return Err(ImageRefError::InvalidTag(s[t.clone()].to_owned()));
        }
        if let Some(d) = &digest_range
            && !digest_templated
            && !is_digest(&m[d.clone()])
        {
            return Err(ImageRefError::InvalidDigest(s[d.clone()].to_owned()));
        }
        Ok(ImageRef {
            registry: registry.map(|_| s[..repo_start - 1].to_owned()),
            repository: s[repo_start..name_end].to_owned(),
            tag: tag_range.as_ref().map(|r| s[r.clone()].to_owned()),
            digest: digest_range.as_ref().map(|r| s[r.clone()].to_owned()),
            name_range,
            tag_range,
            digest_range,
            name_templated,
            tag_templated,
            digest_templated,
        })
    }

    /// The registry host, `docker.io` when none is written (`index.docker.io` normalised).
    pub fn domain(&self) -> &str {
        match self.registry.as_deref() {
            None | Some("index.docker.io") => "docker.io",
            Some(r) => r,
        }
    }

    /// The fully qualified name: `docker.io/library/nginx` for `nginx`.
    pub fn normalized_name(&self) -> String {
        let domain = self.domain();
        if domain == "docker.io" && !self.repository.contains('/') {
            format!("docker.io/library/{}", self.repository)
        } else {
            format!("{domain}/{}", self.repository)
        }
    }

    /// The name as written (registry and path, without tag or digest).
    pub fn name(&self) -> String {
        match &self.registry {
            Some(r) => format!("{r}/{}", self.repository),
            None => self.repository.clone(),
        }
    }

    /// `true` when a digest is given.
    pub fn has_digest(&self) -> bool {
        self.digest.is_some()
    }

    /// The tag, or `latest` (Docker's default) when none is written.
    pub fn tag_or_default(&self) -> &str {
        self.tag.as_deref().unwrap_or("latest")
    }

    /// How many leading numeric components the tag has (`20-alpine` → 1, `3.12-slim` → 2,
    /// `v1.25.3` → 3); `None` when the tag does not start with a version (`bookworm`,
    /// `latest`) or there is no tag. A tag with fewer than three components (`node:20`,
    /// `python:3.12`) follows every patch or minor release of its line, like a version range.
    /// Only a leading version counts here; the verdict itself is [`status`](Self::status)
    /// ([`classify_tag`](crate::classify_tag)), which also reads dates, builds and commits.
    pub fn version_precision(&self) -> Option<usize> {
        let tag = self.tag.as_deref()?;
        let t = tag.strip_prefix(['v', 'V']).unwrap_or(tag);
        let head = t.split(['-', '_', '+']).next().unwrap_or(t);
        let mut n = 0;
        for part in head.split('.') {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                break;
            }
            n += 1;
        }
        (n > 0).then_some(n)
    }

    /// `true` when any part is templated.
    pub fn is_templated(&self) -> bool {
        self.name_templated || self.tag_templated || self.digest_templated
    }

    /// What the reference pins, given the list of moving words (`floating_tags`, compared
    /// case-insensitively).
    ///
    /// A digest wins over any tag. A templated tag or digest is unresolved; so is a templated
    /// name with no tag written outside the template (the template may carry the tag), unless
    /// the tag ends in a literal moving word (`ubuntu-${VERSION}-latest` floats). A written tag
    /// is judged by [`classify_tag`](crate::classify_tag).
    pub fn status(&self, floating_tags: &[&str]) -> TagStatus {
        self.status_with(|w| floating_tags.iter().any(|f| f.eq_ignore_ascii_case(w)))
    }

    /// [`status`](Self::status) with a predicate for moving words.
    pub fn status_with(&self, is_floating_word: impl Fn(&str) -> bool) -> TagStatus {
        if self.digest_templated {
            return TagStatus::Unresolved;
        }
        if self.digest.is_some() {
            return TagStatus::Digest;
        }
        if self.tag_templated {
            // `ubuntu-${VERSION}-latest` floats whatever the variable holds.
            let last = self
                .tag
                .as_deref()
                .and_then(|t| t.rsplit(['-', '_']).next())
                .filter(|l| !l.contains(['$', '{', '}', '%']));
            return match last {
                Some(l) if is_floating_word(l) => TagStatus::Floating { implicit: false },
                _ => TagStatus::Unresolved,
            };
        }
        match &self.tag {
            None if self.name_templated => TagStatus::Unresolved,
            None => TagStatus::Floating { implicit: true },
            Some(t) => match classify_tag_with(t, is_floating_word) {
                TagClass::Floating => TagStatus::Floating { implicit: false },
                TagClass::Range { precision } => TagStatus::Range { precision },
                TagClass::Exact => TagStatus::Tagged,
            },
        }
    }

    /// `true` when the reference definitely floats: no tag (implicit `latest`) or a floating
    /// tag, and no digest. Templated references are not floating (see
    /// [`status`](Self::status)).
    pub fn is_floating(&self, floating_tags: &[&str]) -> bool {
        matches!(self.status(floating_tags), TagStatus::Floating { .. })
    }

    /// The reference's [`PinStrength`]: Digest, Exact (an exact tag), Range (a major or
    /// major.minor tag), Floating, or Unresolved.
    pub fn pin_strength(&self, floating_tags: &[&str]) -> PinStrength {
        self.status(floating_tags).pin_strength()
    }

    /// Offset every range by `delta` (for a reference found at `delta` in a file).
    pub fn shifted(mut self, delta: usize) -> Self {
        let sh = |r: &mut Range<usize>| *r = r.start + delta..r.end + delta;
        sh(&mut self.name_range);
        if let Some(r) = &mut self.tag_range {
            sh(r);
        }
        if let Some(r) = &mut self.digest_range {
            sh(r);
        }
        self
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for ImageRef {
    type Err = ImageRefError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ImageRef::parse(s)
    }
}
