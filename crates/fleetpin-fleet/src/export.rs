//! `fleetpin lock export`: the lock in the forms apt, dpkg and Ansible act on, so the fleet
//! stays at the versions `fleetpin.lock` records.
//!
//! - [`ExportFormat::AptPreferences`]: an `/etc/apt/preferences.d/` file with one stanza per
//!   package, `Pin: version VER` at priority [`PIN_PRIORITY`] (above 1000: apt neither
//!   upgrades past the lock nor lets `state: latest` move it, and brings a host that drifted
//!   ahead back down).
//! - [`ExportFormat::DpkgSelections`]: `dpkg --set-selections` input holding every package.
//! - [`ExportFormat::AnsibleVars`]: a group_vars file with one map, `fleetpin_versions`,
//!   package key → locked version: tasks read `{{ fleetpin_versions['docker-ce'] }}`, and a
//!   version bump is one line in one file.
//! - [`ExportFormat::AnsibleTasks`]: a task file that writes the apt preferences file from
//!   `fleetpin_versions` on each host, so the vars file stays the one place versions live.
//!
//! Which packages: those of one lock group ([`ExportOptions::group`]), or, without a group,
//! of every group — refused with [`Error::ExportConflict`] when groups lock a package at
//! different versions, since one file cannot hold both.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::Error;
use crate::lock::{DEFAULT_GROUP, Lock, Locked};

/// The apt pin priority of every exported stanza: above 1000, so the locked version is the
/// candidate even when newer ones are available (and even when it is a downgrade).
pub const PIN_PRIORITY: u32 = 1001;

/// The Ansible variable [`ExportFormat::AnsibleVars`] writes and
/// [`ExportFormat::AnsibleTasks`] reads.
pub const ANSIBLE_VAR: &str = "fleetpin_versions";

/// Where the task file writes the preferences file unless `fleetpin_apt_preferences_file`
/// says otherwise. Its name has no extension: apt reads only files without one or ending in
/// `.pref` from `preferences.d`.
pub const APT_PREFERENCES_FILE: &str = "/etc/apt/preferences.d/fleetpin";

/// An output format of `fleetpin lock export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// apt preferences pinning every package (`/etc/apt/preferences.d/fleetpin`).
    AptPreferences,
    /// `dpkg --set-selections` input with `hold` for every package.
    DpkgSelections,
    /// An Ansible group_vars file: `fleetpin_versions: {package: version}`.
    AnsibleVars,
    /// An Ansible task file installing the apt preferences from `fleetpin_versions`.
    AnsibleTasks,
}

impl ExportFormat {
    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::AptPreferences => "apt-preferences",
            ExportFormat::DpkgSelections => "dpkg-selections",
            ExportFormat::AnsibleVars => "ansible-vars",
            ExportFormat::AnsibleTasks => "ansible-tasks",
        }
    }
}

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// The format.
    pub format: ExportFormat,
    /// One lock group (`all` for hosts in no `group-by` group); `None`: every group, which
    /// must agree.
    pub group: Option<String>,
    /// The hosts' native architecture (`dpkg --print-architecture`). The lock names native
    /// packages without one; dpkg needs it for a package also installed for a foreign
    /// architecture (`libc6` beside `libc6:i386`), so `dpkg-selections` refuses such a lock
    /// without it.
    pub native_arch: Option<String>,
}

/// Lock groups that lock one package at different versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportConflict {
    /// The package key.
    pub package: String,
    /// (group, version), by group.
    pub versions: Vec<(String, String)>,
}

