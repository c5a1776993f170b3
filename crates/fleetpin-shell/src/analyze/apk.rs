//! `apk` (Alpine).

use super::*;

impl Cx<'_, '_> {
    pub(super) fn apk(&mut self, r: &Resolved) {
        let p = parse_opts(
            &r.argv[1..],
            b"tXpQ",
            &[
                "--virtual",
                "--repository",
                "--root",
                "--arch",
                "--cache-dir",
                "--keys-dir",
                "--repositories-file",
                "--timeout",
            ],
        );
        let Some(sub) = p.pos.first().copied() else {
            return;
        };
        let rest = &p.pos[1..];
        let upgrade = p.has(&["-u", "--upgrade", "-l", "--latest"]).map(Opt::word);
        match sub.text.as_str() {
            "add" => {
                let pkgs = rest
                    .iter()
                    .map(|a| {
                        let mut pkg = self.package(Manager::Apk, a);
                        pkg.strength = strength_with_upgrade(pkg.strength, upgrade.is_some());
                        pkg
                    })
                    .collect();
                self.push_install(
                    r,
                    Manager::Apk,
                    Some(sub),
                    pkgs,
                    InstallOpts {
                        upgrade_flag: upgrade,
                        ..InstallOpts::default()
                    },
                );
            }
            "upgrade" => {
                if rest.is_empty() && !r.xargs {
                    self.push_upgrade(r, Manager::Apk, sub.word());
                } else {
                    self.push_named_upgrade(r, Manager::Apk, sub, rest);
                }
            }
            _ => {}
        }
    }
}
