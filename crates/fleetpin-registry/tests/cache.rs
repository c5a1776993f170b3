//! The digest cache against a real `docker-registry` on loopback (digests checked with
//! `skopeo`), seen through a counting proxy: a second run makes no request, offline never asks,
//! expired entries are asked again, a corrupt cache is a warning, batches overlap.

mod support;

use std::path::Path;
use std::time::Duration;

use fleetpin_registry::{
    CACHE_FILE, DigestCache, DigestOrigin, DigestSource, DockerConfig, Error, Resolver,
};
use support::*;

const ORACLES: &[&str] = &["docker-registry", "skopeo"];

/// A registry with three images (one multi-platform) behind a counting proxy.
struct Setup {
    _reg: Registry,
    proxy: LatencyProxy,
    digests: Vec<String>,
}

impl Setup {
    fn new(latency: Duration) -> Setup {
        let reg = Registry::start(Auth::None);
        reg.push(&Layout::single("a"), "a:1", false);
        reg.push(&Layout::index("b"), "b:1", false);
        reg.push(&Layout::single("c"), "team/c:latest", false);
        let digests = ["a:1", "b:1", "team/c:latest"]
            .iter()
            .map(|t| reg.oracle(t).digest)
            .collect();
        let proxy = LatencyProxy::start(reg.port, latency);
        Setup {
            _reg: reg,
            proxy,
            digests,
        }
    }

    /// The images as a user writes them (`team/c` without a tag).
    fn images(&self) -> Vec<String> {
        ["a:1", "b:1", "team/c"]
            .iter()
            .map(|n| self.proxy.image(n))
            .collect()
    }
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn digests(out: &[Result<fleetpin_registry::Resolved, Error>]) -> Vec<String> {
    out.iter()
        .map(|r| r.as_ref().unwrap().digest.to_string())
        .collect()
}

fn cache_json(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join(CACHE_FILE)).unwrap()).unwrap()
}

#[test]
fn second_run_makes_no_request() {
    if !have_tools(ORACLES) {
        return;
    }
    let s = Setup::new(Duration::ZERO);
    let dir = tempfile::tempdir().unwrap();
    let images = s.images();

    let first = DigestCache::open(resolver(), dir.path());
    let out = first.resolve_many(&refs(&images));
    assert_eq!(digests(&out), s.digests);
    assert!(
        out.iter()
            .all(|r| r.as_ref().unwrap().source == DigestOrigin::Header)
    );
    assert_eq!(s.proxy.manifest_requests(), 3);
    assert!(first.take_warnings().is_empty());
    let on_disk = cache_json(dir.path());
    assert_eq!(on_disk["version"], 1);
    let keys: Vec<&String> = on_disk["entries"].as_object().unwrap().keys().collect();
    // Normalised keys: `team/c` is stored as `team/c:latest`.
    assert_eq!(
        keys,
        [
            &s.proxy.image("a:1"),
            &s.proxy.image("b:1"),
            &s.proxy.image("team/c:latest")
        ]
    );
    assert_eq!(
        on_disk["entries"][s.proxy.image("b:1")]["media_type"],
        "application/vnd.oci.image.index.v1+json"
    );
    drop(first);

    // A second run (a new process would read the same file): no request at all, not even
    // the `/v2/` probe, and the same answers, spelled as asked (`team/c:latest` too).
    let before = s.proxy.requests().len();
    let second = DigestCache::open(resolver(), dir.path());
    let mut again = images.clone();
    again.push(s.proxy.image("team/c:latest"));
    let out = second.resolve_many(&refs(&again));
    let mut want = s.digests.clone();
    want.push(s.digests[2].clone());
    assert_eq!(digests(&out), want);
    assert!(
        out.iter()
            .all(|r| r.as_ref().unwrap().source == DigestOrigin::Cache)
    );
    assert!(out[1].as_ref().unwrap().is_index());
    assert_eq!(
        out[2].as_ref().unwrap().reference.to_string(),
        s.proxy.image("team/c:latest")
    );
    assert_eq!(s.proxy.requests().len(), before, "{:?}", s.proxy.requests());
    assert_eq!(
        second.stats(),
        fleetpin_registry::CacheStats { hits: 4, asked: 0 }
    );
    // One at a time through the trait too.
    let one = second.resolve(&images[0]).unwrap();
    assert_eq!(one.digest.to_string(), s.digests[0]);
    assert_eq!(s.proxy.requests().len(), before);
}

