//! The one pin verdict: what "exact", "range", "floating" and "unpinned" mean for the things
//! fleetpin judges, so `fleetpin lint`, the shell analyser, the Dockerfile model and the
//! registry client all agree.
//!
//! This crate depends on no other fleetpin crate.
//!
//! - [`PinStrength`]: the verdict scale, weakest first
//!   (`Floating < None < Unresolved < Range < Glob < Exact < Digest`).
//! - Image references ([`ImageRef`]): the `[registry/]path[:tag][@digest]` grammar of Docker's
//!   distribution `reference` package, Docker Hub normalisation (`nginx` is
//!   `docker.io/library/nginx`), and [`ImageRef::status`], which judges the tag with
//!   [`classify_tag`] against the one list of moving words, [`DEFAULT_FLOATING_TAGS`].
//! - Package specs ([`package::classify`]): `apt-get install foo=1.2*`, `pip install x>=1`,
//!   `name: foo=1.2.3` in an Ansible package module, per [`package::Manager`].
//! - Download URLs ([`url::is_latest_url`]): `.../releases/latest/download/x`.
//! - Galaxy requirement versions and GitHub Action refs ([`revision::ref_strength`]): a full
//!   commit, a version tag, a range (`>=1.0`, `1.x`, `*`), a moving branch (`main`).
//! - Version-control refs ([`classify_vcs_ref`]): git `version:`, `pip git+...@ref`, Galaxy `scm`
//!   entries.

//!
//! # Image tags
//!
//! A digest (`@sha256:...`) pins; otherwise the tag decides:
//!
//! | Tag | Verdict | Why |
//! |---|---|---|
//! | *(none)*, `latest`, `stable`, `edge`, `lts`, `mainline`, ... | floating | a moving word ([`DEFAULT_FLOATING_TAGS`]) |
//! | `alpine`, `apache`, `buster`, `bookworm`, `lts-slim`, `stable-alpine` | floating | no version component: follows every upstream release |
//! | `alpine3.19`, `ltsc2022`, `jdk17` | floating | the number is the distro's or variant's, not the upstream version |
//! | `ubuntu-6.4-latest`, `7.2-rc` | floating | ends in a moving word |
//! | `20`, `1.25-alpine`, `20.04`, `v2`, `3.12-slim`, `2.x` | range | only major or major.minor: follows the line's releases |
//! | `1.25.3`, `v2.4.1`, `3.12.1-slim-bookworm`, `2024.01.15` | exact | major.minor.patch (or more) |
//! | `8u392`, `8u392-b08-jdk`, `1.2-r1`, `17.0-b35`, `9.6.24p1` | exact | an update, build or revision number on top of the version |
//! | `20240211`, `bookworm-20240211`, `stable-20240211-slim`, `nightly-2024-01-15` | exact | a date or build number (6+ digits, or `YYYY-MM-DD`) |
//! | `sha-abc1234`, `abc1234def` | exact | a commit (7+ hex digits with a digit and a letter) |
//!
//! `alpine3.19` is floating on purpose: it names the Alpine release the image is built on, not
//! the version of what runs in it, which moves with every upstream release.
//!
//! ```
//! use fleetpin_spec::{DEFAULT_FLOATING_TAGS, ImageRef, PinStrength, TagStatus};
//!
//! let judge = |s: &str| ImageRef::parse(s).unwrap().pin_strength(DEFAULT_FLOATING_TAGS);
//! assert_eq!(judge("postgres:alpine"), PinStrength::Floating);
//! assert_eq!(judge("golang:1.18"), PinStrength::Range);
//! assert_eq!(judge("nginx:1.25.3-alpine"), PinStrength::Exact);
//! let r = ImageRef::parse("mariadb:10").unwrap();
//! assert_eq!(r.status(DEFAULT_FLOATING_TAGS), TagStatus::Range { precision: 1 });
//! assert_eq!(r.normalized_name(), "docker.io/library/mariadb");
//! ```

#![warn(missing_docs)]

pub mod image;
pub mod package;
pub mod revision;
pub mod strength;
pub mod tag;
pub mod url;
pub mod vcs;

pub use image::{ImageRef, ImageRefError, TagStatus, template_ranges};
pub use strength::{PinStrength, UNRESOLVED_MARK, is_unresolved};
pub use tag::{DEFAULT_FLOATING_TAGS, TagClass, classify_tag, classify_tag_with};
pub use vcs::classify_vcs_ref;
