//! `apt`, `apt-get`, `aptitude`.

use super::*;

impl Cx<'_, '_> {
    pub(super) fn apt(&mut self, r: &Resolved) {
        let p = parse_opts(
            &r.argv[1..],
            b"otca",
            &[
                "--option",
                "--target-release",
                "--default-release",
                "--config-file",
                "--host-architecture",
                "--target",
            ],
        );
        let Some(sub) = p.pos.first().copied() else {
            return;
        };
        let mut target = p
            .has(&["-t", "--target-release", "--default-release", "--target"])
            .and_then(|o| o.value.clone());
        if target.is_none() {
            target = p
                .opts
                .iter()
                .filter(|o| o.name == "-o" || o.name == "--option")
                .filter_map(|o| o.value.as_ref())
                .find_map(|v| {
                    let (k, val) = v.text.split_once('=')?;
                    k.eq_ignore_ascii_case("APT::Default-Release")
                        .then(|| Word {
                            text: val.to_owned(),
                            range: v.range.clone(),
                        })
                });
        }
        let only_upgrade = p.has(&["--only-upgrade"]).map(Opt::word);
        let rest = &p.pos[1..];
        match sub.text.as_str() {
            "install" | "satisfy" => {
                let mut pkgs = Vec::new();
                for a in rest {
                    // `pkg-` removes, `pkg+` installs (apt-get's per-package action suffix).
                    if a.text.ends_with('-') && !a.text.ends_with("--") && a.text.len() > 1 {
                        continue;
                    }
                    let mut arg = (*a).clone();
                    if arg.text.ends_with('+') {
                        arg.display.get_or_insert_with(|| arg.text.clone());
                        arg.text.pop();
                    }
                    let mut pkg = self.package(Manager::Apt, &arg);
                    if target.is_some() && pkg.strength == PinStrength::None {
                        pkg.strength = PinStrength::Floating;
                    }
                    pkg.strength = strength_with_upgrade(pkg.strength, only_upgrade.is_some());
                    pkgs.push(pkg);
                }
                self.push_install(
                    r,
                    Manager::Apt,
                    Some(sub),
                    pkgs,
                    InstallOpts {
                        upgrade_flag: only_upgrade,
                        target_release: target,
                        ..InstallOpts::default()
                    },
                );
            }
            "upgrade" | "dist-upgrade" | "full-upgrade" | "safe-upgrade" => {
                if rest.is_empty() && !r.xargs {
                    self.push_upgrade(r, Manager::Apt, sub.word());
                } else {
                    let pkgs = self.upgraded_packages(Manager::Apt, rest);
                    self.push_install(
                        r,
                        Manager::Apt,
                        Some(sub),
                        pkgs,
                        InstallOpts {
                            upgrade_flag: Some(sub.word()),
                            target_release: target,
                            ..InstallOpts::default()
                        },
                    );
                }
            }
            _ => {}
        }
    }
}