#[test]
fn offline_answers_from_the_cache_only() {
    if !have_tools(ORACLES) {
        return;
    }
    let s = Setup::new(Duration::ZERO);
    let dir = tempfile::tempdir().unwrap();
    let images = s.images();
    let online = DigestCache::open(resolver(), dir.path());
    online.resolve(&images[0]).unwrap();
    let before = s.proxy.requests().len();

    let offline = DigestCache::open(resolver(), dir.path()).offline(true);
    let hit = offline.resolve(&images[0]).unwrap();
    assert_eq!(hit.digest.to_string(), s.digests[0]);
    assert_eq!(hit.source, DigestOrigin::Cache);
    // A miss is a named error, even though the registry is up: offline never asks.
    let miss = offline.resolve(&images[1]).unwrap_err();
    assert!(matches!(miss, Error::NotCached { .. }), "{miss:?}");
    let msg = miss.to_string();
    assert!(msg.contains(&s.proxy.image("b:1")), "{msg}");
    assert!(msg.contains(CACHE_FILE) && msg.contains("offline"), "{msg}");
    // A pinned reference needs no answer.
    let pinned = format!("{}@{}", s.proxy.image("b:1"), s.digests[1]);
    let p = offline.resolve(&pinned).unwrap();
    assert_eq!(p.source, DigestOrigin::Reference);
    assert_eq!(s.proxy.requests().len(), before);

    // Offline, an expired entry is still the best knowledge there is.
    age_entries(dir.path(), 400 * 24 * 3600);
    let offline = DigestCache::open(resolver(), dir.path())
        .offline(true)
        .ttl(Duration::from_secs(60));
    assert_eq!(
        offline.resolve(&images[0]).unwrap().digest.to_string(),
        s.digests[0]
    );
    assert_eq!(s.proxy.requests().len(), before);
}

/// Moves every entry's fetch time `secs` into the past.
fn age_entries(dir: &Path, secs: u64) {
    let mut v = cache_json(dir);
    for e in v["entries"].as_object_mut().unwrap().values_mut() {
        let t = e["fetched"].as_u64().unwrap();
        e["fetched"] = (t - secs).into();
    }
    std::fs::write(dir.join(CACHE_FILE), serde_json::to_vec(&v).unwrap()).unwrap();
}

#[test]
fn expired_entries_are_asked_again_and_refreshed() {
    if !have_tools(ORACLES) {
        return;
    }
    let s = Setup::new(Duration::ZERO);
    let dir = tempfile::tempdir().unwrap();
    let images = s.images();
    DigestCache::open(resolver(), dir.path())
        .resolve_many(&refs(&images))
        .into_iter()
        .for_each(|r| drop(r.unwrap()));
    assert_eq!(s.proxy.manifest_requests(), 3);

    // Two hours old: fresh under the default 24 h, stale under a one-hour expiry.
    age_entries(dir.path(), 2 * 3600);
    let default = DigestCache::open(resolver(), dir.path());
    default.resolve(&images[0]).unwrap();
    assert_eq!(s.proxy.manifest_requests(), 3);
    let hourly = DigestCache::open(resolver(), dir.path()).ttl(Duration::from_secs(3600));
    let r = hourly.resolve(&images[0]).unwrap();
    assert_eq!(r.source, DigestOrigin::Header);
    assert_eq!(s.proxy.manifest_requests(), 4);
    // Refreshed on disk: the next hourly run asks nothing for it.
    let v = cache_json(dir.path());
    let fetched = |i: &str| v["entries"][s.proxy.image(i)]["fetched"].as_u64().unwrap();
    assert!(fetched("a:1") > fetched("b:1") + 3600);
    let hourly = DigestCache::open(resolver(), dir.path()).ttl(Duration::from_secs(3600));
    hourly.resolve(&images[0]).unwrap();
    assert_eq!(s.proxy.manifest_requests(), 4);
    // Zero expiry asks every time.
    let always = DigestCache::open(resolver(), dir.path()).ttl(Duration::ZERO);
    always.resolve(&images[0]).unwrap();
    always.resolve(&images[0]).unwrap();
    assert_eq!(s.proxy.manifest_requests(), 6);
}

#[test]
fn a_tag_moved_in_the_registry_is_seen_after_expiry_only() {
    if !have_tools(ORACLES) {
        return;
    }
    let reg = Registry::start(Auth::None);
    reg.push(&Layout::single("v1"), "app:stable", false);
    let old = reg.oracle("app:stable").digest;
    let dir = tempfile::tempdir().unwrap();
    let image = reg.image("app:stable");
    DigestCache::open(resolver(), dir.path())
        .resolve(&image)
        .unwrap();
    reg.push(&Layout::single("v2"), "app:stable", false);
    let new = reg.oracle("app:stable").digest;
    assert_ne!(old, new);
    let cached = DigestCache::open(resolver(), dir.path());
    assert_eq!(cached.resolve(&image).unwrap().digest.to_string(), old);
    let fresh = DigestCache::open(resolver(), dir.path()).ttl(Duration::ZERO);
    assert_eq!(fresh.resolve(&image).unwrap().digest.to_string(), new);
    // ... and the cache now holds the new digest.
    let cached = DigestCache::open(resolver(), dir.path());
    assert_eq!(cached.resolve(&image).unwrap().digest.to_string(), new);
}

