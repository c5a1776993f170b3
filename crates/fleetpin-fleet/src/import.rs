//! Package lists from dpkg's status file (read by fleetpin-debian), `dpkg-query -W` and
//! `rpm -qa` output.

use std::path::Path;

use crate::Error;
use crate::facts::Package;

fn bad(path: &Path, line: usize, message: impl Into<String>) -> Error {
    Error::Parse {
        path: path.to_path_buf(),
        line,
        message: message.into(),
    }
}

/// Reads a dpkg status file (`/var/lib/dpkg/status`) with fleetpin-debian's deb822 reader:
/// the installed packages (every state but `not-installed` and `config-files`, as
/// [`fleetpin_debian::status::Status::is_installed`] says) with their selection. Any bad
/// stanza (no Status, a bad Status or Version, a package listed twice) is an error naming its
/// line; the first one found is returned.
pub fn parse_status(text: &str, path: &Path) -> Result<Vec<Package>, Error> {
    // fleetpin-debian's reader is the one dpkg status parser, with dpkg's strictness
    // (cut stanzas, bad Status, duplicate packages, missing versions are errors).
    let file = fleetpin_debian::status::StatusFile::parse(path, strip_bom(text));
    if let Some(e) = file.errors.iter().min_by_key(|e| e.line().unwrap_or(0)) {
        return Err(bad(path, e.line().unwrap_or(0), debian_message(e)));
    }
    Ok(file
        .installed()
        .filter_map(|p| {
            Some(Package {
                name: p.name.clone(),
                version: p.version.as_ref()?.to_string(),
                arch: (!p.arch.is_empty()).then(|| p.arch.clone()),
                selection: Some(selection_name(p.status.selection).to_string()),
            })
        })
        .collect())
}

/// A fleetpin-debian error as a message without its `file:line: ` prefix (the facts error
/// names them), with its cause.
fn debian_message(e: &fleetpin_debian::Error) -> String {
    let text = e.to_string();
    let prefix = match e.line() {
        Some(line) => format!("{}:{line}: ", e.path().display()),
        None => format!("{}: ", e.path().display()),
    };
    let mut message = text.strip_prefix(&prefix).unwrap_or(&text).to_string();
    // Version and relation errors keep the why in their source; the others say it all.
    if let fleetpin_debian::Error::Version { source, .. } = e {
        message.push_str(&format!(": {source}"));
    } else if let fleetpin_debian::Error::Relation { source, .. } = e {
        message.push_str(&format!(": {source}"));
    }
    message
}

/// dpkg's name of a selection (`install`, `hold`, ...), as facts files record it.
fn selection_name(s: fleetpin_debian::status::Selection) -> &'static str {
    use fleetpin_debian::status::Selection;
    match s {
        Selection::Unknown => "unknown",
        Selection::Install => "install",
        Selection::Hold => "hold",
        Selection::Deinstall => "deinstall",
        Selection::Purge => "purge",
    }
}

/// The text without a leading byte-order mark (a file saved by an editor or a shell that
/// adds one); the BOM would otherwise become part of the first package name.
fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// The `dpkg-query -W` format fleetpin reads (and its SSH gather runs): the status column is
/// what tells an installed package from a removed one whose configuration files remain.
pub const DPKG_QUERY_FORMAT: &str =
    "${Package}\\t${Version}\\t${Architecture}\\t${db:Status-Abbrev}\\n";

