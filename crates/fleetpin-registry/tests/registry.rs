//! fleetpin-registry against a real `docker-registry` (distribution 2.8) on loopback, with
//! `skopeo` as the oracle for every digest, plus scripted stubs for failure modes.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use fleetpin_registry::{
    DigestOrigin, DockerConfig, Error, MediaType, Missing, Reference, Resolver,
};
use support::*;

const ORACLES: &[&str] = &["docker-registry", "skopeo"];

#[test]
fn single_arch_oci_manifest() {
    if !have_tools(ORACLES) {
        return;
    }
    let reg = Registry::start(Auth::None);
    reg.push(&Layout::single("oci single"), "app:v1", false);
    let oracle = reg.oracle("app:v1");
    let r = resolver().resolve(&reg.image("app:v1")).unwrap();
    assert_eq!(r.digest.to_string(), oracle.digest);
    assert_eq!(
        oracle.media_type,
        "application/vnd.oci.image.manifest.v1+json"
    );
    assert_eq!(r.media_type, Some(MediaType::OciManifest));
    assert!(!r.is_index());
    assert_eq!(r.source, DigestOrigin::Header);
    assert_eq!(r.size, Some(oracle.raw.len() as u64));
    assert_eq!(
        r.pinned().to_string(),
        format!("{}:v1@{}", reg.image("app"), oracle.digest)
    );
}

#[test]
fn docker_v2_schema2_manifest() {
    if !have_tools(ORACLES) {
        return;
    }
    let reg = Registry::start(Auth::None);
    reg.push(&Layout::single("docker v2"), "app:docker", true);
    let oracle = reg.oracle("app:docker");
    assert_eq!(
        oracle.media_type,
        "application/vnd.docker.distribution.manifest.v2+json"
    );
    let res = resolver();
    let r = res.resolve(&reg.image("app:docker")).unwrap();
    assert_eq!(r.digest.to_string(), oracle.digest);
    assert_eq!(r.media_type, Some(MediaType::DockerManifest));
    // GET + hash of the exact body agrees with the header.
    let v = Resolver::builder()
        .docker_config(DockerConfig::empty())
        .proxy_from_env(false)
        .verify_body(true)
        .build()
        .unwrap()
        .resolve(&reg.image("app:docker"))
        .unwrap();
    assert_eq!(v.digest.to_string(), oracle.digest);
    assert_eq!(v.source, DigestOrigin::Verified);
}

#[test]
fn multi_arch_index_resolves_to_the_index_digest() {
    if !have_tools(ORACLES) {
        return;
    }
    let reg = Registry::start(Auth::None);
    reg.push(&Layout::index("multi"), "multi:1", false);
    reg.push(&Layout::index("multi list"), "multi:list", true);
    for (tag, media) in [
        ("multi:1", MediaType::OciIndex),
        ("multi:list", MediaType::DockerManifestList),
    ] {
        let oracle = reg.oracle(tag);
        assert_eq!(oracle.media_type, media.as_str());
        let r = resolver().resolve(&reg.image(tag)).unwrap();
        assert_eq!(r.digest.to_string(), oracle.digest, "{tag}");
        assert_eq!(r.media_type, Some(media));
        assert!(r.is_index());
        // The per-platform manifests are different digests.
        let idx: serde_json::Value = serde_json::from_slice(&oracle.raw).unwrap();
        for m in idx["manifests"].as_array().unwrap() {
            assert_ne!(m["digest"].as_str().unwrap(), oracle.digest);
        }
    }
}

