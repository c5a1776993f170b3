//! `gem` (Ruby).

use super::*;

impl Cx<'_, '_> {
    pub(super) fn gem(&mut self, r: &Resolved) {
        let p = parse_opts(
            &r.argv[1..],
            b"visnpgP",
            &[
                "--version",
                "--install-dir",
                "--source",
                "--bindir",
                "--http-proxy",
                "--platform",
                "--file",
                "--trust-policy",
                "--build-root",
            ],
        );
        let Some(sub) = p.pos.first().copied() else {
            return;
        };
        let rest = &p.pos[1..];
        match sub.text.as_str() {
            "install" | "i" => {
                let version = p.has(&["-v", "--version"]).and_then(|o| o.value.clone());
                let pkgs = rest
                    .iter()
                    .map(|a| {
                        let mut pkg = self.package(Manager::Gem, a);
                        if let (Some(v), None) = (&version, &pkg.version) {
                            pkg.version = Some(v.text.clone());
                            pkg.strength = pin::classify_version(Manager::Gem, &v.text);
                        }
                        pkg
                    })
                    .collect();
                self.push_install(r, Manager::Gem, Some(sub), pkgs, InstallOpts::default());
            }
            "update" => {
                if rest.is_empty() {
                    let w = p.has(&["--system"]).map_or(sub.word(), Opt::word);
                    self.push_upgrade(r, Manager::Gem, w);
                } else {
                    self.push_named_upgrade(r, Manager::Gem, sub, rest);
                }
            }
            _ => {}
        }
    }
}
