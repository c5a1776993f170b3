//! Package lists from dpkg's status file, `dpkg-query -W` and `rpm -qa`.

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

/// Parses a dpkg status file (`/var/lib/dpkg/status`): the installed packages (status
/// `installed`, `half-installed`, `unpacked`, `half-configured`, `triggers-*`; not
/// `not-installed` or `config-files`) with their selection.
pub fn parse_status(text: &str, path: &Path) -> Result<Vec<Package>, Error> {
    let mut out = Vec::new();
    let mut fields: [Option<&str>; 4] = [None; 4]; // Package, Version, Architecture, Status
    let mut start = 1;
    let mut flush = |fields: &mut [Option<&str>; 4], start: usize| -> Result<(), Error> {
        let [name, version, arch, status] = std::mem::take(fields);
        let Some(name) = name else {
            if version.is_some() || status.is_some() {
                return Err(bad(path, start, "stanza without a Package field"));
            }
            return Ok(());
        };
        let status = status
            .ok_or_else(|| bad(path, start, format!("package `{name}` has no Status field")))?;
        let words: Vec<&str> = status.split_whitespace().collect();
        let [want, _flag, state] = words.as_slice() else {
            return Err(bad(
                path,
                start,
                format!("package `{name}`: malformed Status `{status}`"),
            ));
        };
        if matches!(*state, "not-installed" | "config-files") {
            return Ok(());
        }
        let version = version.ok_or_else(|| {
            bad(
                path,
                start,
                format!("installed package `{name}` has no Version field"),
            )
        })?;
        fleetpin_debian::Version::parse(version)
            .map_err(|e| bad(path, start, format!("package `{name}`: {e}")))?;
        out.push(Package {
            name: name.to_string(),
            version: version.to_string(),
            arch: arch.map(str::to_string),
            selection: Some(want.to_string()),
        });
        Ok(())
    };
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            flush(&mut fields, start)?;
            start = i + 2;
            continue;
        }
        if line.starts_with([' ', '\t']) {
            continue; // continuation line of a multi-line field
        }
        let Some((k, v)) = line.split_once(':') else {
            return Err(bad(
                path,
                i + 1,
                format!("expected `Field: value`, got `{line}`"),
            ));
        };
        let v = v.trim();
        match k {
            "Package" => fields[0] = Some(v),
            "Version" => fields[1] = Some(v),
            "Architecture" => fields[2] = Some(v),
            "Status" => fields[3] = Some(v),
            _ => {}
        }
    }
    flush(&mut fields, start)?;
    Ok(out)
}

/// Parses `dpkg-query -W` output: the default format (`${binary:Package}\t${Version}`) or
/// fleetpin's (`${Package}\t${Version}\t${Architecture}\t${db:Status-Abbrev}`). Lines with an
/// empty version (known but not installed) and status `un`/`rc`/`pn`/`in` are skipped.
pub fn parse_query(text: &str, path: &Path) -> Result<Vec<Package>, Error> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let (name, version, arch, abbrev) = match cols.as_slice() {
            [n, v] => (*n, *v, None, None),
            [n, v, a] => (*n, *v, Some(*a), None),
            [n, v, a, s] => (*n, *v, Some(*a), Some(*s)),
            _ => {
                return Err(bad(
                    path,
                    i + 1,
                    format!("expected `name<TAB>version[<TAB>arch<TAB>status]`, got `{line}`"),
                ));
            }
        };
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(bad(path, i + 1, format!("invalid package name `{name}`")));
        }
        if version.is_empty() {
            continue;
        }
        let selection = match abbrev {
            Some(s) => {
                let b = s.as_bytes();
                if b.len() < 2 {
                    return Err(bad(
                        path,
                        i + 1,
                        format!("invalid status abbreviation `{s}`"),
                    ));
                }
                if matches!(b[1], b'n' | b'c') {
                    continue;
                }
                Some(
                    match b[0] {
                        b'i' => "install",
                        b'h' => "hold",
                        b'r' => "deinstall",
                        b'p' => "purge",
                        _ => "unknown",
                    }
                    .to_string(),
                )
            }
            None => None,
        };
        fleetpin_debian::Version::parse(version)
            .map_err(|e| bad(path, i + 1, format!("package `{name}`: {e}")))?;
        let (name, arch) = match (name.split_once(':'), arch) {
            (Some((n, a)), None) => (n, Some(a)),
            (Some((n, _)), Some(a)) => (n, Some(a)),
            (None, a) => (name, a),
        };
        out.push(Package {
            name: name.to_string(),
            version: version.to_string(),
            arch: arch.filter(|a| !a.is_empty()).map(str::to_string),
            selection,
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
        let err = parse_status("Package: x\nStatus: install ok installed\nVersion: 1.0\n\nPackage: y\nStatus: install ok installed\nVersion: 1:\n", Path::new("s"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("s:5: package `y`"), "{err}");
        assert!(
            parse_status("garbage line\n", Path::new("s"))
                .unwrap_err()
                .to_string()
                .starts_with("s:1:")
        );
    }

    #[test]
    fn query_output() {
        let text = "bash\t5.0-4\tamd64\tii \ndocker-ce\t5:23.0.1-1~debian.10~buster\tamd64\thi \nold\t1.0\tamd64\trc \nlibc6:i386\t2.28-10\nnotthere\t\n";
        let p = parse_query(text, Path::new("q")).unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(p[1].held(), Some(true));
        assert_eq!(
            (p[2].name.as_str(), p[2].arch.as_deref()),
            ("libc6", Some("i386"))
        );
        assert!(parse_query("just-one-column\n", Path::new("q")).is_err());
    }

    #[test]
    fn rpm_output() {
        let p = parse_rpm_qa("bash\t(none)\t5.1.8\t6.el9\tx86_64\nperl-IO\t1\t1.46\t480.el9\tx86_64\ngpg-pubkey\t(none)\tfd431d51\t4ae0493b\t(none)\n", Path::new("r")).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].version, "1:1.46-480.el9");
    }
}
