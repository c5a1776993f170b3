//! Image reference grammar. The valid/invalid vectors are those of the distribution
//! `reference` package's own tests (docker/distribution `reference/reference_test.go` and
//! `reference/normalize_test.go`), which is the parser Docker uses.

use fleetpin_dockerfile::DEFAULT_FLOATING_TAGS;
use fleetpin_dockerfile::image::{ImageRef, ImageRefError, TagStatus, template_ranges};
use fleetpin_shell::PinStrength;

/// (input, registry, repository, tag, digest).
type Case<'a> = (
    &'a str,
    Option<&'a str>,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
);

const SHA: &str = "sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

/// (input, registry, repository, tag, digest) from `TestReferenceParse`.
#[test]
fn distribution_reference_parse_vectors() {
    let long_ok = format!("{}a:tag-puts-this-over-max", "a/".repeat(127));
    let long_repo = format!("{}a", "a/".repeat(126));
    let with_tag_digest = format!("test:5000/repo:tag@{SHA}");
    let with_digest = format!("test:5000/repo@{SHA}");
    let cases: Vec<Case<'_>> = vec![
        ("test_com", None, "test_com", None, None),
        ("test.com:tag", None, "test.com", Some("tag"), None),
        ("test.com:5000", None, "test.com", Some("5000"), None),
        (
            "test.com/repo:tag",
            Some("test.com"),
            "repo",
            Some("tag"),
            None,
        ),
        ("test:5000/repo", Some("test:5000"), "repo", None, None),
        (
            "test:5000/repo:tag",
            Some("test:5000"),
            "repo",
            Some("tag"),
            None,
        ),
        (&with_digest, Some("test:5000"), "repo", None, Some(SHA)),
        (
            &with_tag_digest,
            Some("test:5000"),
            "repo",
            Some("tag"),
            Some(SHA),
        ),
        (
            "sub-dom1.foo.com/bar/baz/quux",
            Some("sub-dom1.foo.com"),
            "bar/baz/quux",
            None,
            None,
        ),
        (
            "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
            Some("sub-dom1.foo.com"),
            "bar/baz/quux",
            Some("some-long-tag"),
            None,
        ),
        (
            "b.gcr.io/test.example.com/my-app:test.example.com",
            Some("b.gcr.io"),
            "test.example.com/my-app",
            Some("test.example.com"),
            None,
        ),
        (
            "xn--n3h.com/myimage:xn--n3h.com",
            Some("xn--n3h.com"),
            "myimage",
            Some("xn--n3h.com"),
            None,
        ),
        ("foo_bar.com:8080", None, "foo_bar.com", Some("8080"), None),
        (
            "foo/foo_bar.com:8080",
            None,
            "foo/foo_bar.com",
            Some("8080"),
            None,
        ),
        (&long_ok, None, "", Some("tag-puts-this-over-max"), None),
    ];
    for (input, registry, repo, tag, digest) in cases {
        let r = ImageRef::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(r.registry.as_deref(), registry, "{input}");
        if input == long_ok {
            assert_eq!(r.repository, format!("a/{long_repo}"));
        } else {
            assert_eq!(r.repository, repo, "{input}");
        }
        assert_eq!(r.tag.as_deref(), tag, "{input}");
        assert_eq!(r.digest.as_deref(), digest, "{input}");
        assert_eq!(r.to_string(), input, "round trip");
    }
}