impl std::fmt::Display for ExportConflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}`: ", self.package)?;
        for (i, (g, v)) in self.versions.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{v} in `{g}`")?;
        }
        Ok(())
    }
}

/// The packages an export covers: package key → (version, the group it came from).
pub fn packages_for<'l>(
    lock: &'l Lock,
    group: Option<&str>,
    path: &Path,
) -> Result<BTreeMap<&'l str, (&'l Locked, &'l str)>, Error> {
    if let Some(g) = group {
        let Some(pkgs) = lock.groups.get(g) else {
            return Err(Error::UnknownGroup {
                path: path.to_path_buf(),
                group: g.to_string(),
                known: lock.groups.keys().cloned().collect(),
            });
        };
        return Ok(pkgs
            .iter()
            .map(|(k, l)| (k.as_str(), (l, g_str(lock, g))))
            .collect());
    }
    let mut out: BTreeMap<&str, (&Locked, &str)> = BTreeMap::new();
    let mut conflicts: BTreeMap<&str, Vec<(String, String)>> = BTreeMap::new();
    for (g, pkgs) in &lock.groups {
        for (k, l) in pkgs {
            match out.get(k.as_str()) {
                None => {
                    out.insert(k, (l, g));
                }
                Some((first, first_group)) if first.version != l.version => {
                    let c = conflicts
                        .entry(k)
                        .or_insert_with(|| vec![(first_group.to_string(), first.version.clone())]);
                    c.push((g.clone(), l.version.clone()));
                }
                Some(_) => {}
            }
        }
    }
    if !conflicts.is_empty() {
        return Err(Error::ExportConflict {
            path: path.to_path_buf(),
            conflicts: conflicts
                .into_iter()
                .map(|(package, versions)| ExportConflict {
                    package: package.to_string(),
                    versions,
                })
                .collect(),
        });
    }
    Ok(out)
}

/// `s` with control characters (line breaks included) shown as `?`.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

fn command_line(opts: &ExportOptions) -> String {
    format!(
        "fleetpin lock export --format {}{}",
        opts.format.as_str(),
        opts.group
            .as_ref()
            .map_or(String::new(), |g| format!(" --group {g}"))
    )
}

fn g_str<'l>(lock: &'l Lock, g: &str) -> &'l str {
    lock.groups
        .get_key_value(g)
        .map_or(DEFAULT_GROUP, |(k, _)| k.as_str())
}

/// Exports `lock` (read from `path`, which the output names) in `opts.format`.
pub fn export(lock: &Lock, path: &Path, opts: &ExportOptions) -> Result<String, Error> {
    if opts.format == ExportFormat::AnsibleTasks {
        // Versions come from the vars file on each host; the lock only names the command.
        if let Some(g) = &opts.group {
            packages_for(lock, Some(g), path)?;
        }
        return Ok(ansible_tasks(&one_line(&command_line(opts))));
    }
    let pkgs = packages_for(lock, opts.group.as_deref(), path)?;
    let scope = match &opts.group {
        Some(g) => format!("lock group `{g}`"),
        None => "every lock group".to_string(),
    };
    let command = command_line(opts);
    let bad = |package: &str, l: &Locked, group: &str, reason: String| Error::NotExportable {
        path: path.to_path_buf(),
        group: group.to_string(),
        package: package.to_string(),
        version: l.version.clone(),
        reason,
    };
    for (k, (l, g)) in &pkgs {
        check_package_key(k).map_err(|why| bad(k, l, g, why))?;
        if opts.format != ExportFormat::AnsibleVars {
            crate::PackageManager::Dpkg
                .check_version(&l.version)
                .map_err(|why| bad(k, l, g, format!("{why} (apt and dpkg need one)")))?;
        }
        if l.version
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(bad(k, l, g, "the version contains white space".into()));
        }
    }
    // Header comments are one line each: a path or group name with a line break in it must
    // not end the comment and become a stanza or a YAML key.
    let origin = one_line(&path.display().to_string());
    let (scope, command) = (one_line(&scope), one_line(&command));
    let mut s = String::new();
    match opts.format {
        ExportFormat::AptPreferences => {
            let _ = writeln!(
                s,
                "# apt preferences: every package of {scope} in {origin},\n\
                 # pinned to its locked version at priority {PIN_PRIORITY} (apt installs it even over a\n\
                 # newer one, and downgrades a host that drifted ahead).\n\
                 # Written by `{command}`.\n\
                 # Install as {APT_PREFERENCES_FILE}; check with `apt-cache policy PACKAGE`."
            );
            // By key: `Package: foo` pins the native architecture only, `foo:i386` the
            // foreign one (apt 2.6; the oracle test checks both), so order does not matter.
            for (k, (l, _)) in &pkgs {
                let _ = write!(
                    s,
                    "\nPackage: {k}\nPin: version {}\nPin-Priority: {PIN_PRIORITY}\n",
                    apt_version_pin(&l.version)
                );
            }
        }
        ExportFormat::DpkgSelections => {
            let _ = writeln!(
                s,
                "# dpkg selections: hold every package of {scope} in {origin}.\n\
                 # Written by `{command}`.\n\
                 # Apply with `dpkg --set-selections < FILE` (or `apt-mark hold`); undo with `unhold`."
            );
            for (k, (l, g)) in &pkgs {
                // `libc6` beside `libc6:i386`: two installed instances, and dpkg refuses the
                // bare name as ambiguous.
                let foreign = pkgs
                    .range::<str, _>((std::ops::Bound::Excluded(*k), std::ops::Bound::Unbounded))
                    .map(|(other, _)| *other)
                    .take_while(|other| other.starts_with(*k))
                    .find(|other| other.as_bytes().get(k.len()) == Some(&b':'));
                match (foreign, &opts.native_arch, k.contains(':')) {
                    (Some(_), Some(arch), false) => {
                        let _ = writeln!(s, "{k}:{arch} hold");
                    }
                    (Some(other), None, false) => {
                        return Err(bad(
                            k,
                            l,
                            g,
                            format!(
                                "`{other}` is locked too, so dpkg needs the native architecture to tell them apart (pass --native-arch ARCH)"
                            ),
                        ));
                    }
                    _ => {
                        let _ = writeln!(s, "{k} hold");
                    }
                }
            }
        }
        ExportFormat::AnsibleVars => {
            let _ = writeln!(
                s,
                "---\n\
                 # The versions of {scope} in {origin}.\n\
                 # Written by `{command}`.\n\
                 # Put it in group_vars/GROUP/fleetpin.yml for the Ansible group these hosts form.\n\
                 # Tasks read a version as \"docker-ce={{{{ {ANSIBLE_VAR}['docker-ce'] }}}}\";\n\
                 # a version bump is one line here. Keys are package names as dpkg and rpm\n\
                 # spell them (`name:arch` for a foreign architecture)."
            );
            if pkgs.is_empty() {
                let _ = writeln!(s, "{ANSIBLE_VAR}: {{}}");
            } else {
                let _ = writeln!(s, "{ANSIBLE_VAR}:");
                for (k, (l, _)) in &pkgs {
                    let _ = writeln!(s, "  {}: {}", yaml_quote(k), yaml_quote(&l.version));
                }
            }
        }
        ExportFormat::AnsibleTasks => unreachable!("returned above"),
    }
    Ok(s)
}

/// A package key as the lock writes it: `name` or `name:arch`, dpkg's characters only
/// (rpm names are a superset we do not need here, but nothing of them can break the file).
fn check_package_key(k: &str) -> Result<(), String> {
    let ok = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-' | '_' | ':' | '~'))
        && k.matches(':').count() <= 1
        && !k.starts_with(':')
        && !k.ends_with(':');
    if ok {
        Ok(())
    } else {
        Err("not a package name (`name` or `name:arch`)".into())
    }
}

/// The `Pin: version` value that matches exactly `version`. apt compares a plain value with
/// the whole version string (epoch included), so Debian's characters (`A-Za-z0-9.+~:-`) are
/// written as they are; anything else (a `*`, `?` or `[` would be read as a glob) becomes an
/// anchored POSIX regular expression, `/^…$/`, with every other character escaped.
pub fn apt_version_pin(version: &str) -> String {
    if version
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '~' | ':' | '-'))
    {
        return version.to_string();
    }
    let mut re = String::from("/^");
    for c in version.chars() {
        if !c.is_ascii_alphanumeric() {
            re.push('\\');
        }
        re.push(c);
    }
    re.push_str("$/");
    re
}

/// A YAML double-quoted scalar: the escapes of a TOML basic string (`\"`, `\\`, `\n`, `\t`,
/// `\r`, `\uXXXX`) mean the same in YAML.
fn yaml_quote(s: &str) -> String {
    crate::lock::quote(s)
}

/// The task file: checks `fleetpin_versions`, then writes the preferences file from it with
/// the same rules as [`apt_version_pin`].
fn ansible_tasks(command: &str) -> String {
    format!(
        r#"---
# Installs apt preferences pinning every package in `{var}` (the vars file
# `fleetpin lock export --format ansible-vars` writes) to its version at priority {prio}.
# Written by `{command}`. Use it in a play that targets Debian hosts:
#   - ansible.builtin.import_tasks: fleetpin-apt-pins.yml
# Set `fleetpin_apt_preferences_file` to write elsewhere than {file}.
- name: Check that the locked versions are loaded
  ansible.builtin.assert:
    that:
      - {var} is defined
      - {var} is mapping
    fail_msg: >-
      `{var}` is not set for {{{{ inventory_hostname }}}}: put the file
      `fleetpin lock export --format ansible-vars --group GROUP` writes in group_vars/GROUP/
    quiet: true

- name: Pin apt packages to the versions in fleetpin.lock
  ansible.builtin.copy:
    dest: "{{{{ fleetpin_apt_preferences_file | default('{file}') }}}}"
    mode: "0644"
    content: |
      # Written by Ansible from `{var}` (fleetpin.lock); do not edit here.
      {{% for package, version in {var} | dictsort %}}

      Package: {{{{ package }}}}
      Pin: version {{{{ version if version is match('^[A-Za-z0-9.+~:-]+$') else '/^' ~ (version | regex_replace('([^A-Za-z0-9])', '\\\1')) ~ '$/' }}}}
      Pin-Priority: {prio}
      {{% endfor %}}
"#,
        var = ANSIBLE_VAR,
        prio = PIN_PRIORITY,
        file = APT_PREFERENCES_FILE,
    )
}

/// Writes an export to `path` atomically (temporary file beside it, fsync, rename): the
/// permissions of the file it replaces, else `0644` (apt and Ansible read these files as
/// other users than the one who exports).
pub fn write(path: &Path, text: &str) -> Result<(), Error> {
    use std::io::Write as _;
    use std::os::unix::fs::PermissionsExt as _;
    let io = |error| Error::Io {
        path: path.to_path_buf(),
        error,
    };
    let perms = match std::fs::metadata(path) {
        Ok(m) => m.permissions(),
        Err(_) => std::fs::Permissions::from_mode(0o644),
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".fleetpin-export-")
        .tempfile_in(dir)
        .map_err(io)?;
    tmp.write_all(text.as_bytes()).map_err(io)?;
    tmp.as_file().set_permissions(perms).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// Where `--format ansible-vars --group G` output belongs in an Ansible tree:
/// `group_vars/G/fleetpin.yml` (`all` for the default group). `None` for a group Ansible
/// cannot name (`os:debian-12`): see docs/lock-export.md for `group_by`.
pub fn ansible_vars_path(group: &str) -> Option<PathBuf> {
    let valid = !group.is_empty()
        && !group.starts_with(|c: char| c.is_ascii_digit())
        && group.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    valid.then(|| Path::new("group_vars").join(group).join("fleetpin.yml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock(text: &str) -> Lock {
        Lock::parse(text, Path::new("fleetpin.lock")).unwrap()
    }

    const TWO_GROUPS: &str = r#"version = 1
group-by = ["workers"]
scope = "all"
prefer = []

[packages]
"libc6:i386" = "2.36-9+deb12u4"
apparmor = "3.0.8-3"
docker-ce = { version = "5:23.0.1-1~debian.10~buster", hold = true }

[groups.workers.packages]
apparmor = "3.0.8-3"
docker-ce = "5:24.0.7-1~debian.12~bookworm"
"#;

    #[test]
    fn a_group_exports_its_own_table() {
        let l = lock(TWO_GROUPS);
        let opts = ExportOptions {
            format: ExportFormat::AptPreferences,
            group: Some("workers".into()),
            native_arch: None,
        };
        let out = export(&l, Path::new("fleetpin.lock"), &opts).unwrap();
        assert!(out.contains(
            "\nPackage: docker-ce\nPin: version 5:24.0.7-1~debian.12~bookworm\nPin-Priority: 1001\n"
        ));
        assert!(!out.contains("libc6"));
        let all = export(
            &l,
            Path::new("fleetpin.lock"),
            &ExportOptions {
                group: Some("all".into()),
                ..opts.clone()
            },
        )
        .unwrap();
        assert!(all.contains("\nPackage: libc6:i386\nPin: version 2.36-9+deb12u4\n"));
    }

    #[test]
    fn groups_that_disagree_cannot_share_one_file() {
        let l = lock(TWO_GROUPS);
        let err = export(
            &l,
            Path::new("fleetpin.lock"),
            &ExportOptions {
                format: ExportFormat::DpkgSelections,
                group: None,

                native_arch: None,
            },
        )
        .unwrap_err();
        let Error::ExportConflict { conflicts, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(
            conflicts,
            &[ExportConflict {
                package: "docker-ce".into(),
                versions: vec![
                    ("all".into(), "5:23.0.1-1~debian.10~buster".into()),
                    ("workers".into(), "5:24.0.7-1~debian.12~bookworm".into())
                ]
            }]
        );
        let msg = err.to_string();
        assert!(
            msg.contains("fleetpin.lock: lock groups disagree on 1 package"),
            "{msg}"
        );
        assert!(msg.contains("--group GROUP"), "{msg}");
        // Groups that agree merge.
        let agreeing = TWO_GROUPS.replace(
            "5:24.0.7-1~debian.12~bookworm",
            "5:23.0.1-1~debian.10~buster",
        );
        let out = export(
            &lock(&agreeing),
            Path::new("fleetpin.lock"),
            &ExportOptions {
                format: ExportFormat::DpkgSelections,
                group: None,

                native_arch: None,
            },
        )
        .unwrap();
        let body: Vec<&str> = out.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(body, ["apparmor hold", "docker-ce hold", "libc6:i386 hold"]);
    }

    #[test]
    fn unknown_group_names_the_known_ones() {
        let err = export(
            &lock(TWO_GROUPS),
            Path::new("x/fleetpin.lock"),
            &ExportOptions {
                format: ExportFormat::AnsibleVars,
                group: Some("db".into()),
                native_arch: None,
            },
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "x/fleetpin.lock: no lock group `db` (the lock has: all, workers)"
        );
    }

    #[test]
    fn odd_versions_and_names() {
        // dpkg accepts `^` with a warning (an rpm-style version in a lock that does not say
        // which manager a group uses): the pin becomes an escaped regex.
        let l = lock(
            "version = 1\ngroup-by = []\nscope = \"all\"\nprefer = []\n[packages]\nkernel = \"5.14.0^git1\"\n",
        );
        let opts = ExportOptions {
            format: ExportFormat::AptPreferences,
            group: None,

            native_arch: None,
        };
        let out = export(&l, Path::new("fleetpin.lock"), &opts).unwrap();
        assert!(out.contains("Pin: version /^5\\.14\\.0\\^git1$/"), "{out}");
        // A key that is no package name would break the file: a named error.
        let l = lock(
            "version = 1\ngroup-by = []\nscope = \"all\"\nprefer = []\n[packages]\n\"a b\" = \"1.0\"\n",
        );
        let err = export(&l, Path::new("fleetpin.lock"), &opts).unwrap_err();
        assert_eq!(
            err.to_string(),
            "fleetpin.lock: cannot export `a b` = `1.0` (group `all`): not a package name (`name` or `name:arch`)"
        );
        // A version dpkg rejects (the lock parser already refuses it; built by hand here).
        let mut l = lock("version = 1\n");
        l.groups.get_mut(DEFAULT_GROUP).unwrap().insert(
            "x".into(),
            Locked {
                version: "1:".into(),
                hold: false,
            },
        );
        match export(&l, Path::new("fleetpin.lock"), &opts) {
            Err(Error::NotExportable {
                package, reason, ..
            }) => {
                assert_eq!(package, "x");
                assert!(reason.contains("dpkg"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn dpkg_needs_the_native_arch_beside_a_foreign_one() {
        let text = "version = 1\n[packages]\nlibc6 = \"2.36-9\"\n\"libc6:i386\" = \"2.36-9\"\nlibc6-dev = \"2.36-9\"\n";
        let l = lock(text);
        let mut opts = ExportOptions {
            format: ExportFormat::DpkgSelections,
            group: None,
            native_arch: None,
        };
        let err = export(&l, Path::new("fleetpin.lock"), &opts).unwrap_err();
        assert!(
            matches!(&err, Error::NotExportable { package, .. } if package == "libc6"),
            "{err}"
        );
        opts.native_arch = Some("amd64".into());
        let out = export(&l, Path::new("fleetpin.lock"), &opts).unwrap();
        let body: Vec<&str> = out.lines().filter(|l| !l.starts_with('#')).collect();
        // `libc6-dev` sorts between them and has no foreign sibling: left bare.
        assert_eq!(
            body,
            ["libc6:amd64 hold", "libc6-dev hold", "libc6:i386 hold"]
        );
    }

    #[test]
    fn pins_are_exact() {
        assert_eq!(apt_version_pin("1:2.0~rc1-1+b2"), "1:2.0~rc1-1+b2");
        assert_eq!(apt_version_pin("1.0*"), "/^1\\.0\\*$/");
        assert_eq!(apt_version_pin("1.[0]"), "/^1\\.\\[0\\]$/");
    }

    #[test]
    fn vars_are_quoted_yaml() {
        let out = export(
            &lock(TWO_GROUPS),
            Path::new("fleetpin.lock"),
            &ExportOptions {
                format: ExportFormat::AnsibleVars,
                group: Some("all".into()),
                native_arch: None,
            },
        )
        .unwrap();
        assert!(out.starts_with("---\n"));
        assert!(
            out.contains("\nfleetpin_versions:\n  \"apparmor\": \"3.0.8-3\"\n"),
            "{out}"
        );
        assert!(out.contains("  \"libc6:i386\": \"2.36-9+deb12u4\"\n"));
        assert_eq!(yaml_quote("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
    }

    #[test]
    fn writes_are_atomic_and_keep_permissions() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("sub/fleetpin.pref");
        write(&out, "a\n").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&out), 0o644);
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o600)).unwrap();
        write(&out, "b\n").unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "b\n");
        assert_eq!(mode(&out), 0o600);
        let names: Vec<_> = std::fs::read_dir(out.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["fleetpin.pref"]);
        // A path below a file: a named error, nothing written.
        let err = write(&out.join("x"), "c").unwrap_err();
        assert!(err.to_string().contains("fleetpin.pref/x"), "{err}");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "b\n");
    }

    #[test]
    fn header_comments_stay_one_line() {
        let l = lock("version = 1\n[packages]\nfoo = \"1.0\"\n");
        for format in [
            ExportFormat::AptPreferences,
            ExportFormat::DpkgSelections,
            ExportFormat::AnsibleVars,
        ] {
            let out = export(
                &l,
                Path::new("evil\nPackage: *\nPin-Priority: -1\n.lock"),
                &ExportOptions {
                    format,
                    group: None,
                    native_arch: None,
                },
            )
            .unwrap();
            assert!(!out.contains("\nPackage: *"), "{out}");
            assert!(!out.contains("\nPin-Priority: -1"), "{out}");
        }
    }

    #[test]
    fn vars_paths() {
        assert_eq!(
            ansible_vars_path("workers"),
            Some(PathBuf::from("group_vars/workers/fleetpin.yml"))
        );
        assert_eq!(ansible_vars_path("os:debian-12"), None);
    }
}
