//! Test harness: a real `docker-registry` on loopback, OCI image layouts pushed with `skopeo`,
//! a token server stub that signs real JWTs with `openssl`, and a scripted HTTP stub for
//! behaviour no real registry shows on demand (5xx, missing headers, lying digests).

#![allow(dead_code)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use fleetpin_registry::{DockerConfig, Resolver};
use serde_json::json;
use sha2::Digest as _;

/// `true` when every tool is on PATH. Missing tools skip the test with a note, unless
/// oracles are required (`FLEETPIN_REQUIRE_ORACLES=1`, CI): the rule of `fleetpin_testkit`.
pub fn have_tools(tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|t| fleetpin_testkit::on_path(t).is_none())
        .collect();
    fleetpin_testkit::require(
        missing.is_empty(),
        &format!("{missing:?} (apt-get install docker-registry skopeo apache2-utils openssl)"),
    )
}

/// Say why a test is skipped (past libtest's capture: a skip must be visible).
pub fn skip_note(why: &str) {
    fleetpin_testkit::skip_note(&format!(
        "{}: {why}",
        std::thread::current().name().unwrap_or("test")
    ));
}

pub fn free_port() -> u16 {
    free_port_on("127.0.0.1").unwrap()
}

/// A free port on `ip` (`127.0.0.1`, `::1`), or `None` when `ip` cannot be bound.
pub fn free_port_on(ip: &str) -> Option<u16> {
    Some(TcpListener::bind((ip, 0)).ok()?.local_addr().ok()?.port())
}

