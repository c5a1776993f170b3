//! ANS004 package-version-range.

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds packages installed with a version range or glob instead of an exact version:
    /// `apt: name: docker-ce=5:23.0*`, `pip: name: requests>=2`, `npm: name: lodash@^4`,
    /// `dnf: name: nginx-1.*`.
    ///
    /// ## Why is this bad?
    /// A range is better than nothing, but it still floats: `5:23.0*` matched 23.0.0, 23.0.1
    /// and 23.0.2, which behaved differently on the same hosts. Which version a host gets
    /// depends on when it was installed.
    ///
    /// ## Example
    /// ```yaml
    /// - ansible.builtin.pip:
    ///     name: docker>=6
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// - ansible.builtin.pip:
    ///     name: docker==6.1.3
    /// ```
    ///
    /// ## Fix safety
    /// No automatic fix.
    ///
    /// ## Options
    /// - `lint.required-pin`: with `required-pin = "range"`, ranges pass and this rule is
    ///   silent.
    pub struct PackageVersionRange {
        code: "ANS004",
        name: "package-version-range",
        summary: "Package is pinned to a version range or glob, not an exact version",
        severity: Warning,
        opt_in: false,
    }
}
