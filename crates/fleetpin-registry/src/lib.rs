//! Resolve container image references to content digests against OCI/Docker registries.
//!
//! The building block of `fleetpin pin`: `nginx:1.25` becomes
//! `docker.io/library/nginx:1.25@sha256:…`, the digest being exactly what `docker pull` and
//! `skopeo inspect` report for the tag (for a multi-platform tag, the index's digest).
//!
//! ```no_run
//! let resolver = fleetpin_registry::Resolver::new()?;
//! let r = resolver.resolve("nginx:1.25")?;
//! println!("{} ({})", r.pinned(), if r.is_index() { "multi-platform" } else { "single" });
//! # Ok::<(), fleetpin_registry::Error>(())
//! ```
//!
//! How a lookup goes:
//! - `HEAD /v2/NAME/manifests/TAG` with an `Accept` listing the four manifest types
//!   ([`MANIFEST_ACCEPT`]); the digest is the `Docker-Content-Digest` header. Without that
//!   header (or with a generic content type) the manifest is fetched with GET and its exact
//!   bytes are hashed; when both exist they must agree ([`Error::DigestMismatch`]).
//! - A 401 is answered by its `WWW-Authenticate` challenge: `Bearer` fetches a token from the
//!   realm (anonymously, with basic credentials, or with an identity token), `Basic` sends the
//!   stored user and password. Tokens are cached per registry and scope.
//! - Credentials come from Docker's `config.json` ([`DockerConfig`]).
//! - HTTPS with the system's trust store, plus per-registry CAs from Docker's `certs.d`
//!   layout ([`ResolverBuilder::certs_dirs`]) and any CAs the caller adds
//!   ([`ResolverBuilder::add_root_certificates_pem`]); plain HTTP only for registries declared insecure
//!   ([`ResolverBuilder::insecure_registry`]) and, as in Docker, loopback registries
//!   (`localhost`, `127.0.0.0/8`, `::1`; turn off with
//!   [`ResolverBuilder::loopback_insecure`]). For those, HTTPS without certificate checks is
//!   tried first, then HTTP, like Docker's insecure registries.
//! - Network errors, 429 and 5xx are retried with exponential backoff (honouring
//!   `Retry-After`), a bounded number of times.
//! - [`Resolver::resolve_many`] looks up a batch with bounded parallelism, once per distinct
//!   reference.
//!
//! Callers code against the [`DigestSource`] trait, which the [`Resolver`] implements and
//! the [`DigestCache`] wraps: answers kept on disk with an expiry under the user's cache
//! directory, so a second run makes no request, and an offline mode that never asks.

#![warn(missing_docs)]

mod cache;
mod challenge;
mod credentials;
mod digest;
mod error;
mod reference;
mod resolver;
mod source;

pub use cache::{
    CACHE_FILE, CacheEntry, CacheStats, CacheWarning, DEFAULT_TTL, DigestCache, PRUNE_AFTER,
    default_cache_dir,
};
pub use challenge::{Challenge, parse_challenges};
pub use credentials::{Credential, DOCKER_HUB_LEGACY_KEY, DockerConfig};
pub use digest::{
    Algorithm, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, Digest, DigestParseError, MANIFEST_ACCEPT,
    MediaType, OCI_INDEX, OCI_MANIFEST,
};
pub use error::{Error, Missing};
pub use reference::{DOCKER_HUB, DOCKER_HUB_API, Reference, is_loopback, normalize_registry};
pub use resolver::{DigestOrigin, Resolved, Resolver, ResolverBuilder};
pub use source::DigestSource;