#[test]
fn missing_tag_and_missing_repository() {
    if !have_tools(ORACLES) {
        return;
    }
    let reg = Registry::start(Auth::None);
    reg.push(&Layout::single("x"), "team/app:v1", false);
    let res = resolver();
    match res.resolve(&reg.image("team/app:nope")) {
        Err(Error::NotFound {
            what: Missing::Tag,
            image,
            registry,
        }) => {
            assert_eq!(image, format!("{}:nope", reg.image("team/app")));
            assert_eq!(registry, reg.host());
        }
        other => panic!("{other:?}"),
    }
    let e = res.resolve(&reg.image("team/ghost:v1")).unwrap_err();
    assert!(
        matches!(
            e,
            Error::NotFound {
                what: Missing::Repository,
                ..
            }
        ),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(
        msg.contains("team/ghost") && msg.contains("repository not found"),
        "{msg}"
    );
    // A digest nobody pushed: NotFound(Manifest) when verified.
    let absent = format!("{}@sha256:{}", reg.image("team/app"), "0".repeat(64));
    let e = res.verify(&Reference::parse(&absent).unwrap()).unwrap_err();
    assert!(
        matches!(
            e,
            Error::NotFound {
                what: Missing::Manifest,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn moved_tag_changes_digest() {
    if !have_tools(ORACLES) {
        return;
    }
    let reg = Registry::start(Auth::None);
    reg.push(&Layout::single("first"), "app:stable", false);
    let before = reg.oracle("app:stable");
    let res = resolver();
    assert_eq!(
        res.resolve(&reg.image("app:stable"))
            .unwrap()
            .digest
            .to_string(),
        before.digest
    );
    reg.push(&Layout::single("second"), "app:stable", false);
    let after = reg.oracle("app:stable");
    assert_ne!(before.digest, after.digest);
    // Same resolver: no stale cache of digests.
    assert_eq!(
        res.resolve(&reg.image("app:stable"))
            .unwrap()
            .digest
            .to_string(),
        after.digest
    );
}

#[test]
fn nested_repository_names() {
    if !have_tools(ORACLES) {
        return;
    }
    let reg = Registry::start(Auth::None);
    reg.push(&Layout::single("nested"), "team/app/api:2.1", false);
    let oracle = reg.oracle("team/app/api:2.1");
    let r = resolver().resolve(&reg.image("team/app/api:2.1")).unwrap();
    assert_eq!(r.reference.repository(), "team/app/api");
    assert_eq!(r.digest.to_string(), oracle.digest);
}

#[test]
fn pinned_references_need_no_lookup_but_can_be_verified() {
    if !have_tools(ORACLES) {
        return;
    }
    let reg = Registry::start(Auth::None);
    reg.push(&Layout::index("pinned"), "app:v1", false);
    let oracle = reg.oracle("app:v1");
    let pinned = format!("{}@{}", reg.image("app:v1"), oracle.digest);
    // No registry involved: a resolver pointed nowhere still answers.
    let r = resolver().resolve(&pinned).unwrap();
    assert_eq!(r.source, DigestOrigin::Reference);
    assert_eq!(r.digest.to_string(), oracle.digest);
    let v = resolver()
        .verify(&Reference::parse(&pinned).unwrap())
        .unwrap();
    assert_eq!(v.source, DigestOrigin::Verified);
    assert_eq!(v.media_type, Some(MediaType::OciIndex));
    let strict = Resolver::builder()
        .docker_config(DockerConfig::empty())
        .proxy_from_env(false)
        .verify_pinned(true)
        .build()
        .unwrap();
    assert_eq!(
        strict.resolve(&pinned).unwrap().source,
        DigestOrigin::Verified
    );
}

#[test]
fn basic_auth_with_docker_config_credentials() {
    if !have_tools(&["docker-registry", "skopeo", "htpasswd"]) {
        return;
    }
    let reg = Registry::start(Auth::Basic {
        user: "bob",
        password: "hunter2",
    });
    reg.push(&Layout::single("private"), "private/app:v1", false);
    let oracle = reg.oracle("private/app:v1");

    // Anonymous: refused, and the message says where credentials were looked for.
    let e = resolver()
        .resolve(&reg.image("private/app:v1"))
        .unwrap_err();
    assert!(matches!(e, Error::Unauthorized { .. }), "{e:?}");
    assert!(e.to_string().contains(&reg.host()), "{e}");

    let (_dir, config) = docker_config_with_auth(&reg.host(), "bob", "hunter2");
    let res = resolver_with(config);
    let r = res.resolve(&reg.image("private/app:v1")).unwrap();
    assert_eq!(r.digest.to_string(), oracle.digest);

    // Wrong password: Unauthorized naming the user, not the password.
    let (_dir2, bad) = docker_config_with_auth(&reg.host(), "bob", "wrong-password");
    let e = resolver_with(bad)
        .resolve(&reg.image("private/app:v1"))
        .unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, Error::Unauthorized { .. }), "{e:?}");
    assert!(
        msg.contains("`bob`") && !msg.contains("wrong-password"),
        "{msg}"
    );

    // Credentials keyed the way `docker login http://HOST/v2/` writes them also work.
    let (_dir3, keyed) =
        docker_config_with_auth(&format!("http://{}/v2/", reg.host()), "bob", "hunter2");
    assert_eq!(
        resolver_with(keyed)
            .resolve(&reg.image("private/app:v1"))
            .unwrap()
            .digest,
        r.digest
    );
}

#[test]
fn bearer_token_flow_against_real_registry() {
    if !have_tools(&["docker-registry", "skopeo", "openssl"]) {
        return;
    }
    let tokens = TokenServer::start();
    let reg = Registry::start(Auth::Token(tokens.clone()));
    reg.push(&Layout::single("token private"), "team/app:v1", false);
    reg.push(&Layout::index("token public"), "public/base:1", false);
    let private = reg.oracle("team/app:v1");
    let public = reg.oracle("public/base:1");

    // Anonymous token for a public repository.
    let anon = resolver();
    let r = anon.resolve(&reg.image("public/base:1")).unwrap();
    assert_eq!(r.digest.to_string(), public.digest);
    assert!(r.is_index());
    // Anonymous token without pull rights on a private repository: Unauthorized.
    let e = anon.resolve(&reg.image("team/app:v1")).unwrap_err();
    assert!(matches!(e, Error::Unauthorized { .. }), "{e:?}");

    // Basic credentials from config.json exchanged at the realm for a token.
    let (_dir, config) =
        docker_config_with_auth(&reg.host(), TokenServer::USER, TokenServer::PASSWORD);
    let res = resolver_with(config);
    let before = tokens.issued.load(Ordering::SeqCst);
    let r = res.resolve(&reg.image("team/app:v1")).unwrap();
    assert_eq!(r.digest.to_string(), private.digest);
    let after_first = tokens.issued.load(Ordering::SeqCst);
    assert_eq!(after_first, before + 1);
    // The token is cached per (registry, scope): same repository, no new token.
    res.resolve(&reg.image("team/app:v1")).unwrap();
    assert_eq!(tokens.issued.load(Ordering::SeqCst), after_first);
    // Another repository is another scope: one more token.
    res.resolve(&reg.image("public/base:1")).unwrap();
    assert_eq!(tokens.issued.load(Ordering::SeqCst), after_first + 1);
    // The realm was asked with the registry's service and the pull scope.
    let reqs = tokens.requests();
    assert!(
        reqs.iter()
            .any(|r| r.contains("service=fleetpin-test-registry")
                && r.contains("scope=repository%3Ateam%2Fapp%3Apull")
                && r.contains("account=alice")),
        "{reqs:#?}"
    );

    // Wrong password: the token server refuses and the error says so.
    let (_dir2, bad) = docker_config_with_auth(&reg.host(), TokenServer::USER, "nope");
    let e = resolver_with(bad)
        .resolve(&reg.image("team/app:v1"))
        .unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, Error::Unauthorized { .. }), "{e:?}");
    assert!(
        msg.contains("token server") && msg.contains("alice"),
        "{msg}"
    );
}

#[test]
fn batch_resolution_dedupes_and_keeps_order() {
    if !have_tools(ORACLES) {
        return;
    }
    let reg = Registry::start(Auth::None);
    reg.push(&Layout::single("a"), "a:1", false);
    reg.push(&Layout::index("b"), "b:1", false);
    reg.push(&Layout::single("c"), "team/c:latest", false);
    let (a, b, c) = (
        reg.oracle("a:1"),
        reg.oracle("b:1"),
        reg.oracle("team/c:latest"),
    );
    let inputs = vec![
        reg.image("a:1"),
        reg.image("b:1"),
        reg.image("a:1"),
        reg.image("team/c"), // implicit :latest
        reg.image("missing:1"),
        "Not A Reference".to_owned(),
        reg.image("team/c:latest"),
        reg.image("b:1"),
    ];
    let res = Resolver::builder()
        .docker_config(DockerConfig::empty())
        .proxy_from_env(false)
        .concurrency(3)
        .build()
        .unwrap();
    let out = res.resolve_many(&inputs);
    assert_eq!(out.len(), inputs.len());
    let d = |i: usize| out[i].as_ref().unwrap().digest.to_string();
    assert_eq!(d(0), a.digest);
    assert_eq!(d(1), b.digest);
    assert_eq!(d(2), a.digest);
    assert_eq!(d(3), c.digest);
    assert!(matches!(out[4], Err(Error::NotFound { .. })));
    assert!(matches!(out[5], Err(Error::InvalidReference { .. })));
    assert_eq!(d(6), c.digest);
    assert_eq!(d(7), b.digest);
}

#[test]
fn plain_http_only_for_insecure_registries() {
    if !have_tools(ORACLES) {
        return;
    }
    let reg = Registry::start(Auth::None);
    reg.push(&Layout::single("secure"), "app:v1", false);
    let oracle = reg.oracle("app:v1");
    // Loopback is insecure by default (as in Docker); with that off, only HTTPS is tried and
    // the plain-HTTP registry cannot be reached.
    let strict = Resolver::builder()
        .docker_config(DockerConfig::empty())
        .proxy_from_env(false)
        .loopback_insecure(false)
        .max_retries(0)
        .build()
        .unwrap();
    let e = strict.resolve(&reg.image("app:v1")).unwrap_err();
    assert!(matches!(e, Error::Network { .. }), "{e:?}");
    assert!(e.to_string().contains("https://"), "{e}");
    // Declared insecure explicitly: works again.
    let allowed = Resolver::builder()
        .docker_config(DockerConfig::empty())
        .proxy_from_env(false)
        .loopback_insecure(false)
        .insecure_registry(&reg.host())
        .build()
        .unwrap();
    assert_eq!(
        allowed
            .resolve(&reg.image("app:v1"))
            .unwrap()
            .digest
            .to_string(),
        oracle.digest
    );
    // `localhost:PORT` is the same registry, also loopback.
    let r = resolver()
        .resolve(&format!("localhost:{}/app:v1", reg.port))
        .unwrap();
    assert_eq!(r.digest.to_string(), oracle.digest);
}

// ---------------------------------------------------------------------------------------------
// Scripted stubs: behaviour a real registry does not show on demand.

fn stub_resolver() -> Resolver {
    resolver()
}

#[test]
fn retries_429_and_5xx_then_succeeds() {
    let body = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{},"layers":[]}"#;
    let digest = fleetpin_registry::Digest::sha256(body).to_string();
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let d = digest.clone();
    let stub = Stub::start(move |_req| match c.fetch_add(1, Ordering::SeqCst) {
        0 => Response::new(503),
        1 => Response::new(429).header("Retry-After", "0"),
        2 => Response::new(502),
        _ => Response::new(200)
            .header("Content-Type", fleetpin_registry::OCI_MANIFEST)
            .header("Docker-Content-Digest", &d),
    });
    let r = stub_resolver()
        .resolve(&format!("127.0.0.1:{}/app:v1", stub.port))
        .unwrap();
    assert_eq!(r.digest.to_string(), digest);
    let reqs = stub.requests();
    // The first request is the HTTPS attempt (loopback: HTTPS first, then HTTP); it never
    // reaches the handler as an HTTP request line, so only HEADs are logged.
    assert_eq!(
        reqs.iter()
            .filter(|r| r.starts_with("HEAD /v2/app/manifests/v1"))
            .count(),
        4,
        "{reqs:#?}"
    );
}

