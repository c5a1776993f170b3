//! Tag → digest resolution over the registry HTTP API (OCI distribution spec).

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
pub enum DigestSource {
    /// The registry's `Docker-Content-Digest` header (HEAD request).
    Header,
    /// Computed from the manifest body: the registry sent no digest header.
    Computed,
    /// The manifest body was fetched and hashes to the digest (header or reference).
    Verified,
    /// The reference already carried a digest; the registry was not asked.
    Reference,
}

/// The outcome of resolving one reference.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Resolved {
    /// The normalised reference that was resolved (tag kept, digest as given).
    pub reference: Reference,
    /// The manifest's digest. For a multi-platform tag this is the index's digest.
    pub digest: Digest,
    /// The manifest's media type; `None` when the registry was not asked
    /// ([`DigestSource::Reference`]).
    pub media_type: Option<MediaType>,
    /// The manifest's size in bytes, when known.
    pub size: Option<u64>,
    /// How the digest was obtained.
    pub source: DigestSource,
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

/// Builds a [`Resolver`]; every setting has a default suited to a CLI.
#[derive(Debug, Clone)]
pub struct ResolverBuilder {
    docker_config: Option<DockerConfig>,
    insecure: Vec<String>,
    loopback_insecure: bool,
    connect_timeout: Duration,
    timeout: Duration,
    max_retries: u32,
    backoff: Duration,
    max_backoff: Duration,
    concurrency: usize,
    proxy_from_env: bool,
    user_agent: String,
    verify_body: bool,
    verify_pinned: bool,
    extra_roots: Vec<Vec<u8>>,
    certs_dirs: Vec<std::path::PathBuf>,
}

impl Default for ResolverBuilder {
    fn default() -> Self {
        ResolverBuilder {
            docker_config: None,
            insecure: Vec::new(),
            loopback_insecure: true,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_retries: 3,
            backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            concurrency: 8,
            proxy_from_env: true,
            user_agent: concat!("fleetpin/", env!("CARGO_PKG_VERSION")).to_owned(),
            verify_body: false,
            verify_pinned: false,
            extra_roots: Vec::new(),
            certs_dirs: vec![
                "/etc/docker/certs.d".into(),
                "/etc/containers/certs.d".into(),
            ],
        }
    }
}

impl ResolverBuilder {
    /// Use this Docker config for credentials instead of `$DOCKER_CONFIG/config.json` /
    /// `~/.docker/config.json`. Pass [`DockerConfig::empty`] for anonymous access only.
    pub fn docker_config(mut self, config: DockerConfig) -> Self {
        self.docker_config = Some(config);
        self
    }

    /// Treat `registry` (`host[:port]`, as in a reference) like a Docker insecure registry:
    /// HTTPS without certificate verification is tried first, then plain HTTP.
    pub fn insecure_registry(mut self, registry: &str) -> Self {
        self.insecure.push(credential_host(registry));
        self
    }

    /// Whether loopback registries (`localhost`, `127.0.0.0/8`, `::1`) are insecure by
    /// default, as in Docker. Default: `true`.
    pub fn loopback_insecure(mut self, yes: bool) -> Self {
        self.loopback_insecure = yes;
        self
    }

    /// Time allowed to open a connection. Default: 10 s.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Time allowed for one whole request, connection included. Default: 30 s.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// Retries after a network error, 429 or 5xx (so `n + 1` attempts). Default: 3.
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// First retry delay, doubled on each retry up to `max` (`Retry-After` is honoured up to
    /// `max`). Default: 250 ms, up to 8 s.
    pub fn backoff(mut self, first: Duration, max: Duration) -> Self {
        self.backoff = first;
        self.max_backoff = max;
        self
    }

    /// How many references [`Resolver::resolve_many`] resolves at once. Default: 8.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Honour `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`/`NO_PROXY`. Default: `true`.
    pub fn proxy_from_env(mut self, yes: bool) -> Self {
        self.proxy_from_env = yes;
        self
    }

    /// The `User-Agent` header. Default: `fleetpin/VERSION`.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// Always fetch the manifest body and check that it hashes to the registry's digest
    /// header (a GET instead of a HEAD). Default: `false`.
    pub fn verify_body(mut self, yes: bool) -> Self {
        self.verify_body = yes;
        self
    }

    /// For references that already carry a digest, fetch the manifest by digest and check it
    /// (exists, hashes right) instead of trusting the reference. Default: `false`.
    pub fn verify_pinned(mut self, yes: bool) -> Self {
        self.verify_pinned = yes;
        self
    }

