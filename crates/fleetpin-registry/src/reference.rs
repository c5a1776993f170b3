//! Normalised image references, on top of `fleetpin_spec::ImageRef`'s parser.
//!
//! Normalisation follows Docker (distribution `reference/normalize.go`): no registry means
//! Docker Hub, whose credentials are filed under `docker.io` and whose API lives at
//! `registry-1.docker.io`; a one-component Hub path is an official image under `library/`;
//! `index.docker.io` is an alias of `docker.io`; no tag means `latest`.

use std::fmt;

use fleetpin_spec::ImageRef;

use crate::Error;
use crate::digest::Digest;

/// The registry name Docker Hub's images normalise to (and its credentials key).
pub const DOCKER_HUB: &str = "docker.io";
/// The host that serves Docker Hub's registry API.
pub const DOCKER_HUB_API: &str = "registry-1.docker.io";

/// A fully qualified image reference: registry, repository, tag and/or digest.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference {
    registry: String,
    repository: String,
    tag: Option<String>,
    digest: Option<Digest>,
}

impl Reference {
    /// Parse and normalise a reference such as `nginx:1.25`, `ghcr.io/o/app@sha256:…`,
    /// `localhost:5000/x` or `[::1]:5000/team/app:v1`.
    ///
    /// Templated references (`app:${TAG}`, `{{ image }}`) are refused with
    /// [`Error::Templated`]: there is nothing to resolve until the template is.
    pub fn parse(s: &str) -> Result<Reference, Error> {
        let trimmed = s.trim();
        let image = ImageRef::parse(trimmed).map_err(|source| Error::InvalidReference {
            reference: s.to_owned(),
            source,
        })?;
        Reference::from_image_ref(&image)
    }

    /// Normalise a reference already parsed by `fleetpin_spec`.
    pub fn from_image_ref(image: &ImageRef) -> Result<Reference, Error> {
        if image.is_templated() {
            return Err(Error::Templated {
                reference: image.to_string(),
            });
        }
        let registry = normalize_registry(image.domain());
        let repository = if registry == DOCKER_HUB && !image.repository.contains('/') {
            format!("library/{}", image.repository)
        } else {
            image.repository.clone()
        };
        let digest = match &image.digest {
            Some(d) => Some(d.parse::<Digest>().map_err(|_| Error::UnsupportedDigest {
                reference: image.to_string(),
                digest: d.clone(),
            })?),
            None => None,
        };
        Ok(Reference {
            registry,
            repository,
            tag: image.tag.clone(),
            digest,
        })
    }

    /// A reference from its parts (`registry` is normalised like a parsed one).
    pub fn new(
        registry: &str,
        repository: &str,
        tag: Option<&str>,
        digest: Option<Digest>,
    ) -> Reference {
        Reference {
            registry: normalize_registry(registry),
            repository: repository.to_owned(),
            tag: tag.map(str::to_owned),
            digest,
        }
    }

    /// The registry as Docker names it: `docker.io` for Docker Hub, else `host[:port]`. This
    /// is the key for credentials in `config.json`.
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The host (with port) that serves the registry API: `registry-1.docker.io` for Docker
    /// Hub, else [`registry`](Self::registry).
    pub fn api_host(&self) -> &str {
        if self.registry == DOCKER_HUB {
            DOCKER_HUB_API
        } else {
            &self.registry
        }
    }

    /// The repository path, with `library/` for official Docker Hub images.
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// The tag as written, if any.
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The tag, or `latest` when none is written.
    pub fn tag_or_latest(&self) -> &str {
        self.tag.as_deref().unwrap_or("latest")
    }

    /// The digest, when the reference is already pinned.
    pub fn digest(&self) -> Option<&Digest> {
        self.digest.as_ref()
    }

    /// What the manifest endpoint is asked for: the digest when present, else the tag (or
    /// `latest`).
    pub fn manifest_reference(&self) -> String {
        match &self.digest {
            Some(d) => d.to_string(),
            None => self.tag_or_latest().to_owned(),
        }
    }

    /// `registry/repository`, e.g. `docker.io/library/nginx`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The same reference pinned to `digest` (the tag is kept for readers).
    pub fn with_digest(&self, digest: Digest) -> Reference {
        Reference {
            digest: Some(digest),
            ..self.clone()
        }
    }

    /// The same reference without its digest.
    pub fn without_digest(&self) -> Reference {
        Reference {
            digest: None,
            ..self.clone()
        }
    }

    /// The `repository:NAME:pull` scope a token for this reference needs.
    pub fn pull_scope(&self) -> String {
        format!("repository:{}:pull", self.repository)
    }
}

