//! `pip` and its relatives (`python -m pip`, `uv pip`, `pipx`).

use super::*;

impl Cx<'_, '_> {
    pub(super) fn pip(&mut self, r: &Resolved) {
        let Some(k) = is_pip(r) else { return };
        let args = &r.argv[k.min(r.argv.len())..];
        let p = parse_opts(
            args,
            b"rcefitCp",
            &[
                "--requirement",
                "--constraint",
                "--editable",
                "--find-links",
                "--index-url",
                "--extra-index-url",
                "--target",
                "--prefix",
                "--root",
                "--src",
                "--trusted-host",
                "--platform",
                "--python-version",
                "--implementation",
                "--abi",
                "--only-binary",
                "--no-binary",
                "--progress-bar",
                "--cache-dir",
                "--log",
                "--timeout",
                "--retries",
                "--proxy",
                "--cert",
                "--client-cert",
                "--upgrade-strategy",
                "--global-option",
                "--config-settings",
                "--report",
                "--exists-action",
                "--python",
                "--spec",
                "--index",
                "--pip-args",
                "--with",
                "--suffix",
                "--group",
                "--extra",
                "--default-index",
                "--keyring-provider",
                "--resolution",
                "--prerelease",
                "--override",
                "--exclude-newer",
                "--build-constraint",
                "--overrides",
            ],
        );
        let Some(sub) = p.pos.first().copied() else {
            return;
        };
        let tool_mode = r.name == "uv" && r.argv.get(1).is_some_and(|a| a.is("tool"));
        if !matches!(sub.text.as_str(), "install" | "inject" | "sync") {
            if (sub.is("upgrade") || sub.is("upgrade-all")) && p.pos.len() == 1 {
                self.push_upgrade(r, Manager::Pip, sub.word());
            }
            return;
        }
        if sub.is("sync") {
            // `uv pip sync requirements.txt` installs exactly a lock file.
            return;
        }
        let upgrade = p
            .has(&["-U", "--upgrade", "--force-reinstall"])
            .filter(|o| o.name != "--force-reinstall")
            .map(Opt::word);
        let mut pkgs = Vec::new();
        let skip = if sub.is("inject") { 2 } else { 1 };
        for a in p.pos.iter().skip(skip) {
            let mut arg = (*a).clone();
            if tool_mode {
                // `uv tool install ruff@0.4.1` / `ruff@latest`
                if let Some((n, v)) = arg.text.split_once('@')
                    && !n.contains('/')
                    && !v.contains("://")
                {
                    arg.display = Some(arg.display().to_owned());
                    arg.text = if v == "latest" {
                        format!("{n}@latest")
                    } else {
                        format!("{n}=={v}")
                    };
                }
            }
            let mut pkg = if arg.text.ends_with("@latest") && tool_mode {
                let mut pk = self.package(Manager::Pip, &arg);
                pk.strength = PinStrength::Floating;
                pk
            } else {
                self.package(Manager::Pip, &arg)
            };
            pkg.strength = strength_with_upgrade(pkg.strength, upgrade.is_some());
            pkgs.push(pkg);
        }
        for o in &p.opts {
            if (o.name == "-e" || o.name == "--editable" || o.name == "--spec")
                && let Some(v) = &o.value
            {
                let arg = Arg {
                    text: v.text.clone(),
                    display: None,
                    range: v.range.clone(),
                    src: Vec::new(),
                    unresolved: Vec::new(),
                    unresolved_raw: Vec::new(),
                    substituted: Vec::new(),
                    fetch_subst: None,
                };
                let mut pkg = self.package(Manager::Pip, &arg);
                if pkg.source == PackageSource::Registry
                    && pkg.strength == PinStrength::None
                    && o.name == "-e"
                {
                    pkg.strength = PinStrength::Exact;
                    pkg.source = PackageSource::Local;
                }
                pkgs.push(pkg);
            }
        }
        let files = |names: &[&str]| -> Vec<Word> {
            p.opts
                .iter()
                .filter(|o| names.contains(&o.name.as_str()))
                .filter_map(|o| o.value.clone())
                .collect()
        };
        let req = files(&["-r", "--requirement"]);
        let con = files(&["-c", "--constraint", "--build-constraint"]);
        self.push_install(
            r,
            Manager::Pip,
            Some(sub),
            pkgs,
            InstallOpts {
                upgrade_flag: upgrade,
                requirement_files: req,
                constraint_files: con,
                ..InstallOpts::default()
            },
        );
    }
}
