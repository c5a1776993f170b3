//! Package records from apt `Packages` indexes, dpkg `status` files and `Sources` indexes,
//! borrowing their fields from the text.

use std::path::Path;

use crate::Error;
use crate::deb822::{Paragraph, Parser, SyntaxError, SyntaxErrorKind};
use crate::relation::{MultiArch, RelationError, Relations};
use crate::version::{Version, VersionError};

/// The dependency fields of a binary package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DepField {
    /// `Depends`.
    Depends,
    /// `Pre-Depends`.
    PreDepends,
    /// `Recommends`.
    Recommends,
    /// `Suggests`.
    Suggests,
    /// `Breaks`.
    Breaks,
    /// `Conflicts`.
    Conflicts,
    /// `Provides`.
    Provides,
    /// `Replaces`.
    Replaces,
    /// `Enhances`.
    Enhances,
}

impl DepField {
    /// All fields, in the order dpkg lists them.
    pub const ALL: [DepField; 9] = [
        DepField::PreDepends,
        DepField::Depends,
        DepField::Recommends,
        DepField::Suggests,
        DepField::Enhances,
        DepField::Breaks,
        DepField::Conflicts,
        DepField::Provides,
        DepField::Replaces,
    ];

    /// The field name.
    pub fn name(self) -> &'static str {
        match self {
            DepField::Depends => "Depends",
            DepField::PreDepends => "Pre-Depends",
            DepField::Recommends => "Recommends",
            DepField::Suggests => "Suggests",
            DepField::Breaks => "Breaks",
            DepField::Conflicts => "Conflicts",
            DepField::Provides => "Provides",
            DepField::Replaces => "Replaces",
            DepField::Enhances => "Enhances",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A binary package stanza (from `Packages` or dpkg `status`), fields borrowed from the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinaryPackage<'a> {
    /// `Package`.
    pub name: &'a str,
    /// `Version` (unparsed; see [`BinaryPackage::version`]).
    pub version: &'a str,
    /// `Architecture` (empty if absent, as in some status entries of removed packages).
    pub architecture: &'a str,
    /// `Source`, possibly with a `(version)`.
    pub source: Option<&'a str>,
    /// `Multi-Arch`.
    pub multi_arch: MultiArch,
    /// `Status` (dpkg status files only).
    pub status: Option<&'a str>,
    /// `Essential: yes`.
    pub essential: bool,
    /// `Phased-Update-Percentage` (Ubuntu).
    pub phased_update_percentage: Option<&'a str>,
    deps: [Option<&'a str>; 9],
    /// 1-based line where the stanza starts.
    pub line: usize,
}

impl<'a> BinaryPackage<'a> {
    /// Extracts the record from a paragraph in one pass over its fields. `Package` is required;
    /// `Version` is required except for status entries in `not-installed` state.
    pub fn from_paragraph(p: &Paragraph<'a>) -> Result<BinaryPackage<'a>, SyntaxError> {
        let mut rec = BinaryPackage {
            name: "",
            version: "",
            architecture: "",
            source: None,
            multi_arch: MultiArch::No,
            status: None,
            essential: false,
            phased_update_percentage: None,
            deps: [None; 9],
            line: p.line(),
        };
        let mut have_name = false;
        for f in p.fields() {
            let n = f.name.as_bytes();
            let eq = |s: &str| n == s.as_bytes() || n.eq_ignore_ascii_case(s.as_bytes());
            match n.len() {
                7 if eq("Package") => {
                    rec.name = f.value;
                    have_name = true;
                }
                7 if eq("Version") => rec.version = f.value,
                12 if eq("Architecture") => rec.architecture = f.value,
                6 if eq("Source") => rec.source = Some(f.value),
                6 if eq("Status") => rec.status = Some(f.value),
                10 if eq("Multi-Arch") => rec.multi_arch = MultiArch::parse(f.value),
                9 if eq("Essential") => rec.essential = f.value.eq_ignore_ascii_case("yes"),
                24 if eq("Phased-Update-Percentage") => {
                    rec.phased_update_percentage = Some(f.value)
                }
                7 if eq("Depends") => rec.deps[DepField::Depends.index()] = Some(f.value),
                11 if eq("Pre-Depends") => rec.deps[DepField::PreDepends.index()] = Some(f.value),
                10 if eq("Recommends") => rec.deps[DepField::Recommends.index()] = Some(f.value),
                8 if eq("Suggests") => rec.deps[DepField::Suggests.index()] = Some(f.value),
                6 if eq("Breaks") => rec.deps[DepField::Breaks.index()] = Some(f.value),
                9 if eq("Conflicts") => rec.deps[DepField::Conflicts.index()] = Some(f.value),
                8 if eq("Provides") => rec.deps[DepField::Provides.index()] = Some(f.value),
                8 if eq("Replaces") => rec.deps[DepField::Replaces.index()] = Some(f.value),
                8 if eq("Enhances") => rec.deps[DepField::Enhances.index()] = Some(f.value),
                _ => {}
            }
        }
        if !have_name || rec.name.is_empty() {
            return Err(SyntaxError {
                line: p.line(),
                kind: SyntaxErrorKind::MissingField("Package"),
            });
        }
        if rec.version.is_empty() {
            let not_installed = rec
                .status
                .is_some_and(|s| s.ends_with("not-installed") || s.ends_with("config-files"));
            if !not_installed {
                return Err(SyntaxError {
                    line: p.line(),
                    kind: SyntaxErrorKind::MissingField("Version"),
                });
            }
        }
        Ok(rec)
    }

    /// The raw value of a dependency field.
    pub fn dep(&self, field: DepField) -> Option<&'a str> {
        self.deps[field.index()]
    }

    /// A dependency field parsed (empty when absent).
    pub fn relations(&self, field: DepField) -> Result<Relations, RelationError> {
        match self.dep(field) {
            None => Ok(Relations::default()),
            Some(s) => Relations::parse(s),
        }
    }

    /// The version, parsed.
    pub fn parse_version(&self) -> Result<Version, VersionError> {
        Version::parse(self.version)
    }

    /// The source package name (`Source` without its version, else the package name).
    pub fn source_name(&self) -> &'a str {
        match self.source {
            Some(s) => s.split_once(' ').map_or(s, |(n, _)| n).trim(),
            None => self.name,
        }
    }

    /// The source version: from `Source: name (version)`, else the binary version.
    pub fn source_version(&self) -> &'a str {
        self.source
            .and_then(|s| s.split_once('('))
            .and_then(|(_, v)| v.split_once(')'))
            .map_or(self.version, |(v, _)| v.trim())
    }
}

