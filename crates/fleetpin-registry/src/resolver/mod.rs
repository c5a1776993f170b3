//! Tag → digest resolution over the registry HTTP API (OCI distribution spec).
//!
//! Split along its seams: `builder` (settings), `transport` (agents, schemes, retries,
//! replies) and `auth` (credentials and tokens); this module holds the lookups.

mod auth;
mod builder;
mod transport;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ureq::Agent;
use ureq::http::{HeaderMap, Response};

use crate::challenge::{Challenge, parse_challenges};
use crate::credentials::{Credential, DockerConfig};
use crate::digest::{Digest, MANIFEST_ACCEPT, MediaType};
use crate::error::{Error, Missing};
use crate::reference::{DOCKER_HUB, Reference, credential_host, is_loopback};

/// Registries cap manifests at 4 MiB; anything larger is not a manifest.
const MAX_MANIFEST_BYTES: u64 = 4 * 1024 * 1024;
/// Error bodies and token responses are small.
const MAX_SMALL_BODY: u64 = 256 * 1024;
/// Tokens whose lifetime the server does not state live 60 s (distribution token spec).
const DEFAULT_TOKEN_LIFETIME: u64 = 60;

/// Where a [`Resolved`] digest came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DigestOrigin {
    /// The registry's `Docker-Content-Digest` header (HEAD request).
    Header,
    /// Computed from the manifest body: the registry sent no digest header.
    Computed,
    /// The manifest body was fetched and hashes to the digest (header or reference).
    Verified,
    /// The reference already carried a digest; the registry was not asked.
    Reference,
    /// A [`DigestCache`](crate::DigestCache) entry younger than its expiry; the registry was
    /// not asked.
    Cache,
}

/// The outcome of resolving one reference.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Resolved {
    /// The normalised reference that was resolved (tag kept, digest as given).
    pub reference: Reference,
    /// The manifest's digest. For a multi-platform tag this is the index's digest.
    pub digest: Digest,
    /// The manifest's media type; `None` when the registry was not asked
    /// ([`DigestOrigin::Reference`]).
    pub media_type: Option<MediaType>,
    /// The manifest's size in bytes, when known.
    pub size: Option<u64>,
    /// How the digest was obtained.
    pub source: DigestOrigin,
}

impl Resolved {
    /// The reference pinned to the digest: `docker.io/library/nginx:1.25@sha256:…`.
    pub fn pinned(&self) -> Reference {
        self.reference.with_digest(self.digest.clone())
    }

    /// `true` when the digest names a multi-platform index or manifest list.
    pub fn is_index(&self) -> bool {
        self.media_type.as_ref().is_some_and(MediaType::is_index)
    }
}

pub use builder::ResolverBuilder;

use auth::{CacheKey, CachedAuth};
use transport::{Method, Reply, Scheme, make_agent, network, retryable_ureq};

/// Resolves image references to manifest digests. Cheap to share across threads: tokens
/// (per registry and scope), credentials and the working scheme of each registry are cached
/// for the resolver's lifetime.
pub struct Resolver {
    agent: Agent,
    insecure_agent: Agent,
    provider: Arc<rustls::crypto::CryptoProvider>,
    /// Agents for hosts with their own CAs in a `certs.d` directory (`None`: no such dir).
    host_agents: Mutex<HashMap<String, Option<Agent>>>,
    config: DockerConfig,
    opts: ResolverBuilder,
    auth_cache: Mutex<HashMap<CacheKey, CachedAuth>>,
    auth_flights: Mutex<HashMap<CacheKey, Arc<Mutex<()>>>>,
    cred_cache: Mutex<HashMap<CacheKey, Option<Credential>>>,
    scheme_cache: Mutex<HashMap<String, Scheme>>,
}

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolver")
            .field("config", &self.config.path())
            .field("opts", &self.opts)
            .finish_non_exhaustive()
    }
}

/// Per-lookup context, for error messages.
struct Ctx<'a> {
    image: String,
    reference: &'a Reference,
}

impl Ctx<'_> {
    fn registry(&self) -> String {
        self.reference.registry().to_owned()
    }
    fn bad(&self, detail: impl Into<String>) -> Error {
        Error::BadResponse {
            image: self.image.clone(),
            registry: self.registry(),
            detail: detail.into(),
        }
    }
    fn unauthorized(&self, detail: impl Into<String>) -> Error {
        Error::Unauthorized {
            image: self.image.clone(),
            registry: self.registry(),
            detail: detail.into(),
        }
    }
    fn status(&self, reply: &Reply) -> Error {
        Error::Status {
            image: self.image.clone(),
            registry: self.registry(),
            url: reply.url.clone(),
            status: reply.status,
            detail: reply.error_detail(),
        }
    }
}

