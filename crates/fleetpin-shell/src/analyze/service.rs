//! `systemctl`, `service`, `rc-service` and `/etc/init.d/*` scripts.

use super::*;

impl Cx<'_, '_> {
    pub(super) fn service(&mut self, r: &Resolved) {
        let (tool, action, units): (&str, Option<&Arg>, Vec<&Arg>) = match r.name.as_str() {
            "systemctl" => {
                let p = parse_opts(
                    &r.argv[1..],
                    b"HMpstn",
                    &[
                        "--host",
                        "--machine",
                        "--property",
                        "--signal",
                        "--type",
                        "--state",
                        "--lines",
                        "--output",
                        "--root",
                        "--kill-whom",
                        "--job-mode",
                    ],
                );
                let Some((action, units)) = p.pos.split_first() else {
                    return;
                };
                ("systemctl", Some(*action), units.to_vec())
            }
            "service" | "rc-service" => {
                let pos: Vec<&Arg> = r.argv[1..]
                    .iter()
                    .filter(|a| !a.text.starts_with('-'))
                    .collect();
                let (Some(unit), Some(action)) = (pos.first(), pos.get(1)) else {
                    return;
                };
                (r.name.as_str(), Some(*action), vec![*unit])
            }
            _ => {
                // `/etc/init.d/docker restart`
                let Some(action) = r.argv.get(1) else { return };
                ("init.d", Some(action), vec![&r.argv[0]])
            }
        };
        let Some(action) = action else { return };
        let mut units: Vec<Word> = units.iter().map(|u| u.word()).collect();
        if tool == "init.d" {
            for u in &mut units {
                u.text = basename(&u.text).to_owned();
            }
        }
        if units.is_empty() {
            return;
        }
        self.out.services.push(ServiceAction {
            tool: tool.to_owned(),
            action: action.word(),
            units,
            range: r.range.clone(),
        });
    }
}