/// All binary package records of a `Packages` or `status` text, plus the errors of the
/// stanzas that could not be read (each with its line; the rest are still returned).
pub fn parse_packages(text: &str) -> (Vec<BinaryPackage<'_>>, Vec<SyntaxError>) {
    let mut parser = Parser::new(text);
    let mut para = Paragraph::default();
    // Packages stanzas average ~800 bytes; over-reserving only costs untouched address space.
    let mut out = Vec::with_capacity(text.len() / 500 + 1);
    let mut errors = Vec::new();
    loop {
        match parser.next_into(&mut para) {
            Ok(false) => break,
            Ok(true) => match BinaryPackage::from_paragraph(&para) {
                Ok(r) => out.push(r),
                Err(e) => errors.push(e),
            },
            Err(e) => errors.push(e),
        }
    }
    (out, errors)
}

/// Streams the binary package records of a (decompressed) `Packages` or `status` stream
/// through a reused buffer of about `chunk` bytes, calling `f` for every record; bad stanzas
/// go to `on_error` with their line. Memory stays constant however large the file is; this
/// is how to read apt lists without holding them whole (and without page-faulting a 50 MB
/// buffer into existence).
///
/// Only I/O errors and non-UTF-8 data stop the stream.
pub fn stream_packages<R: std::io::Read>(
    mut reader: R,
    chunk: usize,
    mut f: impl FnMut(&BinaryPackage<'_>),
    mut on_error: impl FnMut(SyntaxError),
) -> Result<(), StreamError> {
    let chunk = chunk.max(4096);
    // One zeroed allocation, reused: `filled` bytes at the front are data.
    let mut buf: Vec<u8> = vec![0; chunk];
    let mut filled = 0usize;
    let mut line = 1usize;
    let mut eof = false;
    while !eof {
        if buf.len() - filled < chunk / 2 {
            // A paragraph longer than the buffer: grow.
            buf.resize(buf.len() * 2, 0);
        }
        while filled < buf.len() {
            match reader.read(&mut buf[filled..]) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(StreamError::Io(e)),
            }
        }
        // Parse up to the last paragraph break; keep the tail for the next round.
        let cut = if eof {
            filled
        } else {
            match memchr::memmem::rfind(&buf[..filled], b"\n\n") {
                Some(i) => i + 2,
                None => continue,
            }
        };
        let text = crate::deb822::to_text(&buf[..cut]).map_err(|e| {
            StreamError::Syntax(SyntaxError {
                line: line + e.line - 1,
                kind: e.kind,
            })
        })?;
        let mut parser = Parser::new(text).first_line(line);
        let mut para = Paragraph::default();
        loop {
            match parser.next_into(&mut para) {
                Ok(false) => break,
                Ok(true) => match BinaryPackage::from_paragraph(&para) {
                    Ok(r) => f(&r),
                    Err(e) => on_error(e),
                },
                Err(e) => on_error(e),
            }
        }
        line = parser.line();
        buf.copy_within(cut..filled, 0);
        filled -= cut;
    }
    Ok(())
}

/// Why [`stream_packages`] stopped.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// Reading failed.
    #[error("read error")]
    Io(#[source] std::io::Error),
    /// The data is not text.
    #[error(transparent)]
    Syntax(SyntaxError),
}