#[test]
fn a_corrupt_cache_is_ignored_with_a_warning_and_rewritten() {
    if !have_tools(ORACLES) {
        return;
    }
    let s = Setup::new(Duration::ZERO);
    let images = s.images();
    let cases: [(&str, &[u8], Option<usize>); 4] = [
        (
            "truncated",
            b"{\n  \"version\": 1,\n  \"entries\": {\n    \"x",
            Some(4),
        ),
        ("binary", b"\x00\xff\xfe\x89PNG\r\n", Some(1)),
        ("empty", b"", Some(1)),
        ("newer format", br#"{"version": 9, "entries": {}}"#, None),
    ];
    for (what, bytes, line) in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CACHE_FILE);
        std::fs::write(&path, bytes).unwrap();
        let cache = DigestCache::open(resolver(), dir.path());
        let warnings = cache.take_warnings();
        assert_eq!(warnings.len(), 1, "{what}: {warnings:?}");
        assert_eq!(warnings[0].path, path, "{what}");
        assert_eq!(warnings[0].line, line, "{what}: {}", warnings[0]);
        assert!(warnings[0].to_string().contains("ignoring it"), "{what}");
        // The lookup still works (from the registry) and the file is valid again.
        let r = cache.resolve(&images[0]).unwrap();
        assert_eq!(r.digest.to_string(), s.digests[0], "{what}");
        assert!(cache.take_warnings().is_empty(), "{what}");
        let v = cache_json(dir.path());
        assert_eq!(v["entries"].as_object().unwrap().len(), 1, "{what}");
    }

    // Bad entries are dropped one by one; the good ones are used.
    let dir = tempfile::tempdir().unwrap();
    DigestCache::open(resolver(), dir.path())
        .resolve(&images[0])
        .unwrap();
    let mut v = cache_json(dir.path());
    let entries = v["entries"].as_object_mut().unwrap();
    entries.insert(
        s.proxy.image("b:1"),
        serde_json::json!({"digest": "sha256:nothex", "fetched": 1}),
    );
    entries.insert(
        "nginx".into(),
        serde_json::json!({"digest": s.digests[0], "fetched": 1}),
    );
    entries.insert(s.proxy.image("team/c:latest"), serde_json::json!(42));
    std::fs::write(dir.path().join(CACHE_FILE), serde_json::to_vec(&v).unwrap()).unwrap();
    let before = s.proxy.requests().len();
    let cache = DigestCache::open(resolver(), dir.path());
    let w = cache.take_warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    let msg = w[0].to_string();
    assert!(msg.contains("3 bad digest cache entries"), "{msg}");
    assert!(
        msg.contains("sha256:nothex") && msg.contains("`nginx`: not a normalised"),
        "{msg}"
    );
    assert_eq!(
        cache.resolve(&images[0]).unwrap().source,
        DigestOrigin::Cache
    );
    assert_eq!(s.proxy.requests().len(), before);
}

#[test]
fn a_cache_that_cannot_be_written_is_a_warning_not_an_error() {
    if !have_tools(ORACLES) {
        return;
    }
    let s = Setup::new(Duration::ZERO);
    let tmp = tempfile::tempdir().unwrap();
    // The cache directory's parent is a regular file: not even root can create it.
    std::fs::write(tmp.path().join("file"), b"x").unwrap();
    let dir = tmp.path().join("file/fleetpin");
    let cache = DigestCache::open(resolver(), &dir);
    let r = cache.resolve(&s.images()[0]).unwrap();
    assert_eq!(r.digest.to_string(), s.digests[0]);
    let w = cache.take_warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].to_string().contains("cannot save the digest cache"),
        "{}",
        w[0]
    );
    // Errors are never cached: an unknown tag is asked again.
    let missing = s.proxy.image("a:nope");
    let n = s.proxy.manifest_requests();
    assert!(matches!(
        cache.resolve(&missing),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        cache.resolve(&missing),
        Err(Error::NotFound { .. })
    ));
    assert_eq!(s.proxy.manifest_requests(), n + 2);
}

