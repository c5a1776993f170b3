//! `go install` / `go get`.

use super::*;

impl Cx<'_, '_> {
    pub(super) fn go(&mut self, r: &Resolved) {
        let Some(sub) = r.argv.get(1) else { return };
        if !sub.is("install") && !sub.is("get") {
            return;
        }
        let value_flags = [
            "-ldflags",
            "-gcflags",
            "-asmflags",
            "-tags",
            "-mod",
            "-modfile",
            "-overlay",
            "-pgo",
            "-p",
            "-pkgdir",
            "-toolexec",
            "-buildmode",
            "-compiler",
            "-gccgoflags",
            "-installsuffix",
            "-C",
            "-o",
            "-exec",
            "-covermode",
            "-coverpkg",
        ];
        let mut upgrade = None;
        let mut pkgs = Vec::new();
        let mut i = 2;
        while i < r.argv.len() {
            let a = &r.argv[i];
            let t = a.text.as_str();
            i += 1;
            if t.starts_with('-') {
                let name = t.split('=').next().unwrap_or(t);
                let name = if name.starts_with("--") {
                    &name[1..]
                } else {
                    name
                };
                if (name == "-u" || name == "-u=patch") && sub.is("get") {
                    upgrade = Some(a.word());
                }
                if value_flags.contains(&name) && !t.contains('=') {
                    i += 1;
                }
                continue;
            }
            pkgs.push(self.package(Manager::Go, a));
        }
        for p in &mut pkgs {
            p.strength = strength_with_upgrade(p.strength, upgrade.is_some());
        }
        self.push_install(
            r,
            Manager::Go,
            Some(sub),
            pkgs,
            InstallOpts {
                upgrade_flag: upgrade,
                ..InstallOpts::default()
            },
        );
    }
}
