//! `brew` (Homebrew).

use super::*;

impl Cx<'_, '_> {
    pub(super) fn brew(&mut self, r: &Resolved) {
        let p = parse_opts(&r.argv[1..], b"", &["--appdir", "--fontdir"]);
        let Some(sub) = p.pos.first().copied() else {
            return;
        };
        let rest = &p.pos[1..];
        match sub.text.as_str() {
            "install" => {
                let pkgs = rest
                    .iter()
                    .map(|a| self.package(Manager::Brew, a))
                    .collect();
                self.push_install(r, Manager::Brew, Some(sub), pkgs, InstallOpts::default());
            }
            "upgrade" if rest.is_empty() => self.push_upgrade(r, Manager::Brew, sub.word()),
            "upgrade" => {
                self.push_named_upgrade(r, Manager::Brew, sub, rest);
            }
            _ => {}
        }
    }
}