/// The fully qualified form: `docker.io/library/nginx:latest`, `host:5000/a/b@sha256:…`,
/// `ghcr.io/o/app:v1@sha256:…`. An untagged reference without a digest shows `:latest`.
impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        match (&self.tag, &self.digest) {
            (Some(t), _) => write!(f, ":{t}")?,
            (None, None) => f.write_str(":latest")?,
            (None, Some(_)) => {}
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

impl serde::Serialize for Reference {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl std::str::FromStr for Reference {
    type Err = Error;
    fn from_str(s: &str) -> Result<Reference, Error> {
        Reference::parse(s)
    }
}

/// A registry name as Docker normalises it: `index.docker.io` (the legacy name) becomes
/// `docker.io`; everything else is kept exactly as written, case included (distribution
/// `normalize.go`; `skopeo` agrees: `GHCR.IO/o/app` stays `GHCR.IO`, and
/// `registry-1.docker.io/nginx` is not `library/nginx`).
pub fn normalize_registry(host: &str) -> String {
    if host == "index.docker.io" {
        DOCKER_HUB.to_owned()
    } else {
        host.to_owned()
    }
}

/// The key credentials are filed under: lower-cased, with every Docker Hub alias
/// (`index.docker.io`, `registry-1.docker.io`, `registry.hub.docker.com`) as `docker.io`.
pub(crate) fn credential_host(host: &str) -> String {
    let h = host.to_ascii_lowercase();
    match h.as_str() {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => {
            DOCKER_HUB.to_owned()
        }
        _ => h,
    }
}

/// The host part of a `host[:port]` registry name (`[::1]:5000` → `::1`).
pub(crate) fn host_only(registry: &str) -> &str {
    if let Some(rest) = registry.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match registry.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|c| c.is_ascii_digit()) => h,
        _ => registry,
    }
}

/// `true` for `localhost` and loopback addresses (`127.0.0.0/8`, `::1`), which Docker treats as
/// insecure registries by default.
pub fn is_loopback(registry: &str) -> bool {
    fleetpin_spec::url::is_loopback_host(host_only(registry))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        Reference::parse(s).unwrap().to_string()
    }

    #[test]
    fn docker_hub_normalisation() {
        assert_eq!(norm("nginx"), "docker.io/library/nginx:latest");
        assert_eq!(norm("nginx:1.25"), "docker.io/library/nginx:1.25");
        assert_eq!(norm("bitnami/redis:7"), "docker.io/bitnami/redis:7");
        assert_eq!(norm("docker.io/nginx"), "docker.io/library/nginx:latest");
        assert_eq!(
            norm("index.docker.io/nginx"),
            "docker.io/library/nginx:latest"
        );
        assert_eq!(
            norm("docker.io/library/nginx:1"),
            "docker.io/library/nginx:1"
        );
        let r = Reference::parse("nginx").unwrap();
        assert_eq!(r.registry(), "docker.io");
        assert_eq!(r.api_host(), "registry-1.docker.io");
        assert_eq!(r.repository(), "library/nginx");
        assert_eq!(r.manifest_reference(), "latest");
        assert_eq!(r.pull_scope(), "repository:library/nginx:pull");
    }

    #[test]
    fn other_registries() {
        let r = Reference::parse("localhost:5000/x").unwrap();
        assert_eq!((r.registry(), r.repository()), ("localhost:5000", "x"));
        assert_eq!(r.api_host(), "localhost:5000");
        let r = Reference::parse("host.example:8443/a/b:v2").unwrap();
        assert_eq!(
            (r.registry(), r.repository(), r.tag()),
            ("host.example:8443", "a/b", Some("v2"))
        );
        let r = Reference::parse("[::1]:5000/team/app:v1").unwrap();
        assert_eq!((r.registry(), r.repository()), ("[::1]:5000", "team/app"));
        assert!(is_loopback(r.registry()));
        assert_eq!(norm("localhost/x"), "localhost/x:latest");
        // A first component without `.`/`:` and not `localhost` is a Hub namespace.
        assert_eq!(norm("team/app/api:1"), "docker.io/team/app/api:1");
        // As in Docker and skopeo: the registry keeps its case, and only `index.docker.io`
        // is an alias of `docker.io`.
        assert_eq!(norm("GHCR.IO/o/app"), "GHCR.IO/o/app:latest");
        assert_eq!(
            norm("registry-1.docker.io/nginx"),
            "registry-1.docker.io/nginx:latest"
        );
    }

    #[test]
    fn digests() {
        let d = format!("sha256:{}", "b".repeat(64));
        let r = Reference::parse(&format!("nginx:1.25@{d}")).unwrap();
        assert_eq!(r.digest().unwrap().to_string(), d);
        assert_eq!(r.manifest_reference(), d);
        assert_eq!(r.to_string(), format!("docker.io/library/nginx:1.25@{d}"));
        let r = Reference::parse(&format!("nginx@{d}")).unwrap();
        assert_eq!(r.to_string(), format!("docker.io/library/nginx@{d}"));
        assert_eq!(
            r.without_digest().to_string(),
            "docker.io/library/nginx:latest"
        );
    }

    #[test]
    fn refusals() {
        assert!(matches!(
            Reference::parse("app:${TAG}"),
            Err(Error::Templated { .. })
        ));
        assert!(matches!(
            Reference::parse("Nginx"),
            Err(Error::InvalidReference { .. })
        ));
        assert!(matches!(
            Reference::parse(""),
            Err(Error::InvalidReference { .. })
        ));
        assert!(matches!(
            Reference::parse(&format!("x@blake3:{}", "a".repeat(64))),
            Err(Error::UnsupportedDigest { .. })
        ));
    }

    #[test]
    fn loopback() {
        for h in [
            "localhost",
            "localhost:5000",
            "127.0.0.1:5000",
            "127.1.2.3",
            "[::1]:80",
        ] {
            assert!(is_loopback(h), "{h}");
        }
        for h in [
            "registry.local:5000",
            "10.0.0.1:5000",
            "[fd00::1]:5000",
            "localhost.example",
        ] {
            assert!(!is_loopback(h), "{h}");
        }
    }
}