    /// Trust the CA certificates in `pem` (one or more `BEGIN CERTIFICATE` blocks) in
    /// addition to the system's trust store, for registries behind a private CA that is not
    /// installed system-wide. Fails when `pem` holds no certificate.
    pub fn add_root_certificates_pem(mut self, pem: &[u8]) -> Result<Self, Error> {
        let before = self.extra_roots.len();
        for item in ureq::tls::parse_pem(pem) {
            match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => self.extra_roots.push(c.der().to_vec()),
                Ok(_) => {}
                Err(e) => return Err(Error::Client(format!("invalid PEM certificate: {e}"))),
            }
        }
        if self.extra_roots.len() == before {
            return Err(Error::Client("no certificate in the PEM data".into()));
        }
        Ok(self)
    }

    /// Directories of per-registry CA certificates, laid out like Docker's
    /// `/etc/docker/certs.d`: `DIR/HOST[:PORT]/*.crt` are trusted, in addition to the system
    /// store, for that registry only. Default: `/etc/docker/certs.d` and
    /// `/etc/containers/certs.d`. Client certificates (`*.cert`/`*.key`) are not supported.
    pub fn certs_dirs(mut self, dirs: Vec<std::path::PathBuf>) -> Self {
        self.certs_dirs = dirs;
        self
    }

    /// Build the resolver. Reads the default Docker config unless one was given.
    pub fn build(self) -> Result<Resolver, Error> {
        let config = match &self.docker_config {
            Some(c) => c.clone(),
            None => DockerConfig::load_default()?,
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let agent = make_agent(&self, &provider, &[], true);
        let insecure_agent = make_agent(&self, &provider, &[], false);
        Ok(Resolver {
            agent,
            insecure_agent,
            provider,
            host_agents: Mutex::new(HashMap::new()),
            config,
            opts: self,
            auth_cache: Mutex::new(HashMap::new()),
            auth_flights: Mutex::new(HashMap::new()),
            cred_cache: Mutex::new(HashMap::new()),
            scheme_cache: Mutex::new(HashMap::new()),
        })
    }
}

/// An HTTP agent: the system trust store plus `extra` CA certificates (DER), or no
/// certificate verification at all.
fn make_agent(
    opts: &ResolverBuilder,
    provider: &Arc<rustls::crypto::CryptoProvider>,
    extra: &[Vec<u8>],
    verify: bool,
) -> Agent {
    let extra: Vec<&Vec<u8>> = opts.extra_roots.iter().chain(extra).collect();
    let roots = if extra.is_empty() {
        // The system's trust store (rustls-platform-verifier): corporate CAs installed on the
        // machine work, as do SSL_CERT_FILE / SSL_CERT_DIR.
        ureq::tls::RootCerts::PlatformVerifier
    } else {
        let native = rustls_native_certs::load_native_certs();
        let mut certs: Vec<ureq::tls::Certificate<'static>> = native
            .certs
            .iter()
            .map(|c| ureq::tls::Certificate::from_der(c.as_ref()).to_owned())
            .collect();
        certs.extend(
            extra
                .iter()
                .map(|d| ureq::tls::Certificate::from_der(d).to_owned()),
        );
        ureq::tls::RootCerts::new_with_certs(&certs)
    };
    let tls = ureq::tls::TlsConfig::builder()
        .provider(ureq::tls::TlsProvider::Rustls)
        .root_certs(roots)
        .unversioned_rustls_crypto_provider(provider.clone())
        .disable_verification(!verify)
        .build();
    let proxy = if opts.proxy_from_env {
        ureq::Proxy::try_from_env()
    } else {
        None
    };
    Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(opts.connect_timeout))
        .timeout_global(Some(opts.timeout))
        .user_agent(opts.user_agent.as_str())
        .proxy(proxy)
        .tls_config(tls)
        .build()
        .into()
}

/// `(registry API host, scope)` for auth, `(registry, repository)` for credentials.
type CacheKey = (String, String);

#[derive(Debug, Clone)]
struct CachedAuth {
    header: String,
    expires: Option<Instant>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Https,
    Http,
}

