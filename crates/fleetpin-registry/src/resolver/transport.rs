//! HTTP: agents and their trust roots (system store, `certs.d`, extra CAs), the HTTPS/HTTP
//! choice per registry, sending with retries and backoff, and reading replies.

use super::*;

/// An HTTP agent: the system trust store plus `extra` CA certificates (DER), or no
/// certificate verification at all.
pub(super) fn make_agent(
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scheme {
    Https,
    Http,
}

impl Scheme {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Scheme::Https => "https",
            Scheme::Http => "http",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Method {
    Head,
    Get,
}

/// A registry answer with its body read (empty for HEAD).
pub(super) struct Reply {
    pub(super) status: u16,
    pub(super) headers: HeaderMap,
    pub(super) body: Vec<u8>,
    pub(super) url: String,
}

impl Reply {
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `CODE: message` from a registry error body (`{"errors":[…]}`), else empty.
    pub(super) fn error_detail(&self) -> String {
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

    pub(super) fn error_codes(&self) -> Vec<String> {
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

impl Resolver {
    pub(super) fn is_insecure(&self, registry: &str) -> bool {
        let r = credential_host(registry);
        self.opts.insecure.contains(&r) || (self.opts.loopback_insecure && is_loopback(&r))
    }

    pub(super) fn schemes(&self, host: &str) -> Vec<Scheme> {
        if let Some(s) = lock(&self.scheme_cache).get(host) {
            return vec![*s];
        }
        if self.is_insecure(host) {
            vec![Scheme::Https, Scheme::Http]
        } else {
            vec![Scheme::Https]
        }
    }

    pub(super) fn agent_for(&self, scheme: Scheme, host: &str) -> Result<Agent, Error> {
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
    pub(super) fn certs_d_roots(&self, host: &str) -> Result<Vec<Vec<u8>>, Error> {
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
    pub(super) fn transport(
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
    pub(super) fn send(
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

    pub(super) fn sleep_backoff(&self, attempt: u32, retry_after: Option<Duration>) {
        let exp = self
            .opts
            .backoff
            .saturating_mul(2u32.saturating_pow(attempt.min(16)));
        let d = retry_after.unwrap_or(exp).min(self.opts.max_backoff);
        std::thread::sleep(d);
    }
}

pub(super) fn read_reply(
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

pub(super) fn network(ctx: &Ctx<'_>, url: &str, e: Arc<ureq::Error>) -> Error {
    Error::Network {
        image: ctx.image.clone(),
        registry: ctx.registry(),
        url: url.to_owned(),
        source: e,
    }
}

/// Transport errors worth another try: timeouts, resets, refused connections. DNS failures,
/// TLS and protocol errors are not.
pub(super) fn retryable_ureq(e: &ureq::Error) -> bool {
    matches!(
        e,
        ureq::Error::Timeout(_) | ureq::Error::Io(_) | ureq::Error::ConnectionFailed
    )
}

pub(super) fn retryable_network(e: &Error) -> bool {
    match e {
        Error::Network { source, .. } => retryable_ureq(source),
        _ => false,
    }
}