#[test]
fn distribution_invalid_vectors() {
    let too_long = format!("{}a:tag", "a/".repeat(128));
    let long_ns = format!(
        "{}/docker",
        "this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_".repeat(4)
    );
    let invalid = [
        "",
        ":justtag",
        &format!("@{SHA}"),
        "validname@invaliddigest:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        &too_long,
        "aa/asdf$$^/aa",
        "https://github.com/docker/docker",
        "docker/Docker",
        "-docker",
        "-docker/docker",
        "-docker.io/docker/docker",
        "docker///docker",
        "docker.io/docker/Docker",
        "docker.io/docker///docker",
        "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
        "docker-/docker",
        "-docker-/docker",
        "____/____",
        "_docker/_docker",
        "dock..er/docker",
        "dock_.er/docker",
        "dock-.er/docker",
        "docker/",
        &long_ns,
        "busybox:-foo",
        "busybox@foo",
    ];
    for input in invalid {
        // `aa/asdf$$^/aa` contains `$`, which fleetpin reads as a template start; it must
        // still not parse as a clean reference.
        let r = ImageRef::parse(input);
        assert!(
            r.is_err() || r.as_ref().is_ok_and(ImageRef::is_templated),
            "{input:?} parsed: {r:?}"
        );
    }
    assert_eq!(ImageRef::parse(""), Err(ImageRefError::Empty));
    assert!(matches!(
        ImageRef::parse("docker.io/docker/Docker"),
        Err(ImageRefError::Uppercase(_))
    ));
    assert!(matches!(
        ImageRef::parse(&too_long),
        Err(ImageRefError::NameTooLong)
    ));
    assert!(matches!(
        ImageRef::parse("nginx@sha256:abc"),
        Err(ImageRefError::InvalidDigest(_))
    ));
}

#[test]
fn distribution_valid_names_and_normalisation() {
    let valid = [
        ("docker/docker", "docker.io/docker/docker"),
        ("library/debian", "docker.io/library/debian"),
        ("debian", "docker.io/library/debian"),
        ("docker.io/docker/docker", "docker.io/docker/docker"),
        ("docker.io/library/debian", "docker.io/library/debian"),
        ("docker.io/debian", "docker.io/library/debian"),
        ("index.docker.io/docker/docker", "docker.io/docker/docker"),
        ("index.docker.io/debian", "docker.io/library/debian"),
        (
            "127.0.0.1:5000/docker/docker",
            "127.0.0.1:5000/docker/docker",
        ),
        ("127.0.0.1:5000/debian", "127.0.0.1:5000/debian"),
        ("[fc00::1%eth0]:5000/debian", "[fc00::1%eth0]:5000/debian"),
        ("localhost/debian", "localhost/debian"),
        ("LOCALDOMAIN/debian", "LOCALDOMAIN/debian"),
        (
            "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
            "docker.io/library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
        ),
        (
            "docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
            "docker.io/library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
        ),
        ("docker-rules/docker", "docker.io/docker-rules/docker"),
        ("docker---rules/docker", "docker.io/docker---rules/docker"),
        ("d/docker", "docker.io/d/docker"),
        ("jess/t", "docker.io/jess/t"),
        ("dock__er/docker", "docker.io/dock__er/docker"),
        ("test_com/foo", "docker.io/test_com/foo"),
        ("xn--n3h.com:18080/foo", "xn--n3h.com:18080/foo"),
    ];
    for (input, full) in valid {
        let r = ImageRef::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(r.normalized_name(), full, "{input}");
    }
    let r = ImageRef::parse(
        "busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa",
    )
    .unwrap();
    assert_eq!(r.tag.as_deref(), Some("latest"));
    assert!(r.has_digest());
    assert_eq!(r.domain(), "docker.io");
}

