//! `docker` / `podman`: `run`, `create`, `pull`, `service create|update`, `stack deploy`.

use super::*;

impl Cx<'_, '_> {
    pub(super) fn docker(&mut self, r: &Resolved) {
        // Global options before the subcommand.
        let globals_with_value = [
            "-H",
            "--host",
            "-c",
            "--context",
            "--config",
            "-l",
            "--log-level",
            "--tlscacert",
            "--tlscert",
            "--tlskey",
        ];
        let mut i = 1;
        while let Some(a) = r.argv.get(i) {
            if !a.text.starts_with('-') {
                break;
            }
            i += if globals_with_value.contains(&a.text.as_str()) {
                2
            } else {
                1
            };
        }
        let Some(first) = r.argv.get(i) else { return };
        if self.container_image(r, i) {
            return;
        }
        let sub = if first.is("stack") {
            match r.argv.get(i + 1) {
                Some(s) if s.is("deploy") || s.is("up") => {
                    i += 2;
                    s
                }
                _ => return,
            }
        } else if first.is("deploy") {
            i += 1;
            first
        } else {
            return;
        };
        let p = parse_opts(
            &r.argv[i..],
            b"c",
            &[
                "--compose-file",
                "--resolve-image",
                "--bundle-file",
                "--orchestrator",
                "--namespace",
                "--kubeconfig",
            ],
        );
        let with_registry_auth = p.opts.iter().any(|o| {
            o.name == "--with-registry-auth"
                && o.value
                    .as_ref()
                    .is_none_or(|v| !v.text.eq_ignore_ascii_case("false"))
        });
        let compose_files = p
            .opts
            .iter()
            .filter(|o| o.name == "-c" || o.name == "--compose-file")
            .filter_map(|o| o.value.clone())
            .collect();
        self.out.stack_deploys.push(StackDeploy {
            subcommand: sub.word(),
            range: r.range.clone(),
            with_registry_auth,
            stack: p.pos.first().map(|a| a.word()),
            compose_files,
        });
    }
}

/// Options of `docker run` / `create` / `service create` / `service update` that take a value
/// (`--opt value`); anything else that starts with `-` is a flag.
pub(super) const DOCKER_VALUE_OPTS: &[&str] = &[
    "-a",
    "-c",
    "-e",
    "-h",
    "-l",
    "-m",
    "-p",
    "-u",
    "-v",
    "-w",
    "--add-host",
    "--annotation",
    "--attach",
    "--blkio-weight",
    "--blkio-weight-device",
    "--cap-add",
    "--cap-drop",
    "--cgroup-parent",
    "--cgroupns",
    "--cidfile",
    "--config",
    "--constraint",
    "--container-label",
    "--cpu-period",
    "--cpu-quota",
    "--cpu-rt-period",
    "--cpu-rt-runtime",
    "--cpu-shares",
    "--cpus",
    "--cpuset-cpus",
    "--cpuset-mems",
    "--credential-spec",
    "--detach-keys",
    "--device",
    "--device-cgroup-rule",
    "--device-read-bps",
    "--device-read-iops",
    "--device-write-bps",
    "--device-write-iops",
    "--dns",
    "--dns-opt",
    "--dns-option",
    "--dns-search",
    "--domainname",
    "--endpoint-mode",
    "--entrypoint",
    "--env",
    "--env-file",
    "--env-add",
    "--env-rm",
    "--expose",
    "--generic-resource",
    "--gpus",
    "--group",
    "--group-add",
    "--health-cmd",
    "--health-interval",
    "--health-retries",
    "--health-start-interval",
    "--health-start-period",
    "--health-timeout",
    "--host",
    "--hostname",
    "--ip",
    "--ip6",
    "--ipc",
    "--isolation",
    "--kernel-memory",
    "--label",
    "--label-add",
    "--label-file",
    "--label-rm",
    "--limit-cpu",
    "--limit-memory",
    "--limit-pids",
    "--link",
    "--link-local-ip",
    "--log-driver",
    "--log-opt",
    "--mac-address",
    "--memory",
    "--memory-reservation",
    "--memory-swap",
    "--memory-swappiness",
    "--mode",
    "--mount",
    "--mount-add",
    "--mount-rm",
    "--name",
    "--network",
    "--network-add",
    "--network-alias",
    "--network-rm",
    "--oom-score-adj",
    "--pid",
    "--pids-limit",
    "--placement-pref",
    "--platform",
    "--publish",
    "--publish-add",
    "--publish-rm",
    "--pull",
    "--replicas",
    "--replicas-max-per-node",
    "--reserve-cpu",
    "--reserve-memory",
    "--restart",
    "--restart-condition",
    "--restart-delay",
    "--restart-max-attempts",
    "--restart-window",
    "--rollback-delay",
    "--rollback-failure-action",
    "--rollback-max-failure-ratio",
    "--rollback-monitor",
    "--rollback-order",
    "--rollback-parallelism",
    "--runtime",
    "--secret",
    "--secret-add",
    "--secret-rm",
    "--security-opt",
    "--shm-size",
    "--stop-grace-period",
    "--stop-signal",
    "--stop-timeout",
    "--storage-opt",
    "--sysctl",
    "--tmpfs",
    "--ulimit",
    "--update-delay",
    "--update-failure-action",
    "--update-max-failure-ratio",
    "--update-monitor",
    "--update-order",
    "--update-parallelism",
    "--user",
    "--userns",
    "--uts",
    "--volume",
    "--volume-driver",
    "--volumes-from",
    "--workdir",
    "--pod",
    "--arch",
    "--os",
    "--variant",
];

