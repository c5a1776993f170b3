//! ANS009 play-without-serial.

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds plays that install or upgrade packages, or restart `docker`/`containerd`, on
    /// their hosts without `serial:` (or with `serial: 100%`, or `serial` equal to "all").
    /// Roles and included task files the play runs count as the play's own tasks.
    ///
    /// ## Why is this bad?
    /// Without `serial`, Ansible runs each task on every host of the play at once. One bad
    /// package version or one restart that does not come back takes down every node together:
    /// the whole Swarm, not one canary.
    ///
    /// ## Example
    /// ```yaml
    /// - hosts: swarm_nodes
    ///   roles:
    ///     - docker
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// - hosts: swarm_nodes
    ///   serial: [1, "25%"]
    ///   max_fail_percentage: 0
    ///   roles:
    ///     - docker
    /// ```
    ///
    /// ## Fix safety
    /// No automatic fix: the right batch size depends on the fleet.
    ///
    /// ## References
    /// - [Ansible: setting the batch size with `serial`](https://docs.ansible.com/ansible/latest/playbook_guide/playbooks_strategies.html#setting-the-batch-size-with-serial)
    pub struct PlayWithoutSerial {
        code: "ANS009",
        name: "play-without-serial",
        summary: "Play changes packages or restarts the container runtime on all hosts at once",
        severity: Warning,
        opt_in: false,
    }
}
