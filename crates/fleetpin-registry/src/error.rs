//! The crate's error type.

use std::path::PathBuf;
use std::sync::Arc;

use fleetpin_spec::ImageRefError;

/// What a 404 from the registry was about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// The repository exists but has no such tag.
    Tag,
    /// The registry does not know the repository (`NAME_UNKNOWN`).
    Repository,
    /// No manifest with the requested digest.
    Manifest,
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Missing::Tag => "tag not found",
            Missing::Repository => "repository not found",
            Missing::Manifest => "manifest not found",
        })
    }
}

/// Everything that can go wrong resolving an image. Each variant names the image (fully
/// qualified) and the registry it was asked about.
///
/// `Clone`, so [`Resolver::resolve_many`](crate::Resolver::resolve_many) can hand the same
/// outcome to every duplicate of a reference.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The string is not an image reference.
    #[error("`{reference}` is not a valid image reference: {source}")]
    InvalidReference {
        /// The reference as given.
        reference: String,
        /// What the parser objected to.
        source: ImageRefError,
    },
    /// The reference contains a template (`${TAG}`, `{{ image }}`).
    #[error("`{reference}` is templated; resolve the template first")]
    Templated {
        /// The reference as given.
        reference: String,
    },
    /// The digest uses an algorithm registries do not serve (`blake3`, unknown).
    #[error("`{reference}`: unsupported digest `{digest}`")]
    UnsupportedDigest {
        /// The reference as given.
        reference: String,
        /// The digest as written.
        digest: String,
    },
    /// The registry has no such tag, repository or manifest.
    #[error("{image}: {what} on {registry}")]
    NotFound {
        /// The fully qualified image.
        image: String,
        /// The registry host.
        registry: String,
        /// Whether the tag, the repository or a digest is missing.
        what: Missing,
    },
    /// The registry (or its token server) refused access: bad or missing credentials, or
    /// no pull permission. Docker Hub also answers this way for repositories that do not exist.
    #[error("{image}: unauthorized on {registry}: {detail}")]
    Unauthorized {
        /// The fully qualified image.
        image: String,
        /// The registry host.
        registry: String,
        /// What was refused, and whether credentials were sent.
        detail: String,
    },
    /// The registry could not be reached (DNS, connection, TLS, timeout), after retries.
    #[error("{image}: cannot reach {registry} ({url}): {source}")]
    Network {
        /// The fully qualified image.
        image: String,
        /// The registry host.
        registry: String,
        /// The URL requested.
        url: String,
        /// The transport error.
        source: Arc<ureq::Error>,
    },
    /// The registry kept answering with an error status (429, 5xx) or an unexpected one.
    #[error(
        "{image}: {registry} answered HTTP {status} for {url}{}",
        detail_suffix(detail)
    )]
    Status {
        /// The fully qualified image.
        image: String,
        /// The registry host.
        registry: String,
        /// The URL requested.
        url: String,
        /// The last HTTP status.
        status: u16,
        /// The registry's error message, when it sent one.
        detail: String,
    },
    /// The registry's answer does not make sense (no digest, malformed header or token
    /// response, oversized manifest).
    #[error("{image}: bad response from {registry}: {detail}")]
    BadResponse {
        /// The fully qualified image.
        image: String,
        /// The registry host.
        registry: String,
        /// What was wrong.
        detail: String,
    },
    /// The manifest body does not hash to the digest the registry (or the reference) claims.
    #[error("{image}: manifest from {registry} hashes to {actual}, expected {expected}")]
    DigestMismatch {
        /// The fully qualified image.
        image: String,
        /// The registry host.
        registry: String,
        /// The digest claimed by the header or the reference.
        expected: String,
        /// The digest of the bytes received.
        actual: String,
    },
    /// The Docker config file could not be read or parsed.
    #[error("{}: {detail}", path.display())]
    Config {
        /// The config file.
        path: PathBuf,
        /// What was wrong.
        detail: String,
    },
    /// A credential helper failed (not installed, crashed, or printed garbage).
    #[error("credential helper `docker-credential-{helper}` for {registry}: {detail}")]
    CredentialHelper {
        /// The helper's suffix (`pass`, `ecr-login`, …).
        helper: String,
        /// The registry credentials were asked for.
        registry: String,
        /// What went wrong.
        detail: String,
    },
    /// Offline ([`DigestCache::offline`](crate::DigestCache::offline)): the digest cache has
    /// no answer for the image, and the registry may not be asked.
    #[error("{image}: not in the digest cache {} (offline; run once online to fill it)", cache.display())]
    NotCached {
        /// The fully qualified image.
        image: String,
        /// The cache file.
        cache: PathBuf,
    },
    /// The HTTP client could not be set up (TLS trust store unusable).
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
}

fn detail_suffix(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(": {detail}")
    }
}

impl Error {
    /// The registry host the error is about, when it is about one.
    pub fn registry(&self) -> Option<&str> {
        match self {
            Error::NotFound { registry, .. }
            | Error::Unauthorized { registry, .. }
            | Error::Network { registry, .. }
            | Error::Status { registry, .. }
            | Error::BadResponse { registry, .. }
            | Error::DigestMismatch { registry, .. }
            | Error::CredentialHelper { registry, .. } => Some(registry),
            _ => None,
        }
    }

    /// `true` when retrying later may help (network trouble, 429, 5xx).
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Network { .. } => true,
            Error::Status { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }
}
