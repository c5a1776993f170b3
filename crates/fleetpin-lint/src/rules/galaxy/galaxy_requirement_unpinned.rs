//! GLX001 galaxy-requirement-unpinned.

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds roles and collections in Galaxy `requirements.yml` (and `dependencies` in a
    /// collection's `galaxy.yml`, and `dependencies` in a role's `meta/main.yml`) without a
    /// `version` (error), with a branch as version (error), or with a version range such as
    /// `>=1.0.0` or `*` (warning).
    ///
    /// ## Why is this bad?
    /// `ansible-galaxy install -r requirements.yml` then installs whatever is newest on the
    /// day it runs; the roles and modules your playbooks call change under you. Renovate's
    /// Galaxy manager skips unversioned entries, so nothing proposes a pin either.
    ///
    /// ## Example
    /// ```yaml
    /// collections:
    ///   - name: community.docker
    /// roles:
    ///   - src: https://github.com/geerlingguy/ansible-role-docker.git
    ///     version: master
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// collections:
    ///   - name: community.docker
    ///     version: 3.7.0
    /// roles:
    ///   - src: https://github.com/geerlingguy/ansible-role-docker.git
    ///     version: 7.1.0
    /// ```
    ///
    /// ## Fix safety
    /// No automatic fix.
    ///
    /// ## Options
    /// - `lint.required-pin`: with `"range"`, ranges pass.
    ///
    /// ## References
    /// - [Installing roles and collections from a requirements file](https://docs.ansible.com/ansible/latest/galaxy/user_guide.html#installing-roles-and-collections-from-the-same-requirements-yml-file)
    pub struct GalaxyRequirementUnpinned {
        code: "GLX001",
        name: "galaxy-requirement-unpinned",
        summary: "Galaxy role or collection is not pinned to a version",
        severity: Error,
        opt_in: false,
    }
}
