//! Authorisation: credentials from Docker's config, `Bearer` tokens and `Basic` auth, cached per
//! registry and scope, and the explanation when a registry refuses them.

use super::*;

/// `(registry API host, scope)` for auth, `(registry, repository)` for credentials.
pub(super) type CacheKey = (String, String);

#[derive(Debug, Clone)]
pub(super) struct CachedAuth {
    pub(super) header: String,
    pub(super) expires: Option<Instant>,
}

impl Resolver {
    pub(super) fn refusal_detail(
        &self,
        ctx: &Ctx<'_>,
        sent_auth: bool,
        registry_says: &str,
    ) -> String {
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

    pub(super) fn config_name(&self) -> String {
        match self.config.path() {
            Some(p) => p.display().to_string(),
            None => "the Docker config".to_owned(),
        }
    }

    pub(super) fn auth_flight(&self, host: &str, scope: &str) -> Arc<Mutex<()>> {
        lock(&self.auth_flights)
            .entry((host.to_owned(), scope.to_owned()))
            .or_default()
            .clone()
    }

    pub(super) fn cached_auth(&self, host: &str, scope: &str) -> Option<String> {
        let cache = lock(&self.auth_cache);
        let c = cache.get(&(host.to_owned(), scope.to_owned()))?;
        match c.expires {
            Some(t) if Instant::now() >= t => None,
            _ => Some(c.header.clone()),
        }
    }

    pub(super) fn credentials(&self, r: &Reference) -> Result<Option<Credential>, Error> {
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
    pub(super) fn authorize(
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
    pub(super) fn fetch_token(
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