impl Resolver {
    /// A resolver with default settings and the user's Docker config.
    pub fn new() -> Result<Resolver, Error> {
        ResolverBuilder::default().build()
    }

    /// Start configuring a resolver.
    pub fn builder() -> ResolverBuilder {
        ResolverBuilder::default()
    }

    /// Resolve a reference string (`nginx:1.25`, `ghcr.io/o/app:v1`) to its digest.
    pub fn resolve(&self, reference: &str) -> Result<Resolved, Error> {
        self.resolve_reference(&Reference::parse(reference)?)
    }

    /// Resolve a parsed reference. A reference with a digest is returned as is
    /// ([`DigestOrigin::Reference`]) unless the resolver verifies pinned references.
    pub fn resolve_reference(&self, reference: &Reference) -> Result<Resolved, Error> {
        if let Some(d) = reference.digest() {
            if self.opts.verify_pinned {
                return self.verify(reference);
            }
            return Ok(Resolved {
                reference: reference.clone(),
                digest: d.clone(),
                media_type: None,
                size: None,
                source: DigestOrigin::Reference,
            });
        }
        let ctx = Ctx {
            image: reference.to_string(),
            reference,
        };
        let path = format!(
            "/v2/{}/manifests/{}",
            reference.repository(),
            reference.manifest_reference()
        );
        if !self.opts.verify_body {
            let head = self.send(&ctx, Method::Head, &path, Some(MANIFEST_ACCEPT))?;
            match head.status {
                200 => {
                    let media = head
                        .header("content-type")
                        .map(MediaType::from_content_type);
                    let digest = match head.header("docker-content-digest") {
                        Some(d) => Some(d.trim().parse::<Digest>().map_err(|_| {
                            ctx.bad(format!("invalid Docker-Content-Digest `{d}`"))
                        })?),
                        None => None,
                    };
                    if let (Some(digest), Some(media)) = (digest, media)
                        && media.is_known()
                    {
                        let size = head
                            .header("content-length")
                            .and_then(|l| l.trim().parse().ok());
                        return Ok(Resolved {
                            reference: reference.clone(),
                            digest,
                            media_type: Some(media),
                            size,
                            source: DigestOrigin::Header,
                        });
                    }
                    // No digest header or a generic content type: fetch the body.
                }
                404 => return Err(self.not_found(&ctx)),
                // Some registries mishandle HEAD: GET tells the truth.
                400 | 405 | 501 => {}
                _ => return Err(ctx.status(&head)),
            }
        }
        self.fetch_manifest(&ctx, &path, None)
    }

    /// Fetch the manifest a pinned reference names and check that it exists and hashes to
    /// the reference's digest. A reference without a digest is resolved with a GET and
    /// verified against the registry's digest header.
    pub fn verify(&self, reference: &Reference) -> Result<Resolved, Error> {
        let ctx = Ctx {
            image: reference.to_string(),
            reference,
        };
        let path = format!(
            "/v2/{}/manifests/{}",
            reference.repository(),
            reference.manifest_reference()
        );
        self.fetch_manifest(&ctx, &path, reference.digest())
    }

