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
    /// `service create|update` command lines in `shell`/`command` tasks and `RUN`. A tag with
    /// no version component floats too: `postgres:alpine`, `nextcloud:apache`, `rust:buster`
    /// (a distro codename alone tracks the newest upstream on that distro), `node:lts-slim`,
    /// `python:alpine3.19` (the number is Alpine's, not Python's). A tag ending in a moving
    /// word floats whatever its number (`ubuntu-6.4-latest`). An image with a digest
    /// (`@sha256:...`) passes. An image whose tag comes from a variable without a value is a
    /// warning.
    ///
    /// An image the same file builds is local, not pulled: a `docker_image` task with
    /// `source: build` (or `docker_image_build`) is not reported, and neither is a later task
    /// of the same playbook or task file that runs that `name:tag` (`docker_container`,
    /// `docker_swarm_service`, ...; no tag matches a build tagged `latest`). In a role's task
    /// file, builds with a literal name and tag in the role's other task files
    /// (`roles/<role>/tasks/*.yml`) count too. Otherwise the model is per file and in task
    /// order: a build in another playbook or role, or after the run, is not seen, and the run
    /// is still reported. Another tag of the built name (`myapp:edge`), or a `source: pull`,
    /// is reported as usual. A `docker_image` with `source: local` (tagging or pushing an image
    /// already on the host) or `source: load` (from an archive) asks no registry and is not
    /// reported.
    ///
    /// How a tag is judged (the one table in `fleetpin-spec`, shared with `IMG003`):
    ///
    /// | Tag | Verdict |
    /// |---|---|
    /// | no tag, `latest`, `stable`, `lts`, ...; no version at all (`alpine`, `bookworm`, `lts-slim`); only a distro's number (`alpine3.19`); ending in a moving word (`ubuntu-6.4-latest`) | floating: this rule |
    /// | major or major.minor: `20`, `1.25-alpine`, `20.04`, `v2`, `2.x` | range: `IMG003` (opt-in) |
    /// | major.minor.patch or more (`1.25.3`, `3.12.1-slim-bookworm`), an update or build (`8u392-b08-jdk`, `1.2-r1`), a date (`20240211`, `bookworm-20240211`), a commit (`sha-abc1234`) | exact: passes (`IMG002` asks for a digest) |
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
    /// FROM debian:bookworm-20240211
    /// FROM nginx:1.25.4@sha256:...
    /// ```
    ///
    /// ## Fix safety
    /// `fleetpin pin` (and `fleetpin lint --fix`) appends the digest the registry serves for
    /// the tag today (`tag@sha256:…`, through the digest cache; `--offline` uses the cache
    /// only). Safe: the running image does not change until the tag moves, and then it no
    /// longer does. An image without a tag gets `:latest@sha256:…` only as an unsafe fix
    /// (`--unsafe-fixes`): nobody chose that version.
    ///
    /// ## Options
    /// - `lint.floating-tags`: the moving words; a tag that is one or ends with one floats
    ///   even with a number (default `latest`, `stable`, `edge`, `lts`, `mainline`,
    ///   `current`, `nightly`, `master`, `main`, `develop`, `dev`, `rolling`, `testing`,
    ///   `unstable`, `beta`, `alpha`, `rc`, `next`, `canary`). Setting it replaces the list;
    ///   `lint.extend-floating-tags` adds to it. A tag with no version floats whatever the
    ///   list says.
    ///
    /// ## References
    /// - hadolint DL3006, DL3007 (honoured by `# hadolint ignore=DL3006,DL3007`)
    pub struct ImageFloatingTag {
        code: "IMG001",
        name: "image-floating-tag",
        summary: "Container image has no tag or a floating tag",
        severity: Error,
        opt_in: false,
        fix: Sometimes,
    }
}