impl Cx<'_, '_> {
    /// `docker run|create|pull IMAGE`, `docker container run`, `docker service create IMAGE`,
    /// `docker service update --image IMAGE`. Returns whether the command was one of those.
    pub(super) fn container_image(&mut self, r: &Resolved, mut i: usize) -> bool {
        let word = |k: usize| r.argv.get(k).map(|a| a.text.as_str());
        let sub = match (word(i), word(i + 1)) {
            (Some("container"), Some(s @ ("run" | "create"))) => {
                i += 2;
                s.to_owned()
            }
            (Some("image"), Some("pull")) => {
                i += 2;
                "pull".to_owned()
            }
            (Some("service"), Some(s @ ("create" | "update"))) => {
                i += 2;
                format!("service {s}")
            }
            (Some(s @ ("run" | "create" | "pull")), _) => {
                i += 1;
                s.to_owned()
            }
            _ => return false,
        };
        let mut image: Option<&Arg> = None;
        let mut inline_image = false;
        while let Some(a) = r.argv.get(i) {
            let t = a.text.as_str();
            i += 1;
            if t == "--" {
                image = r.argv.get(i);
                break;
            }
            if t.starts_with('-') && t.len() > 1 {
                if sub == "service update" && t == "--image" {
                    image = r.argv.get(i);
                    break;
                }
                if t.starts_with("--image=") && sub == "service update" {
                    image = Some(a);
                    inline_image = true;
                    break;
                }
                if t.contains('=') {
                    continue;
                }
                // A short cluster takes a value when its last letter does (`-dp 80:80`).
                let short_value = !t.starts_with("--")
                    && t.chars()
                        .last()
                        .is_some_and(|c| DOCKER_VALUE_OPTS.contains(&format!("-{c}").as_str()));
                if DOCKER_VALUE_OPTS.contains(&t) || short_value {
                    i += 1;
                }
                continue;
            }
            if sub != "service update" {
                image = Some(a);
            }
            break;
        }
        let Some(img) = image else { return true };
        let mut w = img.word();
        if inline_image {
            let cut = "--image=".len();
            w.text = w.text[cut..].to_owned();
            w.range = img.sub_range(cut..img.text.len());
        }
        self.out.images.push(ImageArg {
            tool: r.name.clone(),
            subcommand: sub,
            unresolved: !img.unresolved.is_empty(),
            image: w,
            range: r.range.clone(),
        });
        true
    }
}
