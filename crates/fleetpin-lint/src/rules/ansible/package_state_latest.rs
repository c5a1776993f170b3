//! ANS001 package-state-latest.

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds Ansible package-module tasks (`apt`, `package`, `yum`, `dnf`, `apk`, `zypper`,
    /// `pacman`, `pip`, `npm`, `gem`, `snap`, `homebrew`, ... under any prefix: bare,
    /// `ansible.builtin.`, `ansible.legacy.`, `community.general.`) with `state: latest`,
    /// including a state that comes from a variable (`state: "{{ docker_state }}"` with
    /// `docker_state: latest` in role defaults or `group_vars`), free-form `key=value`
    /// arguments, `args:`, loops, blocks and included task files.
    ///
    /// A value from `group_vars/<group>`, `host_vars/<host>` or an inventory's
    /// `[group:vars]` counts only when the play's `hosts:` pattern targets a host of that
    /// group (or that host), judged on the project's inventory as Ansible would (groups,
    /// `children`, `:`/`,` unions, `:&`, `:!`, globs, regexes, subscripts); a role or task
    /// file counts every play that uses it. When fleetpin cannot know the hosts — a
    /// templated pattern, no readable inventory, a pattern term the inventory does not know
    /// (`add_host`, a dynamic inventory), or no host selected — every group's value counts.
    ///
    /// ## Why is this bad?
    /// `state: latest` installs whatever version the repository offers on the day the play
    /// runs. Nobody chose that version, nobody tested it, and every host the play targets
    /// gets it at once. This is exactly how Docker 23.0.1 reached every node of a Swarm in
    /// one run and, on Debian 10 hosts without the `apparmor` package, no container could
    /// start any more.
    ///
    /// ## Example
    /// ```yaml
    /// - name: Install Docker
    ///   ansible.builtin.apt:
    ///     name: [docker-ce, docker-ce-cli, containerd.io]
    ///     state: latest
    /// ```
    ///
    /// ## Use instead
    /// Pin the exact versions you tested, and upgrade by changing them:
    /// ```yaml
    /// - name: Install Docker
    ///   ansible.builtin.apt:
    ///     name:
    ///       - docker-ce=5:23.0.2-1~debian.10~buster
    ///       - docker-ce-cli=5:23.0.2-1~debian.10~buster
    ///       - containerd.io=1.6.18-1
    ///     state: present
    /// ```
    /// `fleetpin lock` records the versions your fleet runs today.
    ///
    /// ## Fix safety
    /// `fleetpin pin` (and `fleetpin lint --fix`) writes the version of `fleetpin.lock` into
    /// each name in the module's syntax (`name=VER` for apt, `name-VER` for dnf/yum,
    /// `name==VER` for pip, `name@VER` for npm) and turns `state: latest` into
    /// `state: present` once every name of the task is pinned; a name that comes from a
    /// variable is pinned where the variable is set. This fix is safe: it installs what the
    /// fleet runs. For the generic `package` module it is unsafe (`--unsafe-fixes`): `=` is
    /// apt's syntax, which another package manager may not read. A package the lock does not
    /// list, or that lock groups run at different versions in a value they share, is left
    /// with a note saying why.
    ///
    /// ## References
    /// - [Ansible `apt` module](https://docs.ansible.com/ansible/latest/collections/ansible/builtin/apt_module.html)
    /// - [ansible-lint `package-latest`](https://ansible.readthedocs.io/projects/lint/rules/package-latest/)
    pub struct PackageStateLatest {
        code: "ANS001",
        name: "package-state-latest",
        summary: "Package module installs with `state: latest`",
        severity: Error,
        opt_in: false,
        fix: Sometimes,
    }
}