fn wait_for_port(ip: &str, port: u16, child: &mut Child, log: &Path) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if TcpStream::connect((ip, port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "docker-registry exited with {status}: {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("docker-registry did not listen on {port}");
}

/// How the registry authenticates.
pub enum Auth {
    None,
    /// htpasswd (bcrypt) with one user.
    Basic {
        user: &'static str,
        password: &'static str,
    },
    /// `auth: token:` against a [`TokenServer`].
    Token(Arc<TokenServer>),
}

/// A `docker-registry serve` process on 127.0.0.1 with filesystem storage in a temp dir,
/// killed on drop.
pub struct Registry {
    child: Child,
    pub port: u16,
    /// `127.0.0.1` or `[::1]`.
    pub bind: String,
    pub dir: tempfile::TempDir,
    /// Credentials skopeo pushes with.
    push_creds: Option<String>,
}

impl Registry {
    pub fn start(auth: Auth) -> Registry {
        Registry::start_on("127.0.0.1", auth)
    }

    /// Start on `ip` (`127.0.0.1` or `::1`).
    pub fn start_on(ip: &str, auth: Auth) -> Registry {
        Registry::start_with(ip, auth, None, None)
    }

    /// Serve HTTPS only, with a certificate for `127.0.0.1`/`localhost` issued by `ca`.
    pub fn start_tls(ca: &TestCa) -> Registry {
        Registry::start_with("127.0.0.1", Auth::None, None, Some(ca))
    }

    /// A second registry process on `ip` serving this one's storage (skopeo 1.9 cannot
    /// name an IPv6 registry, so images are pushed through the IPv4 one).
    pub fn mirror_on(&self, ip: &str) -> Registry {
        Registry::start_with(ip, Auth::None, Some(self.dir.path().join("data")), None)
    }

    fn start_with(ip: &str, auth: Auth, data: Option<PathBuf>, tls: Option<&TestCa>) -> Registry {
        let dir = tempfile::tempdir().unwrap();
        let data = data.unwrap_or_else(|| dir.path().join("data"));
        let port = free_port_on(ip).expect("bind");
        let bind = if ip.contains(':') {
            format!("[{ip}]")
        } else {
            ip.to_owned()
        };
        let auth_yaml = match &auth {
            Auth::None => String::new(),
            Auth::Basic { user, password } => {
                let out = Command::new("htpasswd")
                    .args(["-Bbn", user, password])
                    .output()
                    .unwrap();
                assert!(out.status.success());
                let path = dir.path().join("htpasswd");
                std::fs::write(&path, &out.stdout).unwrap();
                format!(
                    "auth:\n  htpasswd:\n    realm: fleetpin-test\n    path: {}\n",
                    path.display()
                )
            }
            Auth::Token(ts) => format!(
                "auth:\n  token:\n    realm: http://127.0.0.1:{}/token\n    service: {}\n    \
                 issuer: {}\n    rootcertbundle: {}\n",
                ts.port,
                TokenServer::SERVICE,
                TokenServer::ISSUER,
                ts.cert.display()
            ),
        };
        let tls_yaml = match tls {
            Some(ca) => format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                ca.server_cert.display(),
                ca.server_key.display()
            ),
            None => String::new(),
        };
        let config = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  \
             filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: \
             \"{bind}:{port}\"\n  secret: fleetpin-test-secret\n{tls_yaml}{auth_yaml}",
            data.display()
        );
        let cfg = dir.path().join("config.yml");
        std::fs::write(&cfg, config).unwrap();
        let log = dir.path().join("registry.log");
        let mut child = Command::new("docker-registry")
            .arg("serve")
            .arg(&cfg)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(std::fs::File::create(dir.path().join("registry.err")).unwrap())
            .spawn()
            .expect("docker-registry");
        wait_for_port(ip, port, &mut child, &dir.path().join("registry.err"));
        let push_creds = match &auth {
            Auth::None => None,
            Auth::Basic { user, password } => Some(format!("{user}:{password}")),
            Auth::Token(_) => Some(format!("{}:{}", TokenServer::USER, TokenServer::PASSWORD)),
        };
        Registry {
            child,
            port,
            bind,
            dir,
            push_creds,
        }
    }

    /// `127.0.0.1:PORT` (or `[::1]:PORT`)
    pub fn host(&self) -> String {
        format!("{}:{}", self.bind, self.port)
    }

    /// `127.0.0.1:PORT/name`
    pub fn image(&self, name: &str) -> String {
        format!("{}/{name}", self.host())
    }

    /// Push an OCI layout's `tag` to `name:tag` here (`--all` for an index, optional
    /// `--format v2s2`).
    pub fn push(&self, layout: &Layout, name_tag: &str, v2s2: bool) {
        let mut cmd = Command::new("skopeo");
        cmd.args([
            "copy",
            "--insecure-policy",
            "--quiet",
            "--dest-tls-verify=false",
        ]);
        if layout.is_index {
            cmd.arg("--all");
        }
        if v2s2 {
            cmd.args(["--format", "v2s2"]);
        }
        if let Some(c) = &self.push_creds {
            cmd.args(["--dest-creds", c]);
        }
        cmd.arg(format!("oci:{}:{}", layout.dir.display(), layout.tag));
        cmd.arg(format!("docker://{}", self.image(name_tag)));
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "skopeo copy failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The oracle: skopeo's raw manifest for `name:tag`, its sha256, and skopeo's own
    /// `{{.Digest}}`, which must agree.
    pub fn oracle(&self, name_tag: &str) -> Oracle {
        let target = format!("docker://{}", self.image(name_tag));
        let inspect = |args: &[&str]| {
            let mut cmd = Command::new("skopeo");
            cmd.args(["inspect", "--tls-verify=false"]).args(args);
            if let Some(c) = &self.push_creds {
                cmd.args(["--creds", c]);
            }
            let out = cmd.arg(&target).output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            out.stdout
        };
        let raw = inspect(&["--raw"]);
        let digest = format!("sha256:{:x}", sha2::Sha256::digest(&raw));
        let fmt = inspect(&["--format", "{{.Digest}}"]);
        let skopeo_digest = String::from_utf8(fmt).unwrap().trim().to_owned();
        assert_eq!(
            skopeo_digest, digest,
            "skopeo's digest vs sha256 of its raw manifest"
        );
        let media_type = serde_json::from_slice::<serde_json::Value>(&raw).unwrap()["mediaType"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        Oracle {
            digest,
            media_type,
            raw,
        }
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Oracle {
    pub digest: String,
    pub media_type: String,
    pub raw: Vec<u8>,
}

/// An OCI image layout in a temp dir with one tagged image or index.
pub struct Layout {
    _tmp: tempfile::TempDir,
    pub dir: PathBuf,
    pub tag: String,
    pub is_index: bool,
}

fn write_blob(dir: &Path, bytes: &[u8]) -> serde_json::Value {
    let hex = format!("{:x}", sha2::Sha256::digest(bytes));
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    std::fs::write(blobs.join(&hex), bytes).unwrap();
    json!({"digest": format!("sha256:{hex}"), "size": bytes.len()})
}

/// A one-file ustar archive (a layer needs to be a real tar for skopeo to convert it).
fn tar_one(name: &str, data: &[u8]) -> Vec<u8> {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    let mut put = |off: usize, s: &str| h[off..off + s.len()].copy_from_slice(s.as_bytes());
    put(100, "0000644\0");
    put(108, "0000000\0");
    put(116, "0000000\0");
    put(124, &format!("{:011o}\0", data.len()));
    put(136, "00000000000\0");
    put(156, "0");
    put(257, "ustar\0");
    put(263, "00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let mut out = h.to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out.extend_from_slice(&[0u8; 1024]);
    out
}

fn image_manifest(dir: &Path, arch: &str, payload: &str) -> serde_json::Value {
    let layer_bytes = tar_one("payload.txt", payload.as_bytes());
    let layer = write_blob(dir, &layer_bytes);
    let config = json!({
        "architecture": arch,
        "os": "linux",
        "config": {},
        "rootfs": {"type": "layers", "diff_ids": [layer["digest"]]},
    });
    let config = write_blob(dir, &serde_json::to_vec(&config).unwrap());
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": config["digest"], "size": config["size"]},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": layer["digest"], "size": layer["size"]}],
    });
    let desc = write_blob(dir, &serde_json::to_vec(&manifest).unwrap());
    json!({"mediaType": "application/vnd.oci.image.manifest.v1+json",
           "digest": desc["digest"], "size": desc["size"],
           "platform": {"architecture": arch, "os": "linux"}})
}

