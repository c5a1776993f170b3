//! `npm`, `yarn`, `pnpm`, `bun`.

use super::*;

impl Cx<'_, '_> {
    pub(super) fn npm(&mut self, r: &Resolved) {
        let name = r.name.as_str();
        let p = parse_opts(
            &r.argv[1..],
            b"wCF",
            &[
                "--prefix",
                "--registry",
                "--cache",
                "--userconfig",
                "--omit",
                "--include",
                "--tag",
                "--workspace",
                "--loglevel",
                "--install-strategy",
                "--cwd",
                "--modules-folder",
                "--cache-folder",
                "--network-timeout",
                "--filter",
                "--dir",
                "--store-dir",
                "--location",
            ],
        );
        let mut pos: Vec<&Arg> = p.pos.clone();
        let mut global = p.has(&["-g", "--global"]).is_some()
            || p.has(&["--location"])
                .is_some_and(|o| o.value.as_ref().is_some_and(|v| v.text == "global"));
        if name == "yarn" && pos.first().is_some_and(|a| a.is("global")) {
            global = true;
            pos.remove(0);
        }
        let Some(sub) = pos.first().copied() else {
            return;
        };
        let rest = &pos[1..];
        let install_words: &[&str] = match name {
            "npm" => &[
                "install", "i", "in", "ins", "inst", "insta", "instal", "isnt", "isnta", "isntal",
                "isntall", "add",
            ],
            "yarn" => &["add"],
            "pnpm" => &["add", "install", "i"],
            _ => &["add", "install", "i", "a"],
        };
        let update_words: &[&str] = &["update", "up", "upgrade", "udpate"];
        if install_words.contains(&sub.text.as_str()) {
            let pkgs = rest.iter().map(|a| self.package(Manager::Npm, a)).collect();
            self.push_install(
                r,
                Manager::Npm,
                Some(sub),
                pkgs,
                InstallOpts {
                    global,
                    ..InstallOpts::default()
                },
            );
        } else if update_words.contains(&sub.text.as_str()) {
            if rest.is_empty() {
                self.push_upgrade(r, Manager::Npm, sub.word());
            } else {
                let pkgs = self.upgraded_packages(Manager::Npm, rest);
                self.push_install(
                    r,
                    Manager::Npm,
                    Some(sub),
                    pkgs,
                    InstallOpts {
                        upgrade_flag: Some(sub.word()),
                        global,
                        ..InstallOpts::default()
                    },
                );
            }
        }
    }
}