#[test]
fn concurrent_runs_merge_their_entries() {
    if !have_tools(ORACLES) {
        return;
    }
    let s = Setup::new(Duration::from_millis(50));
    let dir = tempfile::tempdir().unwrap();
    let images = s.images();
    // Three caches opened on the same (empty) file before any saves, as three processes
    // started together would: each saves one entry; none may lose another's.
    let caches: Vec<_> = (0..3)
        .map(|_| DigestCache::open(resolver(), dir.path()))
        .collect();
    std::thread::scope(|sc| {
        for (c, image) in caches.iter().zip(&images) {
            sc.spawn(move || c.resolve(image).unwrap());
        }
    });
    let v = cache_json(dir.path());
    assert_eq!(v["entries"].as_object().unwrap().len(), 3, "{v}");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn batched_lookups_overlap_and_only_misses_reach_the_registry() {
    if !have_tools(ORACLES) {
        return;
    }
    // Each request is held 100 ms by the proxy; what is checked is how many were in flight
    // at once, not how long it took (timings are for bench/pin/registry-latency.sh).
    let reg = Registry::start(Auth::None);
    let layout = Layout::single("many");
    let names: Vec<String> = (0..8).map(|i| format!("app{i}:1")).collect();
    for n in &names {
        reg.push(&layout, n, false);
    }
    let want = reg.oracle("app0:1").digest;
    let proxy = LatencyProxy::start(reg.port, Duration::from_millis(100));
    let images: Vec<String> = names.iter().map(|n| proxy.image(n)).collect();
    let with = |concurrency: usize| {
        Resolver::builder()
            .docker_config(DockerConfig::empty())
            .proxy_from_env(false)
            .concurrency(concurrency)
            .build()
            .unwrap()
    };

    let seq_dir = tempfile::tempdir().unwrap();
    let seq = DigestCache::open(with(1), seq_dir.path());
    let out = seq.resolve_many(&refs(&images));
    assert!(
        out.iter()
            .all(|r| r.as_ref().unwrap().digest.to_string() == want)
    );
    assert_eq!(
        proxy
            .max_in_flight
            .load(std::sync::atomic::Ordering::SeqCst),
        1
    );

    // Half of the batch is cached: only the other half is asked, all at once.
    let dir = tempfile::tempdir().unwrap();
    let warm = DigestCache::open(with(8), dir.path());
    warm.resolve_many(&refs(&images[..4]));
    proxy
        .max_in_flight
        .store(0, std::sync::atomic::Ordering::SeqCst);
    let before = proxy.manifest_requests();
    let out = warm.resolve_many(&refs(&images));
    assert!(
        out.iter()
            .all(|r| r.as_ref().unwrap().digest.to_string() == want)
    );
    assert!(
        out[..4]
            .iter()
            .all(|r| r.as_ref().unwrap().source == DigestOrigin::Cache)
    );
    assert_eq!(proxy.manifest_requests() - before, 4);
    assert_eq!(
        warm.stats(),
        fleetpin_registry::CacheStats { hits: 4, asked: 8 }
    );
    let overlap = proxy
        .max_in_flight
        .load(std::sync::atomic::Ordering::SeqCst);
    assert!(overlap >= 2, "lookups did not overlap: {overlap}");
}

/// `default_cache_dir` under each environment, in child processes (the variables are
/// process-wide, so they are never set in this process).
#[test]
fn the_cache_lives_in_the_user_cache_directory() {
    if let Some(want) = std::env::var_os("FLEETPIN_CACHE_PROBE") {
        // Child: report what the rule says.
        let got = fleetpin_registry::default_cache_dir();
        assert_eq!(
            got.as_deref().map(Path::as_os_str),
            (!want.is_empty()).then_some(want.as_os_str())
        );
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let case = |env: &[(&str, &str)], want: &str| {
        let mut cmd = std::process::Command::new(&exe);
        cmd.args([
            "the_cache_lives_in_the_user_cache_directory",
            "--exact",
            "--nocapture",
        ])
        .env_remove("FLEETPIN_CACHE_DIR")
        .env_remove("XDG_CACHE_HOME")
        .env_remove("HOME")
        .env("FLEETPIN_CACHE_PROBE", want);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "{env:?}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    case(&[("HOME", "/home/u")], "/home/u/.cache/fleetpin");
    case(
        &[("HOME", "/home/u"), ("XDG_CACHE_HOME", "/var/cache/u")],
        "/var/cache/u/fleetpin",
    );
    // A relative XDG_CACHE_HOME is ignored (XDG base directory spec).
    case(
        &[("HOME", "/home/u"), ("XDG_CACHE_HOME", "rel/cache")],
        "/home/u/.cache/fleetpin",
    );
    case(
        &[
            ("HOME", "/home/u"),
            ("XDG_CACHE_HOME", "/var/cache/u"),
            ("FLEETPIN_CACHE_DIR", "/srv/fleetpin-cache"),
        ],
        "/srv/fleetpin-cache",
    );
}