impl Layout {
    fn finish(tmp: tempfile::TempDir, tag: &str, top: serde_json::Value, is_index: bool) -> Layout {
        let dir = tmp.path().to_owned();
        let mut top = top;
        top["annotations"] = json!({"org.opencontainers.image.ref.name": tag});
        if let Some(o) = top.as_object_mut() {
            o.remove("platform");
        }
        let index = json!({"schemaVersion": 2, "manifests": [top]});
        std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
        std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
        Layout {
            _tmp: tmp,
            dir,
            tag: tag.to_owned(),
            is_index,
        }
    }

    /// A single-platform image whose one layer holds `payload`.
    pub fn single(payload: &str) -> Layout {
        let tmp = tempfile::tempdir().unwrap();
        let m = image_manifest(tmp.path(), "amd64", payload);
        Layout::finish(tmp, "t", m, false)
    }

    /// A multi-platform index (linux/amd64 + linux/arm64).
    pub fn index(payload: &str) -> Layout {
        let tmp = tempfile::tempdir().unwrap();
        let a = image_manifest(tmp.path(), "amd64", &format!("{payload} amd64"));
        let b = image_manifest(tmp.path(), "arm64", &format!("{payload} arm64"));
        let idx = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [a, b],
        });
        let desc = write_blob(tmp.path(), &serde_json::to_vec(&idx).unwrap());
        let top = json!({"mediaType": "application/vnd.oci.image.index.v1+json",
                         "digest": desc["digest"], "size": desc["size"]});
        Layout::finish(tmp, "t", top, true)
    }
}

/// A resolver for tests: loopback only, no proxies, no user config, quick retries.
pub fn resolver_with(config: DockerConfig) -> Resolver {
    Resolver::builder()
        .docker_config(config)
        .proxy_from_env(false)
        .backoff(Duration::from_millis(20), Duration::from_millis(100))
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

pub fn resolver() -> Resolver {
    resolver_with(DockerConfig::empty())
}

/// A Docker config.json in a temp dir from `json`, loaded with helpers looked up in the
/// same dir.
pub fn docker_config_json(json: serde_json::Value) -> (tempfile::TempDir, DockerConfig) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    std::fs::write(&path, serde_json::to_vec(&json).unwrap()).unwrap();
    let c = DockerConfig::load(&path)
        .unwrap()
        .with_helper_dir(dir.path());
    (dir, c)
}