    /// GET a manifest, hash its exact bytes, and check them against the header and `expect`.
    fn fetch_manifest(
        &self,
        ctx: &Ctx<'_>,
        path: &str,
        expect: Option<&Digest>,
    ) -> Result<Resolved, Error> {
        let reply = self.send(ctx, Method::Get, path, Some(MANIFEST_ACCEPT))?;
        match reply.status {
            200 => {}
            404 if expect.is_some() => {
                return Err(Error::NotFound {
                    image: ctx.image.clone(),
                    registry: ctx.registry(),
                    what: Missing::Manifest,
                });
            }
            404 => return Err(self.not_found(ctx)),
            _ => return Err(ctx.status(&reply)),
        }
        let header = match reply.header("docker-content-digest") {
            Some(d) => Some(
                d.trim()
                    .parse::<Digest>()
                    .map_err(|_| ctx.bad(format!("invalid Docker-Content-Digest `{d}`")))?,
            ),
            None => None,
        };
        let mismatch = |expected: &Digest, actual: Digest| Error::DigestMismatch {
            image: ctx.image.clone(),
            registry: ctx.registry(),
            expected: expected.to_string(),
            actual: actual.to_string(),
        };
        // The claimed digest decides the algorithm; sha256 otherwise.
        let claimed = expect.or(header.as_ref());
        let digest = match claimed {
            Some(c) => {
                if !c.matches(&reply.body) {
                    return Err(mismatch(c, Digest::compute(c.algorithm(), &reply.body)));
                }
                c.clone()
            }
            None => Digest::sha256(&reply.body),
        };
        if let (Some(e), Some(h)) = (expect, &header)
            && h.algorithm() == e.algorithm()
            && h != e
        {
            return Err(mismatch(e, h.clone()));
        }
        let media = reply
            .header("content-type")
            .map(MediaType::from_content_type)
            .filter(MediaType::is_known)
            .or_else(|| MediaType::sniff(&reply.body))
            .or_else(|| {
                reply
                    .header("content-type")
                    .map(MediaType::from_content_type)
            });
        Ok(Resolved {
            reference: ctx.reference.clone(),
            digest,
            media_type: media,
            size: Some(reply.body.len() as u64),
            source: if claimed.is_some() {
                DigestOrigin::Verified
            } else {
                DigestOrigin::Computed
            },
        })
    }

    /// Tell a missing tag from a missing repository: `tags/list` answers `NAME_UNKNOWN` for
    /// the latter (the manifest endpoint says `MANIFEST_UNKNOWN` for both).
    fn not_found(&self, ctx: &Ctx<'_>) -> Error {
        let path = format!("/v2/{}/tags/list?n=1", ctx.reference.repository());
        let what = match self.send(ctx, Method::Get, &path, None) {
            Ok(r) if r.status == 200 => Missing::Tag,
            Ok(r) if r.status == 404 || r.error_codes().iter().any(|c| c == "NAME_UNKNOWN") => {
                Missing::Repository
            }
            // Cannot tell (listing forbidden, network): report the tag, which is what was asked.
            _ => Missing::Tag,
        };
        Error::NotFound {
            image: ctx.image.clone(),
            registry: ctx.registry(),
            what,
        }
    }

    /// Resolve many references with bounded parallelism. Identical references (after
    /// normalisation: `nginx` and `docker.io/library/nginx:latest`) are looked up once.
    /// Results come back in input order.
    pub fn resolve_many<S: AsRef<str>>(&self, references: &[S]) -> Vec<Result<Resolved, Error>> {
        let parsed: Vec<Result<Reference, Error>> = references
            .iter()
            .map(|s| Reference::parse(s.as_ref()))
            .collect();
        let refs: Vec<&Reference> = parsed.iter().filter_map(|r| r.as_ref().ok()).collect();
        let resolved = self.resolve_references(&refs);
        let mut it = resolved.into_iter();
        parsed
            .into_iter()
            .map(|p| match p {
                Ok(_) => it.next().unwrap_or_else(|| {
                    Err(Error::Client("internal: result count mismatch".into()))
                }),
                Err(e) => Err(e),
            })
            .collect()
    }

    /// [`resolve_many`](Self::resolve_many) for parsed references.
    pub fn resolve_references(&self, references: &[&Reference]) -> Vec<Result<Resolved, Error>> {
        // Keyed by the fully qualified form, so `nginx` and `nginx:latest` are one lookup.
        let mut unique: Vec<&Reference> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let slots: Vec<usize> = references
            .iter()
            .map(|r| {
                *index.entry(r.to_string()).or_insert_with(|| {
                    unique.push(r);
                    unique.len() - 1
                })
            })
            .collect();
        let results: Vec<Mutex<Option<Result<Resolved, Error>>>> =
            unique.iter().map(|_| Mutex::new(None)).collect();
        let next = AtomicUsize::new(0);
        let workers = self.opts.concurrency.min(unique.len());
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(r) = unique.get(i) else { break };
                        let out = self.resolve_reference(r);
                        *lock(&results[i]) = Some(out);
                    }
                });
            }
        });
        let results: Vec<Result<Resolved, Error>> = results
            .into_iter()
            .map(|m| {
                m.into_inner()
                    .unwrap_or_else(|p| p.into_inner())
                    .unwrap_or_else(|| Err(Error::Client("internal: lookup did not run".into())))
            })
            .collect();
        references
            .iter()
            .zip(slots)
            .map(|(r, i)| {
                results[i].clone().map(|mut res| {
                    // Each caller gets its own spelling back (`nginx` vs `nginx:latest`).
                    res.reference = (*r).clone();
                    res
                })
            })
            .collect()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
