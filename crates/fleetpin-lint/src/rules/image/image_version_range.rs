//! IMG003 image-version-range (opt-in).

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds container images whose tag gives only a major or major.minor version
    /// (`golang:1.18`, `mariadb:10`, `node:20-alpine`, `ubuntu:20.04`), in the same places as
    /// `IMG001`. Opt-in (off by default): enable it with `extend-select = ["IMG003"]`.
    ///
    /// How a tag is judged (the one table in `fleetpin-spec`, shared with `IMG001`):
    ///
    /// | Tag | Verdict |
    /// |---|---|
    /// | no tag, `latest`, `stable`, `lts`, ...; no version at all (`alpine`, `bookworm`, `lts-slim`); only a distro's number (`alpine3.19`); ending in a moving word (`ubuntu-6.4-latest`) | floating: `IMG001` |
    /// | major or major.minor: `20`, `1.25-alpine`, `20.04`, `v2`, `2.x` | range: this rule |
    /// | major.minor.patch or more (`1.25.3`, `3.12.1-slim-bookworm`), an update or build (`8u392-b08-jdk`, `1.2-r1`), a date (`20240211`, `bookworm-20240211`), a commit (`sha-abc1234`) | exact: passes (`IMG002` asks for a digest) |
    ///
    /// The verdict knows no project's numbering scheme: where a full release has only two
    /// numbers (PostgreSQL `16.2`, Debian point releases `12.5`) the tag is reported too;
    /// silence those with `lint.per-path-ignores` or an inline `# fleetpin: ignore[IMG003]` comment.
    ///
    /// ## Why is this bad?
    /// A major or major.minor tag is re-pointed at every patch (or minor) release of its line:
    /// `mariadb:10` went from 10.5 to 10.11 with on-disk format upgrades, and two nodes that
    /// pulled a week apart run different versions. It is opt-in because many official images
    /// document these tags as the recommended way to get security fixes.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: mariadb:10
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   db:
    ///     image: mariadb:10.11.6
    /// ```
    ///
    /// ## Fix safety
    /// `fleetpin pin` (and `fleetpin lint --fix`) appends the digest the registry serves for
    /// the tag today (`tag@sha256:…`): the range stays readable and the image stops moving.
    /// Safe.
    ///
    /// ## Options
    /// - `lint.extend-select`: `["IMG003"]` enables the rule.
    /// - `lint.required-pin`: with `"range"` or `"any"`, ranges pass and this rule is silent.
    pub struct ImageVersionRange {
        code: "IMG003",
        name: "image-version-range",
        summary: "Container image tag gives only a major or major.minor version",
        severity: Warning,
        opt_in: true,
        fix: Sometimes,
    }
}