/// An executable `docker-credential-NAME` script in `dir`.
pub fn write_helper(dir: &Path, name: &str, script: &str) {
    use std::os::unix::fs::PermissionsExt as _;
    let p = dir.join(format!("docker-credential-{name}"));
    std::fs::write(&p, script).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A Docker config.json in a temp dir with `auths[host].auth`.
pub fn docker_config_with_auth(
    host: &str,
    user: &str,
    password: &str,
) -> (tempfile::TempDir, DockerConfig) {
    let dir = tempfile::tempdir().unwrap();
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    let path = dir.path().join("config.json");
    std::fs::write(
        &path,
        serde_json::to_vec(&json!({"auths": {host: {"auth": auth}}})).unwrap(),
    )
    .unwrap();
    let c = DockerConfig::load(&path).unwrap();
    (dir, c)
}

// ---------------------------------------------------------------------------------------------
// Minimal HTTP/1.1 server pieces (one request per connection, `Connection: close`).

pub struct Request {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
    pub fn query(&self) -> Vec<(String, String)> {
        let q = self.target.split_once('?').map(|(_, q)| q).unwrap_or("");
        form_urlencoded::parse(q.as_bytes()).into_owned().collect()
    }
}

fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut r = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    // A TLS ClientHello (the client tries HTTPS first on loopback) is not a request.
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let target = parts.next()?.to_owned();
    let mut headers = Vec::new();
    let mut content_length = 0usize;
    loop {
        let mut h = String::new();
        if r.read_line(&mut h).ok()? == 0 {
            break;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                content_length = v.trim().parse().unwrap_or(0);
            }
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let mut body = vec![0u8; content_length];
    r.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        target,
        headers,
        body,
    })
}

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }
    pub fn header(mut self, k: &str, v: &str) -> Response {
        self.headers.push((k.to_owned(), v.to_owned()));
        self
    }
    pub fn body(mut self, b: impl Into<Vec<u8>>) -> Response {
        self.body = b.into();
        self
    }
}

fn write_response(stream: &mut TcpStream, method: &str, resp: &Response) {
    let mut out = format!("HTTP/1.1 {} X\r\nConnection: close\r\n", resp.status);
    for (k, v) in &resp.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", resp.body.len()));
    let _ = stream.write_all(out.as_bytes());
    if method != "HEAD" {
        let _ = stream.write_all(&resp.body);
    }
    let _ = stream.flush();
}

type Handler = dyn Fn(&Request) -> Response + Send + Sync;

