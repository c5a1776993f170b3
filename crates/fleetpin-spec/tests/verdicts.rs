//! The one pin verdict, end to end, on references as real repositories write them.

use fleetpin_spec::package::{Manager, classify};
use fleetpin_spec::revision::ref_strength;
use fleetpin_spec::url::is_latest_url;
use fleetpin_spec::{DEFAULT_FLOATING_TAGS, ImageRef, PinStrength, TagStatus, classify_vcs_ref};

const SHA: &str = "sha256:3134997edb04277814aa51a4175a588d45eb4299272f8eff2307bbf8b39e4d43";

fn image(s: &str) -> PinStrength {
    ImageRef::parse(s)
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .pin_strength(DEFAULT_FLOATING_TAGS)
}

/// Issue 9: images whose tag names no version move to every new upstream release.
#[test]
fn issue_9_tags_without_a_number_float() {
    for s in [
        "postgres:alpine",
        "nginx:alpine",
        "redis:alpine",
        "nextcloud:apache",
        "rust:buster",
        "node:lts-slim",
        "debian:bookworm",
        "python:alpine3.19",
        "nginx:rolling",
        "mcr.example.org/windows/servercore:ltsc2022",
        "zabbix/zabbix-server-pgsql:ubuntu-6.4-latest",
        "ghcr.io/acme/app",
        "localhost:5000/team/app",
    ] {
        assert_eq!(image(s), PinStrength::Floating, "{s}");
    }
}

/// Issue 9: a major or major.minor tag is a range.
#[test]
fn issue_9_major_and_minor_tags_are_ranges() {
    for (s, precision) in [
        ("golang:1.18", 2),
        ("mariadb:10", 1),
        ("node:20-alpine", 1),
        ("ubuntu:20.04", 2),
        ("traefik:v2", 1),
        ("python:3.12-slim-bookworm", 2),
        ("eclipse-temurin:17-jdk-jammy", 1),
    ] {
        let r = ImageRef::parse(s).unwrap();
        assert_eq!(
            r.status(DEFAULT_FLOATING_TAGS),
            TagStatus::Range { precision },
            "{s}"
        );
        assert_eq!(image(s), PinStrength::Range, "{s}");
    }
}

#[test]
fn full_versions_dates_builds_and_commits_are_exact() {
    for s in [
        "nginx:1.25.3-alpine",
        "python:3.12.1-slim-bookworm",
        "traefik:v2.11.0",
        "ubuntu:focal-20240123",
        "debian:bookworm-20240211-slim",
        "eclipse-temurin:8u392-b08-jdk",
        "ghcr.io/acme/app:sha-abc1234",
        "example.org:5000/acme/api:2024.01.15",
    ] {
        assert_eq!(image(s), PinStrength::Exact, "{s}");
    }
    // The verdict knows no project's numbering: PostgreSQL's full versions have two numbers,
    // and are judged like any major.minor tag (documented in IMG003).
    assert_eq!(image("postgres:16.2-alpine3.19"), PinStrength::Range);
    assert_eq!(image(&format!("nginx:alpine@{SHA}")), PinStrength::Digest);
    assert_eq!(image("nginx:${TAG}"), PinStrength::Unresolved);
}

#[test]
fn registry_normalisation_lives_with_the_verdict() {
    let r = ImageRef::parse("nginx:1.25").unwrap();
    assert_eq!(r.normalized_name(), "docker.io/library/nginx");
    let r = ImageRef::parse("index.docker.io/bitnami/redis:7.2.4").unwrap();
    assert_eq!(r.domain(), "docker.io");
    assert_eq!(r.normalized_name(), "docker.io/bitnami/redis");
}

/// The other things fleetpin judges use the same scale.
#[test]
fn one_scale_for_packages_refs_galaxy_and_urls() {
    assert_eq!(
        classify(Manager::Apt, "docker-ce=5:23.0.1-1~debian.10~buster"),
        PinStrength::Exact
    );
    assert_eq!(
        classify(Manager::Apt, "docker-ce=5:23.0*"),
        PinStrength::Glob
    );
    assert_eq!(classify(Manager::Pip, "requests>=2"), PinStrength::Range);
    assert_eq!(classify(Manager::Apt, "curl"), PinStrength::None);
    assert_eq!(classify_vcs_ref("main"), PinStrength::Floating);
    assert_eq!(classify_vcs_ref("v1.2.3"), PinStrength::Exact);
    assert_eq!(
        classify_vcs_ref("b4ffde65f46336ab88eb53be808477a3936bae11"),
        PinStrength::Digest
    );
    assert_eq!(ref_strength("3.7.0").pin_strength(), PinStrength::Exact);
    assert_eq!(ref_strength(">=1.0.0").pin_strength(), PinStrength::Range);
    assert_eq!(ref_strength("master").pin_strength(), PinStrength::Floating);
    assert!(is_latest_url(
        "https://example.org/o/r/releases/latest/download/r.tar.gz"
    ));
    assert!(!is_latest_url(
        "https://example.org/o/r/releases/download/v1.2.3/r.tar.gz"
    ));
}
