//! `dnf`, `dnf5`, `yum`, `microdnf`, `tdnf`.

use super::*;

impl Cx<'_, '_> {
    pub(super) fn dnf(&mut self, r: &Resolved) {
        let p = parse_opts(
            &r.argv[1..],
            b"cdexR",
            &[
                "--enablerepo",
                "--disablerepo",
                "--repo",
                "--repoid",
                "--setopt",
                "--releasever",
                "--installroot",
                "--exclude",
                "--excludepkgs",
                "--config",
                "--color",
                "--downloaddir",
                "--destdir",
                "--comment",
                "--advisory",
                "--forcearch",
                "--rpmverbosity",
                "--setopt",
                "--nodocs-ignored",
            ],
        );
        let Some(sub) = p.pos.first().copied() else {
            return;
        };
        let mut rest: Vec<&Arg> = p.pos[1..].to_vec();
        let mut sub_word = sub.word();
        let mut text = sub.text.clone();
        if (text == "group" || text == "groups") && !rest.is_empty() {
            sub_word = rest[0].word();
            text = format!("group{}", rest[0].text);
            rest.remove(0);
        }
        match text.as_str() {
            "install" | "in" | "localinstall" | "groupinstall" => {
                let pkgs = rest
                    .iter()
                    .map(|a| {
                        let mut p = self.package(Manager::Dnf, a);
                        if text == "groupinstall" {
                            p.strength = PinStrength::None;
                        }
                        p
                    })
                    .collect();
                self.push_install(r, Manager::Dnf, Some(sub), pkgs, InstallOpts::default());
            }
            "update" | "upgrade" | "up" | "upgrade-minimal" | "update-minimal" | "distro-sync"
            | "distrosync" | "dsync" | "dist-upgrade" | "groupupdate" | "groupupgrade" => {
                if rest.is_empty() && !r.xargs {
                    self.push_upgrade(r, Manager::Dnf, sub_word);
                } else {
                    let pkgs = self.upgraded_packages(Manager::Dnf, &rest);
                    self.push_install(
                        r,
                        Manager::Dnf,
                        Some(sub),
                        pkgs,
                        InstallOpts {
                            upgrade_flag: Some(sub_word),
                            ..InstallOpts::default()
                        },
                    );
                }
            }
            _ => {}
        }
    }
}