#[test]
fn floating_status() {
    let f = DEFAULT_FLOATING_TAGS;
    let status = |s: &str| ImageRef::parse(s).unwrap().status(f);
    assert_eq!(status("nginx"), TagStatus::Floating { implicit: true });
    assert_eq!(
        status("nginx:latest"),
        TagStatus::Floating { implicit: false }
    );
    assert_eq!(
        status("nginx:stable"),
        TagStatus::Floating { implicit: false }
    );
    assert_eq!(
        status("nginx:mainline"),
        TagStatus::Floating { implicit: false }
    );
    assert_eq!(status("nginx:1.25.3"), TagStatus::Tagged);
    // No version component: floats (issue 9).
    assert_eq!(
        status("nginx:latest-alpine"),
        TagStatus::Floating { implicit: false }
    );
    assert_eq!(
        status("nginx:rolling"),
        TagStatus::Floating { implicit: false }
    );
    assert_eq!(status("nginx:1.25"), TagStatus::Range { precision: 2 });
    assert_eq!(status(&format!("nginx:latest@{SHA}")), TagStatus::Digest);
    assert_eq!(status(&format!("nginx@{SHA}")), TagStatus::Digest);
    assert_eq!(
        status("registry:5000/app"),
        TagStatus::Floating { implicit: true }
    );
    assert_eq!(
        status("registry:5000/app:2.0"),
        TagStatus::Range { precision: 2 }
    );
    // A custom list adds moving words; a tag without a version floats whatever it says.
    let r = ImageRef::parse("nginx:stable").unwrap();
    assert!(r.is_floating(&["latest"]));
    let r = ImageRef::parse("app:6.4-prod").unwrap();
    assert!(!r.is_floating(&["latest"]));
    assert!(r.is_floating(&["latest", "prod"]));
    assert_eq!(ImageRef::parse("nginx").unwrap().tag_or_default(), "latest");
    assert_eq!(
        ImageRef::parse("nginx").unwrap().pin_strength(f),
        PinStrength::Floating
    );
    assert_eq!(
        ImageRef::parse("nginx:1.25").unwrap().pin_strength(f),
        PinStrength::Range
    );
    assert_eq!(
        ImageRef::parse("nginx:1.25.3").unwrap().pin_strength(f),
        PinStrength::Exact
    );
}

#[test]
fn templates_are_unresolved() {
    let f = DEFAULT_FLOATING_TAGS;
    let status = |s: &str| {
        ImageRef::parse(s)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .status(f)
    };
    assert_eq!(status("nginx:${TAG}"), TagStatus::Unresolved);
    assert_eq!(status("nginx:${TAG:-1.25}"), TagStatus::Unresolved);
    assert_eq!(status("nginx:$TAG"), TagStatus::Unresolved);
    assert_eq!(status("nginx:{{ nginx_tag }}"), TagStatus::Unresolved);
    assert_eq!(status("{{ image }}"), TagStatus::Unresolved);
    assert_eq!(status("${IMAGE}"), TagStatus::Unresolved);
    // A literal tag outside the template decides.
    assert_eq!(
        status("${REGISTRY}/app:latest"),
        TagStatus::Floating { implicit: false }
    );
    assert_eq!(status("{{ registry }}/app:1.2.3"), TagStatus::Tagged);
    assert_eq!(status("{{ registry }}/app"), TagStatus::Unresolved);
    // A literal moving word at the end floats whatever the template holds.
    assert_eq!(
        status("zabbix/zabbix-server-pgsql:ubuntu-${ZABBIX_VERSION}-latest"),
        TagStatus::Floating { implicit: false }
    );
    assert_eq!(status("app:${VERSION}-alpine"), TagStatus::Unresolved);
    assert_eq!(
        status(&format!("app:{{{{ tag }}}}@{SHA}")),
        TagStatus::Digest
    );
    assert_eq!(
        template_ranges("a${B}c{{ d }}$E"),
        vec![1..5, 6..13, 13..15]
    );
}

#[test]
fn sub_ranges_point_into_the_input() {
    let s = format!("ghcr.io/o/app:v1.2.3@{SHA}");
    let r = ImageRef::parse(&s).unwrap();
    assert_eq!(&s[r.name_range.clone()], "ghcr.io/o/app");
    assert_eq!(&s[r.tag_range.clone().unwrap()], "v1.2.3");
    assert_eq!(&s[r.digest_range.clone().unwrap()], SHA);
    let r = r.shifted(10);
    assert_eq!(r.tag_range, Some(24..30));
    let s = "nginx:${TAG:-1.25}";
    let r = ImageRef::parse(s).unwrap();
    assert_eq!(&s[r.tag_range.unwrap()], "${TAG:-1.25}");
}

#[test]
fn version_precision() {
    let p = |s: &str| ImageRef::parse(s).unwrap().version_precision();
    assert_eq!(p("node:20-alpine"), Some(1));
    assert_eq!(p("python:3.12-slim"), Some(2));
    assert_eq!(p("nginx:1.25.3"), Some(3));
    assert_eq!(p("traefik:v2.11.0"), Some(3));
    assert_eq!(p("debian:bookworm-20240110"), None);
    assert_eq!(p("nginx"), None);
    assert_eq!(p("nginx:latest"), None);
}