/// Parses `dpkg-query -W -f '${Package}\t${Version}\t${Architecture}\t${db:Status-Abbrev}\n'`
/// output (see [`DPKG_QUERY_FORMAT`]; `${binary:Package}` names such as `libc6:i386` are
/// accepted too). Packages whose state is not installed (`rc`: removed, configuration files
/// left; `un`, `pn`) are skipped; the selection comes from the status letters.
///
/// Plain `dpkg-query -W` output (`name<TAB>version`) is refused with an error naming the line:
/// it lists `rc` packages with their old version exactly like installed ones, so reading it
/// would report removed packages as installed. A leading byte-order mark is ignored.
pub fn parse_query(text: &str, path: &Path) -> Result<Vec<Package>, Error> {
    let text = strip_bom(text);
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let (name, version, arch, abbrev) = match cols.as_slice() {
            [n, v, a, s] => (*n, *v, *a, *s),
            [_, _] | [_, _, _] => {
                return Err(bad(
                    path,
                    i + 1,
                    format!(
                        "no status column in `{line}`: plain `dpkg-query -W` output lists removed packages (status `rc`) like installed ones; run `dpkg-query -W -f '{DPKG_QUERY_FORMAT}'` instead"
                    ),
                ));
            }
            _ => {
                return Err(bad(
                    path,
                    i + 1,
                    format!("expected `name<TAB>version<TAB>arch<TAB>status`, got `{line}`"),
                ));
            }
        };
        if name.is_empty() || name.contains(|c: char| c.is_whitespace() || c.is_control()) {
            return Err(bad(path, i + 1, format!("invalid package name `{name}`")));
        }
        let b = abbrev.as_bytes();
        if b.len() < 2 {
            return Err(bad(
                path,
                i + 1,
                format!("invalid status abbreviation `{abbrev}`"),
            ));
        }
        // Second letter: the state (`n` not-installed, `c` config-files: not installed).
        if matches!(b[1], b'n' | b'c') {
            continue;
        }
        if !matches!(b[1], b'H' | b'U' | b'F' | b'W' | b't' | b'i') {
            return Err(bad(
                path,
                i + 1,
                format!("invalid status abbreviation `{abbrev}`"),
            ));
        }
        let selection = match b[0] {
            b'u' => "unknown",
            b'i' => "install",
            b'h' => "hold",
            b'r' => "deinstall",
            b'p' => "purge",
            _ => {
                return Err(bad(
                    path,
                    i + 1,
                    format!("invalid status abbreviation `{abbrev}`"),
                ));
            }
        };
        if version.is_empty() {
            return Err(bad(
                path,
                i + 1,
                format!("installed package `{name}` has an empty version"),
            ));
        }
        fleetpin_debian::Version::parse(version)
            .map_err(|e| bad(path, i + 1, format!("package `{name}`: {e}")))?;
        let name = name.split_once(':').map_or(name, |(n, _)| n);
        out.push(Package {
            name: name.to_string(),
            version: version.to_string(),
            arch: (!arch.is_empty()).then(|| arch.to_string()),
            selection: Some(selection.to_string()),
        });
    }
    Ok(out)
}

