//! `pacman` and its AUR helpers `yay` and `paru` (Arch).

use super::*;

impl Cx<'_, '_> {
    pub(super) fn pacman(&mut self, r: &Resolved) {
        let p = parse_opts(
            &r.argv[1..],
            b"rb",
            &[
                "--config",
                "--root",
                "--dbpath",
                "--cachedir",
                "--arch",
                "--ignore",
                "--ignoregroup",
                "--assume-installed",
                "--overwrite",
                "--gpgdir",
                "--hookdir",
                "--logfile",
            ],
        );
        let op = p.opts.iter().find(|o| {
            o.cluster.starts_with('-')
                && !o.cluster.starts_with("--")
                && (o.cluster_has(b'S') || o.cluster_has(b'U'))
        });
        let long_sync = p.has(&["--sync"]);
        let Some(op_word) = op.map(Opt::word).or_else(|| long_sync.map(Opt::word)) else {
            return;
        };
        let sysupgrade =
            op.is_some_and(|o| o.cluster_has(b'u')) || p.has(&["--sysupgrade"]).is_some();
        let query_only = op.is_some_and(|o| {
            o.cluster_has(b's')
                || o.cluster_has(b'i')
                || o.cluster_has(b'c')
                || o.cluster_has(b'g')
                || o.cluster_has(b'l')
                || o.cluster_has(b'p')
        });
        if query_only {
            return;
        }
        if sysupgrade {
            self.push_upgrade(r, Manager::Pacman, op_word.clone());
        }
        let pkgs = p
            .pos
            .iter()
            .map(|a| self.package(Manager::Pacman, a))
            .collect();
        self.push_install(
            r,
            Manager::Pacman,
            Some(&r.argv[0]),
            pkgs,
            InstallOpts::default(),
        );
    }
}
