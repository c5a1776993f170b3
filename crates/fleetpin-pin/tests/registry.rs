//! Images pinned against a real `docker-registry` on loopback, images pushed with `skopeo`
//! (skopeo's digest is the oracle), and a registry whose digest header lies.

mod common;
#[path = "../../fleetpin-registry/tests/support/mod.rs"]
mod support;

use common::*;
use fleetpin_pin::PinOptions;
use support::{Auth, Layout, Registry, Response, Stub, have_tools};

#[test]
fn compose_and_dockerfile_get_the_registry_digest() {
    if !have_tools(&["docker-registry", "skopeo"]) {
        return;
    }
    let reg = Registry::start(Auth::None);
    reg.push(&Layout::single("pin single"), "app:v1", false);
    reg.push(&Layout::index("pin multi"), "base:latest", false);
    let single = reg.oracle("app:v1").digest;
    let multi = reg.oracle("base:latest").digest;
    let compose = format!(
        "services:\n  app:\n    image: {}  # the app\n",
        reg.image("app:v1")
    );
    let dockerfile = format!("FROM {} AS base\nRUN true\n", reg.image("base:latest"));
    let dir = tree(&[
        ("stack/docker-stack.yml", &compose),
        ("Dockerfile", &dockerfile),
    ]);
    let root = dir.path();
    let resolver = support::resolver();
    let options = PinOptions {
        lint: lint_options(root),
        lock: None,
        unsafe_fixes: false,
        images: Some(&resolver),
        actions: None,
        galaxy: None,
        lock_path: None,
        facts: None,
    };
    let plan = fleetpin_pin::plan(&options);
    assert!(plan.errors.is_empty(), "{:?}", plan.errors);
    write_all(&plan, root);
    assert_eq!(
        read(root, "stack/docker-stack.yml"),
        format!(
            "services:\n  app:\n    image: {}@{single}  # the app\n",
            reg.image("app:v1")
        )
    );
    assert_eq!(
        read(root, "Dockerfile"),
        format!(
            "FROM {}@{multi} AS base\nRUN true\n",
            reg.image("base:latest")
        )
    );
    // Second run: nothing floats any more, nothing to write.
    let again = fleetpin_pin::plan(&options);
    assert_eq!(again.edit_count(), 0);
    assert!(again.errors.is_empty(), "{:?}", again.errors);
}

#[test]
fn lying_registry_is_a_named_error_and_other_files_are_still_pinned() {
    let body: &'static [u8] =
        br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}"#;
    let wrong = format!("sha256:{}", "1".repeat(64));
    let stub = Stub::start(move |_req| {
        Response::new(200)
            .header("Content-Type", fleetpin_registry::OCI_MANIFEST)
            .header("Docker-Content-Digest", &wrong)
            .body(body)
    });
    let liar = format!("127.0.0.1:{}/app:v1", stub.port);
    let dir = tree(&[
        (
            "a/compose.yaml",
            &format!("services:\n  a:\n    image: {liar}\n"),
        ),
        (
            "b/site.yml",
            "- hosts: all\n  tasks:\n    - apt: {name: docker-ce, state: latest}\n",
        ),
    ]);
    let root = dir.path();
    let resolver = fleetpin_registry::Resolver::builder()
        .docker_config(fleetpin_registry::DockerConfig::empty())
        .proxy_from_env(false)
        .verify_body(true)
        .max_retries(0)
        .build()
        .unwrap();
    let lock = lock(LOCK);
    let options = PinOptions {
        lint: lint_options(root),
        lock: Some(&lock),
        unsafe_fixes: false,
        images: Some(&resolver),
        actions: None,
        galaxy: None,
        lock_path: None,
        facts: None,
    };
    let plan = fleetpin_pin::plan(&options);
    let errors: Vec<String> = plan.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains(&liar) && errors[0].contains("a/compose.yaml:3"),
        "{errors:?}"
    );
    write_all(&plan, root);
    assert_eq!(
        read(root, "a/compose.yaml"),
        format!("services:\n  a:\n    image: {liar}\n"),
        "the lying registry's image is left alone"
    );
    assert!(read(root, "b/site.yml").contains("docker-ce=5:20.10.23~3-0~debian-buster"));
}
