//! `snap` (with its channels).

use super::*;

impl Cx<'_, '_> {
    pub(super) fn snap(&mut self, r: &Resolved) {
        let p = parse_opts(
            &r.argv[1..],
            b"",
            &["--channel", "--revision", "--name", "--cohort"],
        );
        let Some(sub) = p.pos.first().copied() else {
            return;
        };
        let rest = &p.pos[1..];
        match sub.text.as_str() {
            "install" => {
                let channel = p.has(&["--channel"]).and_then(|o| o.value.clone());
                let revision = p.has(&["--revision"]).and_then(|o| o.value.clone());
                let risk = p.has(&["--edge", "--beta", "--candidate"]);
                let pkgs = rest
                    .iter()
                    .map(|a| {
                        let mut pkg = self.package(Manager::Snap, a);
                        if a.text.ends_with(".snap") {
                            pkg.strength = PinStrength::Exact;
                            pkg.source = PackageSource::Local;
                            return pkg;
                        }
                        if let Some(rv) = &revision {
                            pkg.version = Some(rv.text.clone());
                            pkg.strength = if pin::is_unresolved(&rv.text) {
                                PinStrength::Unresolved
                            } else {
                                PinStrength::Exact
                            };
                        } else if let Some(ch) = &channel {
                            pkg.version = Some(ch.text.clone());
                            pkg.strength = snap_channel(&ch.text);
                        } else if risk.is_some() {
                            pkg.strength = PinStrength::Floating;
                        }
                        pkg
                    })
                    .collect();
                self.push_install(r, Manager::Snap, Some(sub), pkgs, InstallOpts::default());
            }
            "refresh" if rest.is_empty() => self.push_upgrade(r, Manager::Snap, sub.word()),
            _ => {}
        }
    }
}

pub(super) fn snap_channel(ch: &str) -> PinStrength {
    if pin::is_unresolved(ch) {
        return PinStrength::Unresolved;
    }
    let track = ch.split('/').next().unwrap_or(ch);
    let has_track = ch.contains('/');
    if !has_track {
        // Only a risk level (`stable`, `edge`) or only a track (`1.28`).
        if track.starts_with(|c: char| c.is_ascii_digit()) {
            return PinStrength::Range;
        }
        return if track == "stable" {
            PinStrength::None
        } else {
            PinStrength::Floating
        };
    }
    if track == "latest" || !track.starts_with(|c: char| c.is_ascii_digit()) {
        PinStrength::Floating
    } else {
        PinStrength::Range
    }
}