impl Scheme {
    fn as_str(self) -> &'static str {
        match self {
            Scheme::Https => "https",
            Scheme::Http => "http",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Head,
    Get,
}

/// A registry answer with its body read (empty for HEAD).
struct Reply {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
    url: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `CODE: message` from a registry error body (`{"errors":[…]}`), else empty.
    fn error_detail(&self) -> String {
        #[derive(serde::Deserialize)]
        struct Errs {
            errors: Vec<E>,
        }
        #[derive(serde::Deserialize)]
        struct E {
            #[serde(default)]
            code: String,
            #[serde(default)]
            message: String,
        }
        match serde_json::from_slice::<Errs>(&self.body) {
            Ok(e) => e
                .errors
                .iter()
                .map(|e| format!("{}: {}", e.code, e.message))
                .collect::<Vec<_>>()
                .join("; "),
            Err(_) => String::new(),
        }
    }

    fn error_codes(&self) -> Vec<String> {
        let v: serde_json::Value = serde_json::from_slice(&self.body).unwrap_or_default();
        v.get("errors")
            .and_then(|e| e.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|e| e.get("code").and_then(|c| c.as_str()).map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

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
    /// ([`DigestSource::Reference`]) unless the resolver verifies pinned references.
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
                source: DigestSource::Reference,
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
                            source: DigestSource::Header,
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
                DigestSource::Verified
            } else {
                DigestSource::Computed
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

    fn is_insecure(&self, registry: &str) -> bool {
        let r = credential_host(registry);
        self.opts.insecure.contains(&r) || (self.opts.loopback_insecure && is_loopback(&r))
    }

    fn schemes(&self, host: &str) -> Vec<Scheme> {
        if let Some(s) = lock(&self.scheme_cache).get(host) {
            return vec![*s];
        }
        if self.is_insecure(host) {
            vec![Scheme::Https, Scheme::Http]
        } else {
            vec![Scheme::Https]
        }
    }

    fn agent_for(&self, scheme: Scheme, host: &str) -> Result<Agent, Error> {
        if scheme == Scheme::Https && self.is_insecure(host) {
            return Ok(self.insecure_agent.clone());
        }
        if scheme == Scheme::Http {
            return Ok(self.agent.clone());
        }
        if let Some(a) = lock(&self.host_agents).get(host) {
            return Ok(a.clone().unwrap_or_else(|| self.agent.clone()));
        }
        let cas = self.certs_d_roots(host)?;
        let agent = (!cas.is_empty()).then(|| make_agent(&self.opts, &self.provider, &cas, true));
        lock(&self.host_agents).insert(host.to_owned(), agent.clone());
        Ok(agent.unwrap_or_else(|| self.agent.clone()))
    }

    /// CA certificates (DER) from `certs.d/HOST/*.crt`.
    fn certs_d_roots(&self, host: &str) -> Result<Vec<Vec<u8>>, Error> {
        let mut out = Vec::new();
        for dir in &self.opts.certs_dirs {
            let d = dir.join(host);
            let Ok(entries) = std::fs::read_dir(&d) else {
                continue;
            };
            let mut files: Vec<_> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "crt"))
                .collect();
            files.sort();
            for f in files {
                let bad = |detail: String| Error::Config {
                    path: f.clone(),
                    detail,
                };
                let pem = std::fs::read(&f).map_err(|e| bad(e.to_string()))?;
                let before = out.len();
                for item in ureq::tls::parse_pem(&pem) {
                    match item {
                        Ok(ureq::tls::PemItem::Certificate(c)) => out.push(c.der().to_vec()),
                        Ok(_) => {}
                        Err(e) => return Err(bad(format!("invalid PEM: {e}"))),
                    }
                }
                if out.len() == before {
                    return Err(bad("no certificate in the file".into()));
                }
            }
        }
        Ok(out)
    }

    /// One request to the registry API, trying HTTPS then HTTP for insecure registries.
    fn transport(
        &self,
        ctx: &Ctx<'_>,
        method: Method,
        path: &str,
        accept: Option<&str>,
        auth: Option<&str>,
    ) -> Result<Reply, Error> {
        let host = ctx.reference.api_host();
        let schemes = self.schemes(host);
        let mut last = None;
        for (n, scheme) in schemes.iter().enumerate() {
            let url = format!("{}://{host}{path}", scheme.as_str());
            let agent = self.agent_for(*scheme, host)?;
            let mut req = match method {
                Method::Head => agent.head(&url),
                Method::Get => agent.get(&url),
            };
            if let Some(a) = accept {
                req = req.header("Accept", a);
            }
            if let Some(a) = auth {
                req = req.header("Authorization", a);
            }
            match req.call() {
                Ok(resp) => {
                    if schemes.len() > 1 {
                        lock(&self.scheme_cache).insert(host.to_owned(), *scheme);
                    }
                    let limit = if method == Method::Get && resp.status().as_u16() == 200 {
                        MAX_MANIFEST_BYTES
                    } else {
                        MAX_SMALL_BODY
                    };
                    return read_reply(resp, method, url.clone(), limit).map_err(|e| match e {
                        ureq::Error::BodyExceedsLimit(n) => {
                            ctx.bad(format!("{url}: response body larger than {n} bytes"))
                        }
                        e => network(ctx, &url, Arc::new(e)),
                    });
                }
                Err(e) => {
                    last = Some((url, e));
                    if n + 1 < schemes.len() {
                        continue;
                    }
                }
            }
        }
        let (url, e) = last.unwrap_or_else(|| (path.to_owned(), ureq::Error::ConnectionFailed));
        Err(network(ctx, &url, Arc::new(e)))
    }

