//! What every package-manager parser shares: pip detection, install options, and recording
//! installs and upgrades.

use super::*;

/// `pip`, `pip3`, `pip3.11`, `python3 -m pip`, `uv pip`, `pipx`: index of the subcommand.
pub(super) fn is_pip(r: &Resolved) -> Option<usize> {
    let n = r.name.as_str();
    let is_pip_name = |s: &str| {
        s == "pip"
            || s.strip_prefix("pip")
                .is_some_and(|v| v.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
    };
    if is_pip_name(n) || n == "pipx" {
        return Some(1);
    }
    if n.starts_with("python") || n == "py" {
        let mut k = 1;
        while let Some(a) = r.argv.get(k) {
            if a.is("-m") {
                let m = r.argv.get(k + 1)?;
                return (is_pip_name(&m.text) || m.is("pipx")).then_some(k + 2);
            }
            if a.text.starts_with('-') {
                k += 1;
                continue;
            }
            return None;
        }
        return None;
    }
    if n == "uv" && r.argv.get(1).is_some_and(|a| a.is("pip") || a.is("tool")) {
        return Some(2);
    }
    None
}

/// What an install command says besides its packages; most managers set none of it.
#[derive(Default)]
pub(super) struct InstallOpts {
    /// `-U`, `--upgrade`, `only_upgrade`: named packages float to the newest version.
    pub(super) upgrade_flag: Option<Word>,
    /// `-t RELEASE` (apt).
    pub(super) target_release: Option<Word>,
    /// `-g` (npm and friends).
    pub(super) global: bool,
    /// `-r FILE` (pip): versions live in the file.
    pub(super) requirement_files: Vec<Word>,
    /// `-c FILE` (pip).
    pub(super) constraint_files: Vec<Word>,
}

pub(super) fn strength_with_upgrade(s: PinStrength, upgrade: bool) -> PinStrength {
    if upgrade && s == PinStrength::None {
        PinStrength::Floating
    } else {
        s
    }
}

impl Cx<'_, '_> {
    /// `zypper update foo bar`: the named packages move to the newest version the manager
    /// offers, each judged by its own spec.
    pub(super) fn push_named_upgrade(
        &mut self,
        r: &Resolved,
        manager: Manager,
        sub: &Arg,
        rest: &[&Arg],
    ) {
        let pkgs = self.upgraded_packages(manager, rest);
        self.push_install(
            r,
            manager,
            Some(sub),
            pkgs,
            InstallOpts {
                upgrade_flag: Some(sub.word()),
                ..InstallOpts::default()
            },
        );
    }

    /// Packages named on an upgrade command line (`zypper update foo`): each one floats to the
    /// newest version unless its spec pins it.
    pub(super) fn upgraded_packages(&self, manager: Manager, args: &[&Arg]) -> Vec<Package> {
        args.iter()
            .map(|a| {
                let mut p = self.package(manager, a);
                p.strength = strength_with_upgrade(p.strength, true);
                p
            })
            .collect()
    }

    pub(super) fn package(&self, manager: Manager, a: &Arg) -> Package {
        let parsed = pin::parse_spec(manager, &a.text);
        let in_name = parsed.name.matches(UNRESOLVED_MARK).count();
        let raws = &a.unresolved_raw;
        Package {
            spec: a.display().to_owned(),
            name: restore_unresolved(parsed.name, raws),
            version: parsed
                .version
                .map(|v| restore_unresolved(v, raws.get(in_name..).unwrap_or(&[]))),
            strength: parsed.strength,
            source: parsed.source,
            range: a.range.clone(),
            unresolved: a.unresolved.clone(),
            substituted: a.substituted.clone(),
            note: None,
        }
    }

    pub(super) fn stdin_package(&self, r: &Resolved) -> Package {
        Package {
            spec: "<stdin>".to_owned(),
            name: "<stdin>".to_owned(),
            version: None,
            strength: PinStrength::Unresolved,
            source: PackageSource::Registry,
            range: r.argv[0].range.clone(),
            unresolved: vec!["xargs".to_owned()],
            substituted: Vec::new(),
            note: Some("packages are read from standard input by xargs".to_owned()),
        }
    }

    pub(super) fn push_install(
        &mut self,
        r: &Resolved,
        manager: Manager,
        sub: Option<&Arg>,
        pkgs: Vec<Package>,
        opts: InstallOpts,
    ) {
        let InstallOpts {
            upgrade_flag,
            target_release,
            global,
            requirement_files,
            constraint_files,
        } = opts;
        let mut packages = pkgs;
        if r.xargs {
            packages.push(self.stdin_package(r));
        }
        // `pip install foo>=1` unquoted: the shell redirects to a file named `=1`.
        for p in &mut packages {
            if let Some((_, t)) = r.redirects.iter().find(|(at, _)| *at == p.range.end) {
                p.note = Some(format!(
                    "unquoted `{t}` after `{}` is a shell redirection, not a version \
                     constraint: quote the spec",
                    p.spec
                ));
            }
        }
        if packages.is_empty() && requirement_files.is_empty() && constraint_files.is_empty() {
            return;
        }
        self.out.installs.push(Install {
            manager,
            program: r.argv[0].word(),
            subcommand: sub.map(|s| s.display().to_owned()),
            range: r.range.clone(),
            packages,
            requirement_files,
            constraint_files,
            upgrade_flag,
            target_release,
            global,
        });
    }

    pub(super) fn push_upgrade(&mut self, r: &Resolved, manager: Manager, sub: Word) {
        self.out.upgrades.push(Upgrade {
            manager,
            program: r.argv[0].word(),
            subcommand: sub,
            range: r.range.clone(),
        });
    }
}

/// Put the unresolved expansions back (as written) in place of the markers.
pub(super) fn restore_unresolved(s: String, raws: &[String]) -> String {
    if !s.contains(UNRESOLVED_MARK) {
        return s;
    }
    let mut out = String::with_capacity(s.len());
    let mut names = raws.iter();
    for c in s.chars() {
        if c == UNRESOLVED_MARK {
            match names.next() {
                Some(n) => out.push_str(n),
                None => out.push('$'),
            }
        } else {
            out.push(c);
        }
    }
    out
}
