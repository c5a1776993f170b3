//! `conda`, `mamba`, `micromamba`.

use super::*;

impl Cx<'_, '_> {
    pub(super) fn conda(&mut self, r: &Resolved) {
        let p = parse_opts(
            &r.argv[1..],
            b"cnpf",
            &[
                "--channel",
                "--name",
                "--prefix",
                "--file",
                "--solver",
                "--repodata-fn",
            ],
        );
        let Some(sub) = p.pos.first().copied() else {
            return;
        };
        let rest = &p.pos[1..];
        let files: Vec<Word> = p
            .opts
            .iter()
            .filter(|o| o.name == "--file" || (o.name == "-f" && r.name == "micromamba"))
            .filter_map(|o| o.value.clone())
            .collect();
        match sub.text.as_str() {
            "install" | "create" => {
                let pkgs = rest
                    .iter()
                    .map(|a| self.package(Manager::Conda, a))
                    .collect();
                self.push_install(
                    r,
                    Manager::Conda,
                    Some(sub),
                    pkgs,
                    InstallOpts {
                        requirement_files: files,
                        ..InstallOpts::default()
                    },
                );
            }
            "update" | "upgrade" => {
                if let Some(all) = p.has(&["--all"]) {
                    self.push_upgrade(r, Manager::Conda, all.word());
                } else {
                    self.push_named_upgrade(r, Manager::Conda, sub, rest);
                }
            }
            _ => {}
        }
    }
}