    /// A registry request with authentication and retries: a 401 is answered once by
    /// following its challenge; 429 and 5xx and network errors are retried with backoff.
    fn send(
        &self,
        ctx: &Ctx<'_>,
        method: Method,
        path: &str,
        accept: Option<&str>,
    ) -> Result<Reply, Error> {
        let host = ctx.reference.api_host().to_owned();
        let scope = ctx.reference.pull_scope();
        let mut auth = self.cached_auth(&host, &scope);
        let mut challenged = false;
        let mut attempt = 0;
        loop {
            let reply = match self.transport(ctx, method, path, accept, auth.as_deref()) {
                Ok(r) => r,
                Err(e) => {
                    if attempt < self.opts.max_retries && retryable_network(&e) {
                        self.sleep_backoff(attempt, None);
                        attempt += 1;
                        continue;
                    }
                    return Err(e);
                }
            };
            match reply.status {
                401 if !challenged => {
                    challenged = true;
                    // One token fetch per (registry, scope) at a time: parallel lookups of
                    // the same repository wait for it instead of asking the realm again.
                    let flight = self.auth_flight(&host, &scope);
                    let _guard = lock(&flight);
                    if let Some(fresh) = self.cached_auth(&host, &scope)
                        && auth.as_deref() != Some(fresh.as_str())
                    {
                        auth = Some(fresh);
                        continue;
                    }
                    let challenges: Vec<Challenge> = reply
                        .headers
                        .get_all("www-authenticate")
                        .iter()
                        .filter_map(|v| v.to_str().ok())
                        .flat_map(parse_challenges)
                        .collect();
                    auth = Some(self.authorize(ctx, &challenges, &scope)?);
                }
                401 | 403 => {
                    let detail = reply.error_detail();
                    return Err(ctx.unauthorized(self.refusal_detail(
                        ctx,
                        auth.is_some(),
                        &detail,
                    )));
                }
                429 | 500 | 502 | 503 | 504 if attempt < self.opts.max_retries => {
                    let retry_after = reply
                        .header("retry-after")
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs);
                    self.sleep_backoff(attempt, retry_after);
                    attempt += 1;
                }
                _ => return Ok(reply),
            }
        }
    }

    fn sleep_backoff(&self, attempt: u32, retry_after: Option<Duration>) {
        let exp = self
            .opts
            .backoff
            .saturating_mul(2u32.saturating_pow(attempt.min(16)));
        let d = retry_after.unwrap_or(exp).min(self.opts.max_backoff);
        std::thread::sleep(d);
    }

    fn refusal_detail(&self, ctx: &Ctx<'_>, sent_auth: bool, registry_says: &str) -> String {
        let who = match self.credentials(ctx.reference) {
            Ok(Some(Credential::Basic { username, .. })) => {
                format!("credentials for user `{username}` were refused")
            }
            Ok(Some(Credential::IdentityToken(_))) => "the identity token was refused".to_owned(),
            _ if sent_auth => "anonymous token does not grant pull access".to_owned(),
            _ => format!(
                "anonymous access refused and no credentials for {} in {}",
                ctx.reference.registry(),
                self.config_name()
            ),
        };
        let mut d = who;
        if !registry_says.is_empty() {
            d.push_str(&format!(" ({registry_says})"));
        }
        if ctx.reference.registry() == DOCKER_HUB {
            d.push_str("; Docker Hub also answers this way when the repository does not exist");
        }
        d
    }

    fn config_name(&self) -> String {
        match self.config.path() {
            Some(p) => p.display().to_string(),
            None => "the Docker config".to_owned(),
        }
    }

