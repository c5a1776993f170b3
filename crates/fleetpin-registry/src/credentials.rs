//! Registry credentials from Docker's `config.json`.
//!
//! Lookup order for a registry, as the Docker CLI does it (`cli/config/configfile/file.go`):
//! `credHelpers[host]` (authoritative when present), else the `credsStore` helper, else the
//! inline `auths[host]` entry (`auth` = base64 `user:password`, or `username`/`password`, or an
//! `identitytoken`). Unlike the Docker CLI, an inline entry is still used when `credsStore` has
//! nothing for the host, as containers/image does.
//!
//! Keys are compared the way Docker normalises them (`ConvertToHostname`): the scheme and any
//! path are dropped, so `https://index.docker.io/v1/` is Docker Hub (`docker.io`). A key with
//! a repository path (`reg.example/team`, as in containers' `auth.json`) applies to that
//! namespace only, and the most specific key wins.

use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde::Deserialize;

use crate::Error;
use crate::reference::{DOCKER_HUB, credential_host};

/// The server URL the Docker CLI files Docker Hub credentials under.
pub const DOCKER_HUB_LEGACY_KEY: &str = "https://index.docker.io/v1/";

/// How long a credential helper may take before it is killed.
const HELPER_TIMEOUT: Duration = Duration::from_secs(30);

/// Credentials for one registry.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// A user name and password (or personal access token), sent as HTTP basic auth.
    Basic {
        /// The user name.
        username: String,
        /// The password or access token.
        password: String,
    },
    /// An OAuth2 refresh token (`identitytoken`, or a helper's `<token>` user), exchanged at
    /// the token server for an access token.
    IdentityToken(String),
}

/// Secrets never reach logs or error messages.
impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .field("password", &"<redacted>")
                .finish(),
            Credential::IdentityToken(_) => f.write_str("IdentityToken(<redacted>)"),
        }
    }
}

impl Credential {
    /// The `Authorization: Basic …` header value, for basic credentials.
    pub fn basic_header(&self) -> Option<String> {
        match self {
            Credential::Basic { username, password } => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
            )),
            Credential::IdentityToken(_) => None,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct RawConfig {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: BTreeMap<String, String>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
}

/// A parsed Docker `config.json`: where registry credentials come from.
#[derive(Debug, Clone, Default)]
pub struct DockerConfig {
    path: Option<PathBuf>,
    /// `auths`, keyed by normalised `host[/path]`.
    auths: Vec<(String, AuthEntry)>,
    /// `credHelpers`, keyed by normalised host.
    cred_helpers: BTreeMap<String, String>,
    creds_store: Option<String>,
    helper_dirs: Vec<PathBuf>,
}

/// Docker's `ConvertToHostname` plus Hub aliases: `https://index.docker.io/v1/` → `docker.io`;
/// a path after the host is kept (lower-cased host) for namespace-scoped keys, minus Docker's
/// `/v1`/`/v2` API suffixes.
fn normalize_key(key: &str) -> String {
    let k = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    let (host, path) = match k.split_once('/') {
        Some((h, p)) => (h, p.trim_end_matches('/')),
        None => (k, ""),
    };
    let host = credential_host(host);
    let path = match path {
        "v1" | "v2" | "" => "",
        p => p,
    };
    if path.is_empty() {
        host
    } else {
        format!("{host}/{path}")
    }
}

/// `$DOCKER_CONFIG/config.json`, else `$HOME/.docker/config.json` (empty values ignored).
fn default_path_from(
    docker_config: Option<std::ffi::OsString>,
    home: Option<std::ffi::OsString>,
) -> Option<PathBuf> {
    if let Some(dir) = docker_config.filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    home.filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".docker").join("config.json"))
}

impl DockerConfig {
    /// No credentials at all (anonymous access only).
    pub fn empty() -> DockerConfig {
        DockerConfig::default()
    }