/// A scripted HTTP server on 127.0.0.1 that logs every request (`METHOD target`).
pub struct Stub {
    pub port: u16,
    pub log: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl Stub {
    pub fn start(handler: impl Fn(&Request) -> Response + Send + Sync + 'static) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        {
            let log = log.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(mut stream) = stream else { continue };
                    let handler = handler.clone();
                    let log = log.clone();
                    std::thread::spawn(move || {
                        let Some(req) = read_request(&mut stream) else {
                            return;
                        };
                        log.lock()
                            .unwrap()
                            .push(format!("{} {}", req.method, req.target));
                        let resp = handler(&req);
                        write_response(&mut stream, &req.method, &resp);
                    });
                }
            });
        }
        Stub { port, log, stop }
    }

    pub fn requests(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

// ---------------------------------------------------------------------------------------------
// Token server: issues RS256 JWTs signed by a throwaway key (openssl), whose self-signed
// certificate the registry trusts (`rootcertbundle`) and which travels in the `x5c` header.

pub struct TokenServer {
    pub port: u16,
    pub cert: PathBuf,
    pub issued: Arc<AtomicUsize>,
    stub: Stub,
    _dir: tempfile::TempDir,
}

impl TokenServer {
    pub const SERVICE: &'static str = "fleetpin-test-registry";
    pub const ISSUER: &'static str = "fleetpin-test-token-stub";
    pub const USER: &'static str = "alice";
    pub const PASSWORD: &'static str = "s3cret";

    /// Policy: `alice:s3cret` gets every action asked for; anonymous callers get `pull` on
    /// repositories under `public/` and nothing elsewhere; wrong credentials get a 401.
    pub fn start() -> Arc<TokenServer> {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("token.key");
        let cert = dir.path().join("token.crt");
        let st = Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=fleetpin-token",
            ])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output()
            .unwrap();
        assert!(
            st.status.success(),
            "{}",
            String::from_utf8_lossy(&st.stderr)
        );
        let der = Command::new("openssl")
            .args(["x509", "-outform", "DER", "-in"])
            .arg(&cert)
            .output()
            .unwrap()
            .stdout;
        let x5c = base64::engine::general_purpose::STANDARD.encode(der);
        let issued = Arc::new(AtomicUsize::new(0));
        let counter = issued.clone();
        let key2 = key.clone();
        let stub = Stub::start(move |req| {
            if req.path() != "/token" {
                return Response::new(404);
            }
            let authed = match req.header("authorization") {
                None => false,
                Some(h) => {
                    let expected = format!(
                        "Basic {}",
                        base64::engine::general_purpose::STANDARD.encode(format!(
                            "{}:{}",
                            Self::USER,
                            Self::PASSWORD
                        ))
                    );
                    if h != expected {
                        return Response::new(401).body(r#"{"details":"bad credentials"}"#);
                    }
                    true
                }
            };
            let q = req.query();
            let service = q
                .iter()
                .find(|(k, _)| k == "service")
                .map(|(_, v)| v.clone());
            let mut access = Vec::new();
            for (_, scope) in q.iter().filter(|(k, _)| k == "scope") {
                let mut parts = scope.splitn(3, ':');
                let (Some(kind), Some(name), Some(actions)) =
                    (parts.next(), parts.next(), parts.next())
                else {
                    continue;
                };
                let actions: Vec<&str> = actions
                    .split(',')
                    .filter(|a| authed || (*a == "pull" && name.starts_with("public/")))
                    .collect();
                if !actions.is_empty() {
                    access.push(json!({"type": kind, "name": name, "actions": actions}));
                }
            }
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let jwt = sign_jwt(&key2, &x5c, service.as_deref().unwrap_or(""), access, n);
            Response::new(200)
                .header("Content-Type", "application/json")
                .body(serde_json::to_vec(&json!({"token": jwt, "expires_in": 300})).unwrap())
        });
        Arc::new(TokenServer {
            port: stub.port,
            cert,
            issued,
            stub,
            _dir: dir,
        })
    }

    pub fn requests(&self) -> Vec<String> {
        self.stub.requests()
    }
}

