//! `zypper` (SUSE).

use super::*;

impl Cx<'_, '_> {
    pub(super) fn zypper(&mut self, r: &Resolved) {
        let p = parse_opts(
            &r.argv[1..],
            b"RcrtD",
            &[
                "--root",
                "--reposd-dir",
                "--config",
                "--from",
                "--repo",
                "--type",
                "--cache-dir",
                "--raw-cache-dir",
                "--solv-cache-dir",
                "--pkg-cache-dir",
            ],
        );
        let Some(sub) = p.pos.first().copied() else {
            return;
        };
        let rest = &p.pos[1..];
        match sub.text.as_str() {
            "install" | "in" => {
                let pkgs = rest
                    .iter()
                    .map(|a| self.package(Manager::Zypper, a))
                    .collect();
                self.push_install(r, Manager::Zypper, Some(sub), pkgs, InstallOpts::default());
            }
            "update" | "up" | "dist-upgrade" | "dup" | "patch" => {
                if rest.is_empty() && !r.xargs {
                    self.push_upgrade(r, Manager::Zypper, sub.word());
                } else {
                    self.push_named_upgrade(r, Manager::Zypper, sub, rest);
                }
            }
            _ => {}
        }
    }
}