/// Wraps a [`SyntaxError`] with the file it came from.
pub fn in_file(path: &Path, source: SyntaxError) -> Error {
    Error::Syntax {
        path: path.to_path_buf(),
        source,
    }
}

/// A source package stanza from a `Sources` index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcePackage<'a> {
    /// `Package` (the source name).
    pub name: &'a str,
    /// `Version`.
    pub version: &'a str,
    /// `Binary`: the binary packages built.
    pub binaries: Vec<&'a str>,
    /// `Build-Depends`.
    pub build_depends: Option<&'a str>,
    /// `Build-Depends-Indep`.
    pub build_depends_indep: Option<&'a str>,
    /// `Build-Depends-Arch`.
    pub build_depends_arch: Option<&'a str>,
    /// `Directory`.
    pub directory: Option<&'a str>,
    /// 1-based line of the stanza.
    pub line: usize,
}

impl<'a> SourcePackage<'a> {
    /// Extracts the record from a `Sources` paragraph.
    pub fn from_paragraph(p: &Paragraph<'a>) -> Result<SourcePackage<'a>, SyntaxError> {
        Ok(SourcePackage {
            name: p.require("Package")?,
            version: p.require("Version")?,
            binaries: p
                .get("Binary")
                .map(|b| {
                    b.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            build_depends: p.get("Build-Depends"),
            build_depends_indep: p.get("Build-Depends-Indep"),
            build_depends_arch: p.get("Build-Depends-Arch"),
            directory: p.get("Directory"),
            line: p.line(),
        })
    }
}

/// All source records of a `Sources` text plus per-stanza errors.
pub fn parse_sources_index(text: &str) -> (Vec<SourcePackage<'_>>, Vec<SyntaxError>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for p in Parser::new(text) {
        match p.and_then(|p| SourcePackage::from_paragraph(&p)) {
            Ok(s) => out.push(s),
            Err(e) => errors.push(e),
        }
    }
    (out, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PACKAGES: &str = "\
Package: docker-ce
Architecture: amd64
Version: 5:23.0.1-1~debian.10~buster
Depends: containerd.io (>= 1.6.4), docker-ce-cli, iptables, libseccomp2 (>= 2.3.0)
Recommends: apparmor, ca-certificates, git, pigz, procps, xz-utils
Source: docker-ce (23.0.1)
Description: Docker: the open-source application container engine
 Docker is a product for you to build, ship and run any application as a
 lightweight container

Version: 1.0
Architecture: all

Package: apparmor
Version: 3.0.8-3
Architecture: amd64
Multi-Arch: foreign
";

    #[test]
    fn records_and_errors() {
        let (recs, errs) = parse_packages(PACKAGES);
        assert_eq!(recs.len(), 2);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].line, 11);
        assert_eq!(errs[0].kind, SyntaxErrorKind::MissingField("Package"));
        let d = &recs[0];
        assert_eq!(d.name, "docker-ce");
        assert_eq!(d.parse_version().unwrap().epoch(), 5);
        assert_eq!(d.source_name(), "docker-ce");
        assert_eq!(d.source_version(), "23.0.1");
        let rec = d.relations(DepField::Recommends).unwrap();
        assert_eq!(rec.0[0][0].name, "apparmor");
        assert_eq!(d.relations(DepField::Depends).unwrap().0.len(), 4);
        assert!(d.dep(DepField::Breaks).is_none());
        assert_eq!(recs[1].multi_arch, MultiArch::Foreign);
        assert_eq!(recs[1].source_version(), "3.0.8-3");
    }

    #[test]
    fn streaming_matches_whole_text_parsing() {
        let big: String = (0..300).map(|i| format!("{PACKAGES}\n# n{i}\n")).collect();
        let (whole, whole_errs) = parse_packages(&big);
        for chunk in [1, 5000, 1 << 20] {
            let mut names = Vec::new();
            let mut errs = Vec::new();
            stream_packages(
                big.as_bytes(),
                chunk,
                |r| names.push((r.name.to_string(), r.version.to_string(), r.line)),
                |e| errs.push(e),
            )
            .unwrap();
            let want: Vec<_> = whole
                .iter()
                .map(|r| (r.name.to_string(), r.version.to_string(), r.line))
                .collect();
            assert_eq!(names, want, "chunk {chunk}");
            assert_eq!(errs, whole_errs, "chunk {chunk}");
        }
        let bad = stream_packages(&b"Package: a\nVersion: \xff\n"[..], 4096, |_| {}, |_| {});
        assert!(matches!(bad, Err(StreamError::Syntax(_))));
    }

    #[test]
    fn sources_index() {
        let text = "Package: hello\nBinary: hello, hello-dbg\nVersion: 2.10-3\nBuild-Depends: debhelper-compat (= 13)\n\nPackage: x\n";
        let (s, e) = parse_sources_index(text);
        assert_eq!(s[0].binaries, ["hello", "hello-dbg"]);
        assert_eq!(e[0].kind, SyntaxErrorKind::MissingField("Version"));
    }
}