fn b64url(b: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

fn sign_jwt(key: &Path, x5c: &str, aud: &str, access: Vec<serde_json::Value>, n: usize) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let header = json!({"typ": "JWT", "alg": "RS256", "x5c": [x5c]});
    let claims = json!({
        "iss": TokenServer::ISSUER, "sub": "", "aud": aud,
        "exp": now + 300, "nbf": now - 10, "iat": now, "jti": format!("t{n}"),
        "access": access,
    });
    let signing_input = format!(
        "{}.{}",
        b64url(&serde_json::to_vec(&header).unwrap()),
        b64url(&serde_json::to_vec(&claims).unwrap())
    );
    let mut child = Command::new("openssl")
        .args(["dgst", "-sha256", "-sign"])
        .arg(key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(signing_input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    format!("{signing_input}.{}", b64url(&out.stdout))
}

/// What skopeo makes of a reference, offline: the `containers-storage` transport over a
/// throwaway vfs store parses and normalises the name and then fails to find the image,
/// quoting the normalised reference. `Err(message)` when skopeo rejects the reference.
pub fn skopeo_normalise(store: &Path, reference: &str) -> Result<String, String> {
    let spec = format!(
        "[vfs@{}+{}]",
        store.join("root").display(),
        store.join("run").display()
    );
    let out = Command::new("skopeo")
        .arg("inspect")
        .arg(format!("containers-storage:{spec}{reference}"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).replace("\\\"", "\"");
    let marker = format!("reference \"{spec}");
    match err.find(&marker) {
        Some(i) if err.contains("does not resolve to an image ID") => {
            let rest = &err[i + marker.len()..];
            Ok(rest[..rest.find('"').unwrap()].to_owned())
        }
        _ => Err(err.trim().to_owned()),
    }
}

/// A throwaway CA and a server certificate for `127.0.0.1` and `localhost`, made with openssl.
pub struct TestCa {
    _dir: tempfile::TempDir,
    pub ca_pem: Vec<u8>,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
}

impl TestCa {
    pub fn new() -> TestCa {
        let dir = tempfile::tempdir().unwrap();
        let p = |n: &str| dir.path().join(n);
        let run = |args: &[&str]| {
            let out = Command::new("openssl")
                .args(args)
                .current_dir(dir.path())
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        run(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=fleetpin test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
        ]);
        run(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            "srv.key",
            "-out",
            "srv.csr",
        ]);
        std::fs::write(
            p("ext.cnf"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        run(&[
            "x509",
            "-req",
            "-in",
            "srv.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            "ext.cnf",
            "-out",
            "srv.crt",
        ]);
        TestCa {
            ca_pem: std::fs::read(p("ca.crt")).unwrap(),
            server_cert: p("srv.crt"),
            server_key: p("srv.key"),
            _dir: dir,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A counting, latency-injecting HTTP proxy in front of a real registry: every request is
// counted, held for `latency`, then forwarded (with `Connection: close`) and the upstream's
// answer relayed byte for byte. It records how many requests were in flight at once, so a
// test can show lookups overlap without timing anything.

pub struct LatencyProxy {
    pub port: u16,
    /// Requests forwarded (`METHOD target`), in arrival order.
    pub log: Arc<Mutex<Vec<String>>>,
    /// The most requests in flight at the same moment.
    pub max_in_flight: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl LatencyProxy {
    /// Forward to `127.0.0.1:upstream`, holding each request for `latency`.
    pub fn start(upstream: u16, latency: Duration) -> LatencyProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let max_in_flight = Arc::new(AtomicUsize::new(0));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        {
            let (log, max_in_flight, stop) = (log.clone(), max_in_flight.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(mut stream) = stream else { continue };
                    let (log, max_in_flight, in_flight) =
                        (log.clone(), max_in_flight.clone(), in_flight.clone());
                    std::thread::spawn(move || {
                        let Some(req) = read_request(&mut stream) else {
                            return;
                        };
                        let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                        max_in_flight.fetch_max(now, Ordering::SeqCst);
                        log.lock()
                            .unwrap()
                            .push(format!("{} {}", req.method, req.target));
                        std::thread::sleep(latency);
                        let mut up = TcpStream::connect(("127.0.0.1", upstream)).unwrap();
                        let mut head = format!("{} {} HTTP/1.1\r\n", req.method, req.target);
                        for (k, v) in &req.headers {
                            if !k.eq_ignore_ascii_case("connection") {
                                head.push_str(&format!("{k}: {v}\r\n"));
                            }
                        }
                        head.push_str("Connection: close\r\n\r\n");
                        up.write_all(head.as_bytes()).unwrap();
                        up.write_all(&req.body).unwrap();
                        let mut answer = Vec::new();
                        let _ = up.read_to_end(&mut answer);
                        in_flight.fetch_sub(1, Ordering::SeqCst);
                        let _ = stream.write_all(&answer);
                        let _ = stream.flush();
                    });
                }
            });
        }
        LatencyProxy {
            port,
            log,
            max_in_flight,
            stop,
        }
    }

    /// `127.0.0.1:PORT/name`
    pub fn image(&self, name: &str) -> String {
        format!("127.0.0.1:{}/{name}", self.port)
    }

    pub fn requests(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// Manifest requests only (HEAD/GET `/v2/.../manifests/...`).
    pub fn manifest_requests(&self) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.contains("/manifests/"))
            .count()
    }
}

impl Drop for LatencyProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}