#[test]
fn gives_up_after_bounded_retries() {
    let stub = Stub::start(|_req| {
        Response::new(503).body(r#"{"errors":[{"code":"UNAVAILABLE","message":"down"}]}"#)
    });
    let res = Resolver::builder()
        .docker_config(DockerConfig::empty())
        .proxy_from_env(false)
        .max_retries(2)
        .backoff(Duration::from_millis(5), Duration::from_millis(10))
        .build()
        .unwrap();
    let e = res
        .resolve(&format!("127.0.0.1:{}/app:v1", stub.port))
        .unwrap_err();
    assert!(matches!(e, Error::Status { status: 503, .. }), "{e:?}");
    assert!(e.is_transient());
    let heads = stub
        .requests()
        .iter()
        .filter(|r| r.starts_with("HEAD"))
        .count();
    assert_eq!(heads, 3);
}

#[test]
fn head_without_digest_falls_back_to_get_and_hashes_the_body() {
    // Bytes with odd whitespace: the digest is of the exact body, not of re-serialised JSON.
    let body: &'static [u8] = b"{\n  \"schemaVersion\": 2,\n  \"mediaType\": \"application/vnd.oci.image.index.v1+json\",\n  \"manifests\": []\n}";
    let stub = Stub::start(move |req| {
        if req.method == "HEAD" {
            Response::new(200).header("Content-Type", "application/json")
        } else {
            Response::new(200)
                .header("Content-Type", "application/octet-stream")
                .body(body)
        }
    });
    let r = stub_resolver()
        .resolve(&format!("127.0.0.1:{}/app:v1", stub.port))
        .unwrap();
    assert_eq!(r.digest, fleetpin_registry::Digest::sha256(body));
    assert_eq!(r.source, DigestOrigin::Computed);
    assert_eq!(r.media_type, Some(MediaType::OciIndex));
}

#[test]
fn lying_digest_header_is_caught() {
    let body: &'static [u8] =
        br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}"#;
    let wrong = format!("sha256:{}", "1".repeat(64));
    let stub = Stub::start(move |_req| {
        Response::new(200)
            .header("Content-Type", fleetpin_registry::OCI_MANIFEST)
            .header("Docker-Content-Digest", &wrong)
            .body(body)
    });
    let res = Resolver::builder()
        .docker_config(DockerConfig::empty())
        .proxy_from_env(false)
        .verify_body(true)
        .build()
        .unwrap();
    let e = res
        .resolve(&format!("127.0.0.1:{}/app:v1", stub.port))
        .unwrap_err();
    assert!(matches!(e, Error::DigestMismatch { .. }), "{e:?}");
}

