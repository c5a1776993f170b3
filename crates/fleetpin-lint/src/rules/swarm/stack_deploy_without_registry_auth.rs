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
    /// A `docker_stack` call the module refuses (no `name`, or no `compose` with `state:
    /// present`) is not reported: it deploys nothing.
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

use fleetpin_ansible::{Task, module::DockerModule};

use crate::checker::Checker;

/// Checks a `docker_stack` task for `with_registry_auth: true`.
pub(crate) fn check_module(
    checker: &mut Checker<'_>,
    task: &Task<'_>,
    module: &fleetpin_ansible::Module,
    dm: &DockerModule,
) {
    let rule = StackDeployWithoutRegistryAuth::RULE;
    let Some(auth) = dm.registry_auth_arg else {
        return;
    };
    if !checker.enabled(&rule) {
        return;
    }
    // Removing a stack pulls nothing (issue 9: `state: absent` was reported).
    if task
        .arg("state")
        .and_then(|a| a.value.as_str())
        .is_some_and(|s| s.trim() == "absent")
    {
        return;
    }
    // A call the module refuses deploys nothing: `name` is required, and `state: present`
    // fails on an empty `compose` ("compose parameter must be a list containing at least one
    // element", community.docker docker_stack.py). Test suites call it so on purpose.
    let missing = |arg: &str| match task.arg(arg) {
        None => true,
        Some(a) => {
            a.value.is_null()
                || a.value
                    .node()
                    .and_then(|n| n.as_seq())
                    .is_some_and(|s| s.is_empty())
                || a.value.as_str().is_some_and(|s| s.trim().is_empty())
        }
    };
    if missing("name") || dm.compose_arg.is_some_and(missing) {
        return;
    }
    let (range, what) = match task.arg(auth) {
        Some(a) => match a.value.as_bool() {
            Some(true) => return,
            Some(false) => (
                super::super::ansible::values::arg_range(checker, &a.value),
                format!("`{auth}: {}`", a.value.as_str().unwrap_or("false")),
            ),
            // A template: cannot tell.
            None => return,
        },
        None => (module.span.clone(), format!("no `{auth}: true`")),
    };
    let d = checker
        .diagnostic(
            &rule,
            range,
            format!(
                "`{}` with {what}: workers pull private images without registry credentials",
                module.short
            ),
        )
        .with_help(format!("add `{auth}: true`"));
    checker.report(d);
}
