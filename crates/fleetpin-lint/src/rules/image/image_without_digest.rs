//! IMG002 image-without-digest (opt-in).

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds container images pinned by a tag but not by a digest (`nginx:1.25.4` instead of
    /// `nginx:1.25.4@sha256:...`). Opt-in: enable it with `extend-select = ["IMG002"]` or
    /// `required-pin = "digest"`.
    ///
    /// ## Why is this bad?
    /// Even version tags are mutable: publishers rebuild `1.25.4` for base-image security
    /// updates, so two nodes that pulled a week apart run different bytes. A digest names
    /// the exact content.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.25.4
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.25.4@sha256:6db391d1c0cfb30588ba0bf72ea999404f2764febf0f1f196acd5867ac7efa7e
    /// ```
    ///
    /// ## Fix safety
    /// `fleetpin pin` (and `fleetpin lint --fix`) appends the digest the registry serves for
    /// the tag today (`tag@sha256:…`, through the digest cache; `--offline` uses the cache
    /// only). Safe; an image without a tag gets `:latest@sha256:…` only as an unsafe fix
    /// (`--unsafe-fixes`).
    ///
    /// ## Options
    /// - `lint.extend-select`, `lint.required-pin`
    pub struct ImageWithoutDigest {
        code: "IMG002",
        name: "image-without-digest",
        summary: "Container image is pinned by tag but not by digest",
        severity: Warning,
        opt_in: true,
        fix: Sometimes,
    }
}