    fn auth_flight(&self, host: &str, scope: &str) -> Arc<Mutex<()>> {
        lock(&self.auth_flights)
            .entry((host.to_owned(), scope.to_owned()))
            .or_default()
            .clone()
    }

    fn cached_auth(&self, host: &str, scope: &str) -> Option<String> {
        let cache = lock(&self.auth_cache);
        let c = cache.get(&(host.to_owned(), scope.to_owned()))?;
        match c.expires {
            Some(t) if Instant::now() >= t => None,
            _ => Some(c.header.clone()),
        }
    }

    fn credentials(&self, r: &Reference) -> Result<Option<Credential>, Error> {
        let key = (r.registry().to_owned(), r.repository().to_owned());
        if let Some(c) = lock(&self.cred_cache).get(&key) {
            return Ok(c.clone());
        }
        let c = self.config.credentials_for(r.registry(), r.repository())?;
        lock(&self.cred_cache).insert(key, c.clone());
        Ok(c)
    }

    /// Answer a 401: fetch a bearer token, or use basic credentials. The result is cached
    /// per (registry, scope).
    fn authorize(
        &self,
        ctx: &Ctx<'_>,
        challenges: &[Challenge],
        scope: &str,
    ) -> Result<String, Error> {
        let host = ctx.reference.api_host().to_owned();
        let creds = self.credentials(ctx.reference)?;
        let (header, expires) = if let Some(ch) = challenges.iter().find(|c| c.is_bearer()) {
            let (token, lifetime) = self.fetch_token(ctx, ch, creds.as_ref(), scope)?;
            // Renew a little early so a token does not expire in flight.
            let life = Duration::from_secs(lifetime.saturating_sub(5).max(1));
            (format!("Bearer {token}"), Some(Instant::now() + life))
        } else if challenges.iter().any(Challenge::is_basic) {
            match creds.as_ref().and_then(Credential::basic_header) {
                Some(h) => (h, None),
                None => {
                    return Err(ctx.unauthorized(format!(
                        "the registry wants basic auth and there are no user/password \
                         credentials for {} in {}",
                        ctx.reference.registry(),
                        self.config_name()
                    )));
                }
            }
        } else {
            return Err(ctx.bad("401 without a Bearer or Basic WWW-Authenticate challenge"));
        };
        lock(&self.auth_cache).insert(
            (host, scope.to_owned()),
            CachedAuth {
                header: header.clone(),
                expires,
            },
        );
        Ok(header)
    }