/// Parses fleetpin's `rpm -qa --qf '%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\n'`
/// output (`(none)` epoch means no epoch). `gpg-pubkey` pseudo-packages are skipped.
pub fn parse_rpm_qa(text: &str, path: &Path) -> Result<Vec<Package>, Error> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let [name, epoch, version, release, arch] = cols.as_slice() else {
            return Err(bad(
                path,
                i + 1,
                format!("expected 5 tab-separated rpm fields, got `{line}`"),
            ));
        };
        if *name == "gpg-pubkey" {
            continue;
        }
        let epoch = match *epoch {
            "(none)" | "" => None,
            e => Some(
                e.parse::<u64>()
                    .map_err(|_| bad(path, i + 1, format!("bad epoch `{e}`")))?,
            ),
        };
        let release = (!matches!(*release, "(none)" | "")).then_some(*release);
        let v = fleetpin_debian::rpm::RpmVersion::from_parts(epoch, version, release)
            .map_err(|e| bad(path, i + 1, format!("package `{name}`: {e}")))?;
        out.push(Package {
            name: name.to_string(),
            version: v.as_str().to_string(),
            arch: (!matches!(*arch, "(none)" | "")).then(|| arch.to_string()),
            selection: None,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_file() {
        let text = "Package: docker-ce\nStatus: hold ok installed\nPriority: optional\nArchitecture: amd64\nVersion: 5:23.0.1-1~debian.10~buster\nDescription: Docker\n multi-line\n\nPackage: apparmor\nStatus: deinstall ok config-files\nVersion: 2.13.2-10\n\nPackage: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.0-4\n";
        let p = parse_status(text, Path::new("status")).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].held(), Some(true));
        assert_eq!(p[1].name, "bash");
        assert_eq!(p[1].selection.as_deref(), Some("install"));
        let err = parse_status("Package: x\nStatus: install ok installed\nVersion: 1.0\n\nPackage: y\nStatus: install ok installed\nVersion: 1:\n", Path::new("s"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("s:7: invalid version in field `Version`"),
            "{err}"
        );
        assert!(
            parse_status("garbage line\n", Path::new("s"))
                .unwrap_err()
                .to_string()
                .starts_with("s:1:")
        );
    }

    #[test]
    fn status_file_errors_name_the_line() {
        // Lines are where dpkg-query points: the offending field, or the second stanza of a
        // package listed twice (fleetpin-debian's reader, checked against dpkg-query there).
        let err = |text: &str| parse_status(text, Path::new("s")).unwrap_err().to_string();
        let twice = "Package: a\nStatus: install ok installed\nVersion: 1\n\nPackage: a\nStatus: install ok installed\nVersion: 2\n";
        let e = err(twice);
        assert!(
            e.starts_with("s:5: package `a` is listed again (first at line 1)"),
            "{e}"
        );
        let bad_status = "Package: a\nStatus: install ok\nVersion: 1\n";
        let e = err(bad_status);
        assert!(e.starts_with("s:2: ") && e.contains("Status"), "{e}");
        // dpkg-query takes a stanza without Status as not installed (and says nothing).
        let no_status = "Package: a\nVersion: 1\n";
        assert!(parse_status(no_status, Path::new("s")).unwrap().is_empty());
        let space = "Package: a\nStatus: install ok installed\nVersion: 5.2 15\n";
        let e = err(space);
        assert!(
            e.starts_with("s:3: invalid version in field `Version`"),
            "{e}"
        );
    }

    #[test]
    fn bom_is_not_part_of_a_name() {
        let p = parse_status(
            "\u{feff}Package: bash\nStatus: install ok installed\nVersion: 5.0-4\n",
            Path::new("s"),
        )
        .unwrap();
        assert_eq!(p[0].name, "bash");
        let q = parse_query("\u{feff}bash\t5.0-4\tamd64\tii \n", Path::new("q")).unwrap();
        assert_eq!(q[0].name, "bash");
    }

    #[test]
    fn query_output() {
        let text = "bash\t5.0-4\tamd64\tii \ndocker-ce\t5:23.0.1-1~debian.10~buster\tamd64\thi \nold\t1.0\tamd64\trc \nlibc6:i386\t2.28-10\ti386\tii \nnotthere\t\tamd64\tun \n";
        let p = parse_query(text, Path::new("q")).unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(p[1].held(), Some(true));
        assert_eq!(
            (p[2].name.as_str(), p[2].arch.as_deref()),
            ("libc6", Some("i386"))
        );
        assert!(parse_query("just-one-column\n", Path::new("q")).is_err());
        let err = parse_query("bash\t5.2 15\tamd64\tii \n", Path::new("q"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("q:1: package `bash`:"), "{err}");
    }

    #[test]
    fn plain_query_output_is_refused_with_the_format_to_use() {
        let err = parse_query("bash\t5.0-4\nold\t1.0\n", Path::new("q"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("q:1: no status column"), "{err}");
        assert!(err.contains(DPKG_QUERY_FORMAT), "{err}");
    }

    #[test]
    fn rpm_output() {
        let p = parse_rpm_qa("bash\t(none)\t5.1.8\t6.el9\tx86_64\nperl-IO\t1\t1.46\t480.el9\tx86_64\ngpg-pubkey\t(none)\tfd431d51\t4ae0493b\t(none)\n", Path::new("r")).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].version, "1:1.46-480.el9");
    }
}
