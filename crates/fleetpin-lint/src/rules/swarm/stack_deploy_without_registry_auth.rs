//! SWM001 stack-deploy-without-registry-auth.

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds `docker stack deploy` in shell commands without `--with-registry-auth`, and
    /// Ansible `docker_stack` (`community.docker.docker_stack`) tasks without
    /// `with_registry_auth: true`.
    ///
    /// ## Why is this bad?
    /// Without it, the manager does not send registry credentials to the workers. Workers
    /// then pull private images anonymously, tasks are rejected and restarted in a loop, and
    /// the journal fills with veth/bridge `link_config` lines that look like a network fault:
    /// the second half of the Docker 23.0.1 incident.
    ///
    /// ## Example
    /// ```yaml
    /// - community.docker.docker_stack:
    ///     name: app
    ///     compose: [/srv/app/stack.yml]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// - community.docker.docker_stack:
    ///     name: app
    ///     compose: [/srv/app/stack.yml]
    ///     with_registry_auth: true
    /// ```
    ///
    /// ## Fix safety
    /// No automatic fix yet.
    ///
    /// ## References
    /// - [`docker stack deploy`](https://docs.docker.com/reference/cli/docker/stack/deploy/)
    pub struct StackDeployWithoutRegistryAuth {
        code: "SWM001",
        name: "stack-deploy-without-registry-auth",
        summary: "`docker stack deploy` without `--with-registry-auth`",
        severity: Error,
        opt_in: false,
    }
}
