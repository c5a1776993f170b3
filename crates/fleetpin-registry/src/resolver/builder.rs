//! [`ResolverBuilder`]: every setting of a [`Resolver`], with defaults suited to a CLI.

use super::*;

/// Builds a [`Resolver`]; every setting has a default suited to a CLI.
#[derive(Debug, Clone)]
pub struct ResolverBuilder {
    pub(super) docker_config: Option<DockerConfig>,
    pub(super) insecure: Vec<String>,
    pub(super) loopback_insecure: bool,
    pub(super) connect_timeout: Duration,
    pub(super) timeout: Duration,
    pub(super) max_retries: u32,
    pub(super) backoff: Duration,
    pub(super) max_backoff: Duration,
    pub(super) concurrency: usize,
    pub(super) proxy_from_env: bool,
    pub(super) user_agent: String,
    pub(super) verify_body: bool,
    pub(super) verify_pinned: bool,
    pub(super) extra_roots: Vec<Vec<u8>>,
    pub(super) certs_dirs: Vec<std::path::PathBuf>,
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