    /// The config Docker itself would use: `$DOCKER_CONFIG/config.json`, else
    /// `~/.docker/config.json`. A missing file is an empty config, as for Docker.
    pub fn load_default() -> Result<DockerConfig, Error> {
        match DockerConfig::default_path() {
            Some(p) => DockerConfig::load(&p),
            None => Ok(DockerConfig::empty()),
        }
    }

    /// Where [`load_default`](Self::load_default) reads from, when a home directory is known.
    pub fn default_path() -> Option<PathBuf> {
        default_path_from(std::env::var_os("DOCKER_CONFIG"), std::env::var_os("HOME"))
    }

    /// Read a config file. A missing file is an empty config; an unreadable or malformed one
    /// is an [`Error::Config`].
    pub fn load(path: &Path) -> Result<DockerConfig, Error> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(DockerConfig {
                    path: Some(path.to_owned()),
                    ..DockerConfig::default()
                });
            }
            Err(e) => {
                return Err(Error::Config {
                    path: path.to_owned(),
                    detail: e.to_string(),
                });
            }
        };
        let mut c = DockerConfig::from_json(&text).map_err(|e| Error::Config {
            path: path.to_owned(),
            detail: e,
        })?;
        c.path = Some(path.to_owned());
        Ok(c)
    }

    /// Parse config JSON (for tests and callers that hold the text).
    pub fn from_json(text: &str) -> Result<DockerConfig, String> {
        if text.trim().is_empty() {
            return Ok(DockerConfig::empty());
        }
        let raw: RawConfig = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let mut auths: Vec<(String, AuthEntry)> = raw
            .auths
            .into_iter()
            .map(|(k, v)| (normalize_key(&k), v))
            .collect();
        // Most specific first, so `reg/team/app` beats `reg/team` beats `reg`.
        auths.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        Ok(DockerConfig {
            path: None,
            auths,
            cred_helpers: raw
                .cred_helpers
                .into_iter()
                .map(|(k, v)| (normalize_key(&k), v))
                .collect(),
            creds_store: raw.creds_store.filter(|s| !s.is_empty()),
            helper_dirs: Vec::new(),
        })
    }

    /// Look for `docker-credential-*` helpers in `dir` before `$PATH` (tests, bundled helpers).
    pub fn with_helper_dir(mut self, dir: impl Into<PathBuf>) -> DockerConfig {
        self.helper_dirs.push(dir.into());
        self
    }

    /// The file this config was read from, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The helper that `credHelpers` or `credsStore` names for `registry`, if any.
    pub fn helper_for(&self, registry: &str) -> Option<&str> {
        let host = credential_host(registry);
        self.cred_helpers
            .get(&host)
            .or(self.creds_store.as_ref())
            .map(String::as_str)
    }

    /// Credentials for `repository` on `registry` (`docker.io`, `host:port`), or `None` for
    /// anonymous access. May run a credential helper.
    pub fn credentials_for(
        &self,
        registry: &str,
        repository: &str,
    ) -> Result<Option<Credential>, Error> {
        let host = credential_host(registry);
        if let Some(helper) = self.cred_helpers.get(&host) {
            return self.ask_helper(helper, &host);
        }
        if let Some(store) = &self.creds_store
            && let Some(c) = self.ask_helper(store, &host)?
        {
            return Ok(Some(c));
        }
        let full = format!("{host}/{repository}");
        for (key, entry) in &self.auths {
            let applies = key == &host
                || (full.starts_with(key.as_str())
                    && full.as_bytes().get(key.len()) == Some(&b'/'))
                || full == *key;
            if !applies {
                continue;
            }
            if let Some(c) = self.entry_credential(key, entry)? {
                return Ok(Some(c));
            }
        }
        Ok(None)
    }

    fn entry_credential(&self, key: &str, e: &AuthEntry) -> Result<Option<Credential>, Error> {
        if let Some(t) = e.identitytoken.as_ref().filter(|t| !t.is_empty()) {
            return Ok(Some(Credential::IdentityToken(t.clone())));
        }
        if let Some(a) = e.auth.as_ref().filter(|a| !a.is_empty()) {
            let bad = |detail: &str| Error::Config {
                path: self.path.clone().unwrap_or_default(),
                detail: format!("auths[\"{key}\"].auth: {detail}"),
            };
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(a.trim())
                .map_err(|_| bad("not base64"))?;
            let text = String::from_utf8(bytes).map_err(|_| bad("not UTF-8"))?;
            let (u, p) = text
                .split_once(':')
                .ok_or_else(|| bad("not `user:password`"))?;
            return Ok(Some(Credential::Basic {
                username: u.to_owned(),
                password: p.to_owned(),
            }));
        }
        if let (Some(u), Some(p)) = (&e.username, &e.password)
            && !u.is_empty()
        {
            return Ok(Some(Credential::Basic {
                username: u.clone(),
                password: p.clone(),
            }));
        }
        Ok(None)
    }

    fn helper_program(&self, helper: &str) -> PathBuf {
        let name = format!("docker-credential-{helper}");
        self.helper_dirs
            .iter()
            .map(|d| d.join(&name))
            .find(|p| p.is_file())
            .unwrap_or_else(|| PathBuf::from(name))
    }

    /// Ask `docker-credential-<helper> get`. Docker Hub is asked under the server URL the
    /// Docker CLI uses (`https://index.docker.io/v1/`), then as `docker.io`.
    fn ask_helper(&self, helper: &str, host: &str) -> Result<Option<Credential>, Error> {
        let servers: Vec<&str> = if host == DOCKER_HUB {
            vec![DOCKER_HUB_LEGACY_KEY, DOCKER_HUB]
        } else {
            vec![host]
        };
        for server in servers {
            if let Some(c) = self.run_helper(helper, host, server)? {
                return Ok(Some(c));
            }
        }
        Ok(None)
    }

    fn run_helper(
        &self,
        helper: &str,
        host: &str,
        server: &str,
    ) -> Result<Option<Credential>, Error> {
        let fail = |detail: String| Error::CredentialHelper {
            helper: helper.to_owned(),
            registry: host.to_owned(),
            detail,
        };
        let program = self.helper_program(helper);
        let mut child = Command::new(&program)
            .arg("get")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| fail(format!("cannot run {}: {e}", program.display())))?;
        if let Some(mut stdin) = child.stdin.take() {
            // A helper that exits without reading stdin is not an error here.
            let _ = stdin.write_all(server.as_bytes());
        }
        // Read output on threads so a chatty helper cannot fill a pipe and hang.
        let mut stdout = child.stdout.take();
        let mut stderr = child.stderr.take();
        let out_t = std::thread::spawn(move || {
            let mut b = Vec::new();
            if let Some(s) = stdout.as_mut() {
                let _ = s.read_to_end(&mut b);
            }
            b
        });
        let err_t = std::thread::spawn(move || {
            let mut b = Vec::new();
            if let Some(s) = stderr.as_mut() {
                let _ = s.read_to_end(&mut b);
            }
            b
        });
        let start = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(s)) => break s,
                Ok(None) if start.elapsed() > HELPER_TIMEOUT => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(fail(format!(
                        "timed out after {}s",
                        HELPER_TIMEOUT.as_secs()
                    )));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(e) => return Err(fail(e.to_string())),
            }
        };
        let out = out_t.join().unwrap_or_default();
        let err = err_t.join().unwrap_or_default();
        let out_text = String::from_utf8_lossy(&out);
        if !status.success() {
            // docker-credential-helpers' ErrCredentialsNotFound message.
            let msg = format!(
                "{}{}",
                out_text.trim(),
                String::from_utf8_lossy(&err).trim()
            );
            if msg.contains("credentials not found") {
                return Ok(None);
            }
            return Err(fail(format!("exited with {status}: {msg}")));
        }
        #[derive(Deserialize)]
        struct HelperOut {
            #[serde(rename = "Username", default)]
            username: String,
            #[serde(rename = "Secret", default)]
            secret: String,
        }
        let parsed: HelperOut = serde_json::from_str(out_text.trim())
            .map_err(|e| fail(format!("invalid JSON output: {e}")))?;
        if parsed.secret.is_empty() {
            return Ok(None);
        }
        if parsed.username == "<token>" {
            return Ok(Some(Credential::IdentityToken(parsed.secret)));
        }
        Ok(Some(Credential::Basic {
            username: parsed.username,
            password: parsed.secret,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    fn basic(u: &str, p: &str) -> Option<Credential> {
        Some(Credential::Basic {
            username: u.into(),
            password: p.into(),
        })
    }

    #[test]
    fn inline_auths_with_docker_key_forms() {
        let json = format!(
            r#"{{"auths": {{
                "https://index.docker.io/v1/": {{"auth": "{}"}},
                "reg.example:5000": {{"auth": "{}"}},
                "http://other.example/v2/": {{"username": "u3", "password": "p3"}},
                "reg.example:5000/team": {{"auth": "{}"}},
                "tok.example": {{"identitytoken": "refresh"}},
                "empty.example": {{}}
            }}}}"#,
            b64("hub:hubpw"),
            b64("u:p:with:colons"),
            b64("team:tpw"),
        );
        let c = DockerConfig::from_json(&json).unwrap();
        assert_eq!(
            c.credentials_for("docker.io", "library/nginx").unwrap(),
            basic("hub", "hubpw")
        );
        assert_eq!(
            c.credentials_for("index.docker.io", "x/y").unwrap(),
            basic("hub", "hubpw")
        );
        assert_eq!(
            c.credentials_for("reg.example:5000", "app").unwrap(),
            basic("u", "p:with:colons")
        );
        assert_eq!(
            c.credentials_for("reg.example:5000", "team/app").unwrap(),
            basic("team", "tpw")
        );
        // `team` does not cover `teamx`.
        assert_eq!(
            c.credentials_for("reg.example:5000", "teamx/app").unwrap(),
            basic("u", "p:with:colons")
        );
        assert_eq!(
            c.credentials_for("other.example", "a").unwrap(),
            basic("u3", "p3")
        );
        assert_eq!(
            c.credentials_for("tok.example", "a").unwrap(),
            Some(Credential::IdentityToken("refresh".into()))
        );
        assert_eq!(c.credentials_for("empty.example", "a").unwrap(), None);
        assert_eq!(c.credentials_for("reg.example", "a").unwrap(), None);
        assert_eq!(c.credentials_for("unknown.example", "a").unwrap(), None);
    }

    #[test]
    fn malformed_auth_is_an_error_naming_the_key() {
        let c = DockerConfig::from_json(r#"{"auths":{"r.example":{"auth":"%%%"}}}"#).unwrap();
        let e = c.credentials_for("r.example", "a").unwrap_err().to_string();
        assert!(e.contains("r.example") && e.contains("base64"), "{e}");
        let c = DockerConfig::from_json(&format!(
            r#"{{"auths":{{"r.example":{{"auth":"{}"}}}}}}"#,
            b64("nocolon")
        ))
        .unwrap();
        assert!(c.credentials_for("r.example", "a").is_err());
        assert!(DockerConfig::from_json("{not json").is_err());
        assert!(
            DockerConfig::from_json("")
                .unwrap()
                .credentials_for("x", "y")
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn load_missing_and_bad_files() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.json");
        assert!(
            DockerConfig::load(&missing)
                .unwrap()
                .credentials_for("a", "b")
                .unwrap()
                .is_none()
        );
        let bad = dir.path().join("config.json");
        std::fs::write(&bad, "[1,2").unwrap();
        let e = DockerConfig::load(&bad).unwrap_err();
        assert!(
            matches!(e, Error::Config { ref path, .. } if path == &bad),
            "{e}"
        );
    }

    #[cfg(unix)]
    fn write_helper(dir: &Path, name: &str, script: &str) {
        use std::os::unix::fs::PermissionsExt as _;
        let p = dir.join(format!("docker-credential-{name}"));
        std::fs::write(&p, script).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn helpers_win_over_inline_auths() {
        let dir = tempfile::tempdir().unwrap();
        // A helper in the docker-credential-helpers protocol: server URL on stdin, JSON out,
        // "credentials not found" on stdout with exit 1 when it has none.
        write_helper(
            dir.path(),
            "fptest",
            r#"#!/bin/sh
[ "$1" = get ] || exit 2
read -r server
case "$server" in
  reg.example:5000) echo '{"ServerURL":"reg.example:5000","Username":"helper","Secret":"hpw"}' ;;
  https://index.docker.io/v1/) echo '{"ServerURL":"x","Username":"<token>","Secret":"idtok"}' ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
"#,
        );
        write_helper(dir.path(), "broken", "#!/bin/sh\necho boom >&2\nexit 3\n");
        write_helper(dir.path(), "garbage", "#!/bin/sh\necho not-json\n");
        let json = format!(
            r#"{{"auths": {{"reg.example:5000": {{"auth": "{}"}}, "other.example": {{"auth": "{}"}}}},
                "credHelpers": {{"reg.example:5000": "fptest", "bad.example": "broken",
                                  "garbage.example": "garbage", "gone.example": "does-not-exist"}},
                "credsStore": "fptest"}}"#,
            b64("inline:pw"),
            b64("o:pw")
        );
        let c = DockerConfig::from_json(&json)
            .unwrap()
            .with_helper_dir(dir.path());
        assert_eq!(c.helper_for("reg.example:5000"), Some("fptest"));
        assert_eq!(
            c.credentials_for("reg.example:5000", "a").unwrap(),
            basic("helper", "hpw")
        );
        assert_eq!(
            c.credentials_for("docker.io", "library/nginx").unwrap(),
            Some(Credential::IdentityToken("idtok".into()))
        );
        // The store has nothing for other.example: the inline entry is used.
        assert_eq!(
            c.credentials_for("other.example", "a").unwrap(),
            basic("o", "pw")
        );
        assert_eq!(c.credentials_for("nothing.example", "a").unwrap(), None);
        for (host, needle) in [
            ("bad.example", "boom"),
            ("garbage.example", "invalid JSON"),
            ("gone.example", "cannot run"),
        ] {
            let e = c.credentials_for(host, "a").unwrap_err();
            let msg = e.to_string();
            assert!(matches!(e, Error::CredentialHelper { .. }), "{msg}");
            assert!(msg.contains(needle) && msg.contains(host), "{msg}");
        }
    }

    #[test]
    fn default_path_prefers_docker_config() {
        let p = |d: Option<&str>, h: Option<&str>| {
            default_path_from(d.map(Into::into), h.map(Into::into))
        };
        assert_eq!(
            p(Some("/etc/dc"), Some("/home/u")),
            Some(PathBuf::from("/etc/dc/config.json"))
        );
        assert_eq!(
            p(Some(""), Some("/home/u")),
            Some(PathBuf::from("/home/u/.docker/config.json"))
        );
        assert_eq!(p(None, None), None);
    }

    #[test]
    fn secrets_are_not_debug_printed() {
        let c = basic("user", "hunter2").unwrap();
        let d = format!("{c:?}");
        assert!(d.contains("user") && !d.contains("hunter2"), "{d}");
        assert_eq!(
            c.basic_header().unwrap(),
            format!("Basic {}", b64("user:hunter2"))
        );
    }
}
