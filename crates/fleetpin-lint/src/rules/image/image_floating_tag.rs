//! IMG001 image-floating-tag.

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds container images with no tag (which means `latest`) or a floating tag (`latest`,
    /// `stable`, `edge`, `lts`, `mainline`, ... as configured) in Dockerfile `FROM` (with `ARG`
    /// defaults substituted; stage names and `scratch` exempt), Compose and Swarm stack
    /// `image:` (with `${VAR:-default}` and the project's `.env` substituted), Ansible docker
    /// modules
    /// (`docker_image`, `docker_container`, `docker_swarm_service`, ...), workflow
    /// `container:`/`services:` images, and `docker`/`podman` `run`, `create`, `pull` and
    /// `service create|update` command lines in `shell`/`command` tasks and `RUN`. Variants of a floating tag float too
    /// (`nginx:mainline-alpine`, `node:lts-slim`). An image with a digest (`@sha256:...`)
    /// passes. An image whose tag comes from a variable without a value is a warning.
    ///
    /// ## Why is this bad?
    /// A floating tag is re-pointed at every release: each pull, build or node that joins the
    /// Swarm may run a different image. `docker stack deploy` resolves the tag on the manager
    /// at deploy time, so redeploying an unchanged stack file silently upgrades it.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian
    /// FROM nginx:stable
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// FROM debian:12.5
    /// FROM nginx:1.25.4@sha256:...
    /// ```
    ///
    /// ## Fix safety
    /// No automatic fix: resolving a tag needs a registry.
    ///
    /// ## Options
    /// - `lint.floating-tags`: the tags treated as floating (default `latest`, `stable`,
    ///   `edge`, `lts`, `mainline`, `nightly`, `dev`, `main`, `master`).
    ///
    /// ## References
    /// - hadolint DL3006, DL3007 (honoured by `# hadolint ignore=DL3006,DL3007`)
    pub struct ImageFloatingTag {
        code: "IMG001",
        name: "image-floating-tag",
        summary: "Container image has no tag or a floating tag",
        severity: Error,
        opt_in: false,
    }
}