    /// Get a token from the challenge's realm (distribution token spec): GET with basic
    /// auth or anonymously, or POST an OAuth2 refresh-token grant for identity tokens.
    fn fetch_token(
        &self,
        ctx: &Ctx<'_>,
        ch: &Challenge,
        creds: Option<&Credential>,
        scope: &str,
    ) -> Result<(String, u64), Error> {
        let realm = ch
            .param("realm")
            .filter(|r| !r.is_empty())
            .ok_or_else(|| ctx.bad("Bearer challenge without a realm"))?;
        let (realm_scheme, realm_rest) = realm
            .split_once("://")
            .filter(|(s, _)| s.eq_ignore_ascii_case("https") || s.eq_ignore_ascii_case("http"))
            .ok_or_else(|| ctx.bad(format!("token realm `{realm}` is not an http(s) URL")))?;
        let realm_host = realm_rest.split(['/', '?']).next().unwrap_or_default();
        let plain = realm_scheme.eq_ignore_ascii_case("http");
        if plain && creds.is_some() && !self.is_insecure(realm_host) {
            return Err(ctx.unauthorized(format!(
                "refusing to send credentials to the plain-HTTP token realm {realm}; \
                 declare {realm_host} an insecure registry to allow it"
            )));
        }
        let service = ch.param("service");
        // The challenge's scope is what the registry wants; several are space-separated.
        let scopes: Vec<&str> = ch
            .param("scope")
            .map(|s| s.split(' ').filter(|x| !x.is_empty()).collect())
            .filter(|v: &Vec<&str>| !v.is_empty())
            .unwrap_or_else(|| vec![scope]);
        let agent = self.agent_for(if plain { Scheme::Http } else { Scheme::Https }, realm_host)?;
        let mut attempt = 0;
        let (status, body) = loop {
            let result = match creds {
                Some(Credential::IdentityToken(t)) => {
                    let mut form: Vec<(&str, &str)> = vec![
                        ("grant_type", "refresh_token"),
                        ("refresh_token", t),
                        ("client_id", "fleetpin"),
                    ];
                    if let Some(s) = service {
                        form.push(("service", s));
                    }
                    let joined = scopes.join(" ");
                    form.push(("scope", &joined));
                    agent.post(realm).send_form(form)
                }
                _ => {
                    let mut q = form_urlencoded::Serializer::new(String::new());
                    if let Some(s) = service {
                        q.append_pair("service", s);
                    }
                    for s in &scopes {
                        q.append_pair("scope", s);
                    }
                    if let Some(Credential::Basic { username, .. }) = creds {
                        q.append_pair("account", username);
                    }
                    let sep = if realm.contains('?') { '&' } else { '?' };
                    let url = format!("{realm}{sep}{}", q.finish());
                    let mut req = agent.get(&url);
                    if let Some(h) = creds.and_then(Credential::basic_header) {
                        req = req.header("Authorization", h);
                    }
                    req.call()
                }
            };
            match result {
                Ok(mut resp) => {
                    let status = resp.status().as_u16();
                    let body = resp
                        .body_mut()
                        .with_config()
                        .limit(MAX_SMALL_BODY)
                        .read_to_vec()
                        .map_err(|e| network(ctx, realm, Arc::new(e)))?;
                    if matches!(status, 429 | 500 | 502 | 503 | 504)
                        && attempt < self.opts.max_retries
                    {
                        self.sleep_backoff(attempt, None);
                        attempt += 1;
                        continue;
                    }
                    break (status, body);
                }
                Err(e) => {
                    if attempt < self.opts.max_retries && retryable_ureq(&e) {
                        self.sleep_backoff(attempt, None);
                        attempt += 1;
                        continue;
                    }
                    return Err(network(ctx, realm, Arc::new(e)));
                }
            }
        };
        match status {
            200 => {}
            401 | 403 => {
                let who = match creds {
                    Some(Credential::Basic { username, .. }) => format!("user `{username}`"),
                    Some(Credential::IdentityToken(_)) => "the identity token".to_owned(),
                    None => "anonymous access".to_owned(),
                };
                return Err(ctx.unauthorized(format!(
                    "token server {realm} refused {who} (HTTP {status})"
                )));
            }
            _ => {
                return Err(Error::Status {
                    image: ctx.image.clone(),
                    registry: ctx.registry(),
                    url: realm.to_owned(),
                    status,
                    detail: String::from_utf8_lossy(&body).chars().take(200).collect(),
                });
            }
        }
        #[derive(serde::Deserialize)]
        struct TokenResponse {
            #[serde(default)]
            token: Option<String>,
            #[serde(default)]
            access_token: Option<String>,
            #[serde(default)]
            expires_in: Option<u64>,
        }
        let t: TokenResponse = serde_json::from_slice(&body)
            .map_err(|e| ctx.bad(format!("token response from {realm} is not JSON: {e}")))?;
        let token = t
            .token
            .filter(|s| !s.is_empty())
            .or(t.access_token.filter(|s| !s.is_empty()))
            .ok_or_else(|| ctx.bad(format!("token response from {realm} has no token")))?;
        Ok((token, t.expires_in.unwrap_or(DEFAULT_TOKEN_LIFETIME)))
    }
}

fn read_reply(
    mut resp: Response<ureq::Body>,
    method: Method,
    url: String,
    limit: u64,
) -> Result<Reply, ureq::Error> {
    let status = resp.status().as_u16();
    let body = if method == Method::Head {
        Vec::new()
    } else {
        resp.body_mut().with_config().limit(limit).read_to_vec()?
    };
    Ok(Reply {
        status,
        headers: resp.headers().clone(),
        body,
        url,
    })
}

fn network(ctx: &Ctx<'_>, url: &str, e: Arc<ureq::Error>) -> Error {
    Error::Network {
        image: ctx.image.clone(),
        registry: ctx.registry(),
        url: url.to_owned(),
        source: e,
    }
}

/// Transport errors worth another try: timeouts, resets, refused connections. DNS failures,
/// TLS and protocol errors are not.
fn retryable_ureq(e: &ureq::Error) -> bool {
    matches!(
        e,
        ureq::Error::Timeout(_) | ureq::Error::Io(_) | ureq::Error::ConnectionFailed
    )
}

fn retryable_network(e: &Error) -> bool {
    match e {
        Error::Network { source, .. } => retryable_ureq(source),
        _ => false,
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
