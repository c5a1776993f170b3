//! `cargo install`.

use super::*;

impl Cx<'_, '_> {
    pub(super) fn cargo(&mut self, r: &Resolved) {
        let p = parse_opts(
            &r.argv[1..],
            b"jFZ",
            &[
                "--version",
                "--vers",
                "--git",
                "--branch",
                "--tag",
                "--rev",
                "--path",
                "--root",
                "--index",
                "--registry",
                "--target",
                "--target-dir",
                "--jobs",
                "--features",
                "--bin",
                "--example",
                "--profile",
                "--config",
                "--color",
            ],
        );
        let Some(sub) = p.pos.first().copied() else {
            return;
        };
        if !sub.is("install") {
            return;
        }
        let val = |names: &[&str]| p.has(names).and_then(|o| o.value.clone());
        let version = val(&["--version", "--vers"]);
        let git = val(&["--git"]);
        let path = val(&["--path"]);
        let vcs_strength = if let Some(rev) = val(&["--rev"]) {
            Some((
                rev.text.clone(),
                pin::classify_vcs_ref(&rev.text).max(PinStrength::Exact),
            ))
        } else if let Some(tag) = val(&["--tag"]) {
            Some((tag.text.clone(), PinStrength::Exact))
        } else {
            val(&["--branch"]).map(|b| (b.text.clone(), PinStrength::Floating))
        };
        let mut pkgs: Vec<Package> = p.pos[1..]
            .iter()
            .map(|a| {
                let mut pkg = self.package(Manager::Cargo, a);
                if let Some(g) = &git {
                    pkg.source = PackageSource::Vcs;
                    let (v, s) = vcs_strength
                        .clone()
                        .unwrap_or((g.text.clone(), PinStrength::Floating));
                    pkg.version = Some(v);
                    pkg.strength = s;
                } else if path.is_some() {
                    pkg.source = PackageSource::Local;
                    pkg.strength = PinStrength::Exact;
                } else if let (Some(v), None) = (&version, &pkg.version) {
                    pkg.version = Some(v.text.clone());
                    pkg.strength = pin::classify_version(Manager::Cargo, &v.text);
                }
                pkg
            })
            .collect();
        if pkgs.is_empty()
            && let Some(g) = &git
        {
            let (v, s) = vcs_strength
                .clone()
                .unwrap_or((String::new(), PinStrength::Floating));
            pkgs.push(Package {
                spec: g.text.clone(),
                name: g.text.clone(),
                version: (!v.is_empty()).then_some(v),
                strength: s,
                source: PackageSource::Vcs,
                range: g.range.clone(),
                unresolved: Vec::new(),
                substituted: Vec::new(),
                note: None,
            });
        }
        self.push_install(r, Manager::Cargo, Some(sub), pkgs, InstallOpts::default());
    }
}