#[test]
fn bearer_challenge_parameters_reach_the_realm_and_tokens_are_reused() {
    // A stub registry + stub realm: checks the exact token request and the Authorization
    // header sent back, and that a batch with duplicates asks once per distinct reference.
    let tokens = Stub::start(|req| {
        assert_eq!(req.path(), "/auth");
        Response::new(200).body(r#"{"access_token":"tok-123","expires_in":300}"#)
    });
    let realm = format!("http://127.0.0.1:{}/auth?client=x", tokens.port);
    let body: &'static [u8] = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}"#;
    let digest = fleetpin_registry::Digest::sha256(body).to_string();
    let registry = Stub::start(move |req| {
        if req.header("authorization") != Some("Bearer tok-123") {
            return Response::new(401).header(
                "WWW-Authenticate",
                &format!(
                    r#"Bearer realm="{realm}",service="svc, with comma",scope="repository:{}:pull""#,
                    req.path().trim_start_matches("/v2/").split("/manifests").next().unwrap()
                ),
            );
        }
        Response::new(200)
            .header("Content-Type", fleetpin_registry::OCI_MANIFEST)
            .header("Docker-Content-Digest", &digest)
    });
    let res = stub_resolver();
    let img = format!("127.0.0.1:{}/ns/app:v1", registry.port);
    let out = res.resolve_many(&[
        img.clone(),
        img.clone(),
        img.clone(),
        img.replace(":v1", ":v2"),
        img.replace(":v1", ""),
        img.replace(":v1", ":latest"),
    ]);
    assert_eq!(out[4].as_ref().unwrap().reference.tag(), None);
    assert_eq!(out[5].as_ref().unwrap().reference.tag(), Some("latest"));
    assert!(out.iter().all(Result::is_ok), "{out:?}");
    let treqs = tokens.requests();
    assert_eq!(treqs.len(), 1, "{treqs:#?}");
    assert!(
        treqs[0].starts_with(
            "GET /auth?client=x&service=svc%2C+with+comma&scope=repository%3Ans%2Fapp%3Apull"
        ),
        "{treqs:#?}"
    );
    let reqs = registry.requests();
    let count = |tag: &str| {
        reqs.iter()
            .filter(|r| *r == &format!("HEAD /v2/ns/app/manifests/{tag}"))
            .count()
    };
    // v1: 401 then 200, once, although it was asked for three times. v2 runs in parallel:
    // a 401 too if it raced v1, then the one shared token.
    assert_eq!(count("v1"), 2, "{reqs:#?}");
    assert!((1..=2).contains(&count("v2")), "{reqs:#?}");

    // `ns/app` and `ns/app:latest` are one lookup: with one worker and a fresh resolver,
    // exactly a 401 and a 200 for `latest`.
    let before = count("latest");
    let seq = Resolver::builder()
        .docker_config(DockerConfig::empty())
        .proxy_from_env(false)
        .concurrency(1)
        .build()
        .unwrap();
    let out = seq.resolve_many(&[img.replace(":v1", ""), img.replace(":v1", ":latest")]);
    assert!(out.iter().all(Result::is_ok), "{out:?}");
    let reqs = registry.requests();
    let after = reqs
        .iter()
        .filter(|r| *r == "HEAD /v2/ns/app/manifests/latest")
        .count();
    assert_eq!(after - before, 2, "{reqs:#?}");
}

#[test]
fn unreachable_registry_is_a_network_error() {
    let port = free_port(); // nothing listens here
    let res = Resolver::builder()
        .docker_config(DockerConfig::empty())
        .proxy_from_env(false)
        .max_retries(1)
        .backoff(Duration::from_millis(5), Duration::from_millis(5))
        .build()
        .unwrap();
    let e = res
        .resolve(&format!("127.0.0.1:{port}/app:v1"))
        .unwrap_err();
    assert!(matches!(e, Error::Network { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains(&format!("127.0.0.1:{port}")) && msg.contains("app:v1"),
        "{msg}"
    );
}

#[test]
fn normalisation_agrees_with_skopeo() {
    if !have_tools(&["skopeo"]) {
        return;
    }
    let store = tempfile::tempdir().unwrap();
    let d = format!("sha256:{}", "ab".repeat(32));
    let accepted = [
        "nginx".to_owned(),
        "nginx:1.25".to_owned(),
        "docker.io/nginx".to_owned(),
        "index.docker.io/library/nginx:latest".to_owned(),
        "docker.io/library/nginx:1".to_owned(),
        "registry-1.docker.io/nginx".to_owned(),
        "bitnami/redis:7".to_owned(),
        "team/app/api".to_owned(),
        "a__b/c.d_e-f--g".to_owned(),
        "localhost/x".to_owned(),
        "localhost:5000/x".to_owned(),
        "127.0.0.1:5000/team/app:v1".to_owned(),
        "host.example:8443/a/b:v2_rc.1-x".to_owned(),
        "GHCR.IO/o/app".to_owned(),
        "sub-1.example/x".to_owned(),
        format!("nginx@{d}"),
        format!("nginx:1.25@{d}"),
        format!("localhost:5000/team/app@{d}"),
    ];
    for r in &accepted {
        let ours = Reference::parse(r).unwrap_or_else(|e| panic!("{r}: {e}"));
        let theirs = skopeo_normalise(store.path(), r).unwrap_or_else(|e| panic!("{r}: {e}"));
        assert_eq!(ours.to_string(), theirs, "{r}");
    }
    let rejected = [
        "Nginx",
        "nginx:",
        "a//b",
        "a___b/c",
        "-a/b",
        "a/b-",
        "nginx@sha256:abc",
        "a/b:-tag",
        "team/App",
        ":tag",
    ];
    for r in rejected {
        assert!(
            skopeo_normalise(store.path(), r).is_err(),
            "skopeo accepts {r}"
        );
        assert!(Reference::parse(r).is_err(), "we accept {r}");
    }
}

#[test]
fn ipv6_loopback_registry() {
    if !have_tools(ORACLES) {
        return;
    }
    if free_port_on("::1").is_none() {
        skip_note("no IPv6 loopback");
        return;
    }
    let v4 = Registry::start(Auth::None);
    v4.push(&Layout::single("v6"), "team/app:v1", false);
    let oracle = v4.oracle("team/app:v1");
    let reg = v4.mirror_on("::1");
    let image = reg.image("team/app:v1");
    assert!(image.starts_with("[::1]:"), "{image}");
    let r = resolver().resolve(&image).unwrap();
    assert_eq!(r.reference.registry(), reg.host());
    assert_eq!(r.digest.to_string(), oracle.digest);
}

#[test]
fn credential_helper_supplies_registry_credentials() {
    if !have_tools(&["docker-registry", "skopeo", "htpasswd"]) {
        return;
    }
    let reg = Registry::start(Auth::Basic {
        user: "carol",
        password: "from-helper",
    });
    reg.push(&Layout::single("helper"), "app:v1", false);
    let oracle = reg.oracle("app:v1");
    // credHelpers[host] wins over a wrong inline entry; the helper gets the host on stdin.
    let (dir, config) = docker_config_json(serde_json::json!({
        "auths": {reg.host(): {"auth": "Y2Fyb2w6d3Jvbmc="}},
        "credHelpers": {reg.host(): "fptest"},
    }));
    write_helper(
        dir.path(),
        "fptest",
        &format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 2\nread -r server\n\
             [ \"$server\" = \"{}\" ] || {{ echo \"credentials not found in native keychain\"; exit 1; }}\n\
             echo '{{\"ServerURL\":\"'$server'\",\"Username\":\"carol\",\"Secret\":\"from-helper\"}}'\n",
            reg.host()
        ),
    );
    let r = resolver_with(config).resolve(&reg.image("app:v1")).unwrap();
    assert_eq!(r.digest.to_string(), oracle.digest);
}

#[test]
fn identity_token_is_exchanged_with_a_refresh_token_grant() {
    // Docker's `identitytoken` (OAuth2 refresh token) is POSTed to the realm as a form.
    let tokens = Stub::start(|req| {
        let form: Vec<(String, String)> = form_urlencoded::parse(&req.body).into_owned().collect();
        let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        if req.method == "POST"
            && get("grant_type") == Some("refresh_token")
            && get("refresh_token") == Some("refresh-me")
            && get("service") == Some("svc")
            && get("scope") == Some("repository:org/app:pull")
        {
            Response::new(200).body(r#"{"access_token":"from-refresh"}"#)
        } else {
            Response::new(401)
        }
    });
    let realm = format!("http://127.0.0.1:{}/oauth2/token", tokens.port);
    let digest = format!("sha256:{}", "c".repeat(64));
    let d = digest.clone();
    let registry = Stub::start(move |req| {
        if req.header("authorization") != Some("Bearer from-refresh") {
            return Response::new(401).header(
                "WWW-Authenticate",
                &format!(r#"Bearer realm="{realm}",service="svc",scope="repository:org/app:pull""#),
            );
        }
        Response::new(200)
            .header("Content-Type", fleetpin_registry::DOCKER_MANIFEST_LIST)
            .header("Docker-Content-Digest", &d)
    });
    let host = format!("127.0.0.1:{}", registry.port);
    let (_dir, config) = docker_config_json(serde_json::json!({
        "auths": {host.clone(): {"auth": "", "identitytoken": "refresh-me"}},
    }));
    let r = resolver_with(config)
        .resolve(&format!("{host}/org/app:1"))
        .unwrap();
    assert_eq!(r.digest.to_string(), digest);
    assert!(r.is_index());
    assert!(tokens.requests()[0].starts_with("POST /oauth2/token"));
}

#[test]
fn basic_challenge_without_credentials_names_the_config() {
    let stub = Stub::start(|_req| {
        Response::new(401).header("WWW-Authenticate", r#"Basic realm="private""#)
    });
    let (dir, config) = docker_config_json(serde_json::json!({"auths": {}}));
    let e = resolver_with(config)
        .resolve(&format!("127.0.0.1:{}/app:v1", stub.port))
        .unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, Error::Unauthorized { .. }), "{e:?}");
    assert!(
        msg.contains(&dir.path().join("config.json").display().to_string()),
        "{msg}"
    );
}

#[test]
fn https_registry_verified_with_an_added_ca_or_insecure() {
    if !have_tools(&["docker-registry", "skopeo", "openssl"]) {
        return;
    }
    let ca = TestCa::new();
    let reg = Registry::start_tls(&ca);
    reg.push(&Layout::single("tls"), "app:v1", false);
    let oracle = reg.oracle("app:v1");
    let strict = || {
        Resolver::builder()
            .docker_config(DockerConfig::empty())
            .proxy_from_env(false)
            .loopback_insecure(false)
            .max_retries(0)
    };
    // Verified TLS against the system store: the test CA is unknown.
    let e = strict()
        .build()
        .unwrap()
        .resolve(&reg.image("app:v1"))
        .unwrap_err();
    assert!(matches!(e, Error::Network { .. }), "{e:?}");
    assert!(e.to_string().to_lowercase().contains("certificate"), "{e}");
    // Verified TLS with the CA added: works, for the IP and for `localhost` (SAN names).
    let trusted = strict()
        .add_root_certificates_pem(&ca.ca_pem)
        .unwrap()
        .build()
        .unwrap();
    for image in [
        reg.image("app:v1"),
        format!("localhost:{}/app:v1", reg.port),
    ] {
        assert_eq!(
            trusted.resolve(&image).unwrap().digest.to_string(),
            oracle.digest
        );
    }
    // Loopback is insecure by default: HTTPS without verification, as Docker does.
    assert_eq!(
        resolver()
            .resolve(&reg.image("app:v1"))
            .unwrap()
            .digest
            .to_string(),
        oracle.digest
    );
    assert!(strict().add_root_certificates_pem(b"not pem").is_err());

    // Docker's certs.d layout: DIR/HOST:PORT/ca.crt is trusted for that host only.
    let certs_d = tempfile::tempdir().unwrap();
    std::fs::create_dir(certs_d.path().join(reg.host())).unwrap();
    std::fs::write(certs_d.path().join(reg.host()).join("ca.crt"), &ca.ca_pem).unwrap();
    let per_host = strict()
        .certs_dirs(vec![certs_d.path().to_owned()])
        .build()
        .unwrap();
    assert_eq!(
        per_host
            .resolve(&reg.image("app:v1"))
            .unwrap()
            .digest
            .to_string(),
        oracle.digest
    );
    let other_name = per_host
        .resolve(&format!("localhost:{}/app:v1", reg.port))
        .unwrap_err();
    assert!(
        matches!(other_name, Error::Network { .. }),
        "{other_name:?}"
    );
}

#[test]
fn a_registry_that_never_answers_times_out() {
    let stub = Stub::start(|_req| {
        std::thread::sleep(Duration::from_secs(5));
        Response::new(500)
    });
    let res = Resolver::builder()
        .docker_config(DockerConfig::empty())
        .proxy_from_env(false)
        .timeout(Duration::from_millis(300))
        .max_retries(0)
        .build()
        .unwrap();
    let e = res
        .resolve(&format!("127.0.0.1:{}/app:v1", stub.port))
        .unwrap_err();
    assert!(matches!(e, Error::Network { .. }), "{e:?}");
    assert!(e.is_transient());
    assert!(e.to_string().contains("timeout"), "{e}");
}

#[test]
fn oversized_manifest_is_a_bad_response() {
    let stub = Stub::start(|req| {
        if req.method == "HEAD" {
            Response::new(200).header("Content-Type", "application/json")
        } else {
            Response::new(200).body(vec![b' '; 5 * 1024 * 1024])
        }
    });
    let e = resolver()
        .resolve(&format!("127.0.0.1:{}/app:v1", stub.port))
        .unwrap_err();
    assert!(matches!(e, Error::BadResponse { .. }), "{e:?}");
    assert!(e.to_string().contains("larger than"), "{e}");
}
