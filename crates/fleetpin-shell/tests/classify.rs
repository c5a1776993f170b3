//! `classify`, `classify_version` and `classify_vcs_ref` as the Ansible package rules use them.

use fleetpin_shell::{
    Manager, PinStrength, classify, classify_vcs_ref, classify_version, parse_spec,
};

use PinStrength::{Digest, Exact, Floating, Glob, None as NoPin, Range, Unresolved};

#[test]
fn ordering_weakest_to_strongest() {
    let all = PinStrength::ALL;
    assert!(all.windows(2).all(|w| w[0] < w[1]));
    assert!(!Unresolved.is_pinned() && Exact.is_pinned() && Digest.is_pinned());
    assert!(!Unresolved.meets(Exact) && Glob.meets(Range) && !Floating.meets(NoPin));
    for p in all {
        assert_eq!(p.as_str().parse::<PinStrength>().unwrap(), p);
    }
    assert!("bogus".parse::<PinStrength>().is_err());
}

#[test]
fn ansible_style_specs() {
    let cases = [
        (Manager::Apt, "docker-ce=5:23.0.1-1~debian.10~buster", Exact),
        (Manager::Apt, "docker-ce=5:23.0*", Glob),
        (Manager::Apt, "docker-ce", NoPin),
        (Manager::Apt, "docker-ce={{ docker_version }}", Unresolved),
        (Manager::Apt, "{{ item }}", Unresolved),
        (Manager::Apt, "git/bookworm-backports", Floating),
        (Manager::Dnf, "docker-ce-24.0.7", Exact),
        (Manager::Dnf, "docker-ce", NoPin),
        (Manager::Dnf, "@development-tools", NoPin),
        (Manager::Dnf, "docker-ce >= 24", Range),
        (Manager::Pip, "ansible>=8", Range),
        (Manager::Pip, "ansible==8.7.0", Exact),
        (Manager::Pip, "ansible", NoPin),
        (Manager::Pip, "ansible==8.*", Glob),
        (Manager::Npm, "pm2@latest", Floating),
        (Manager::Npm, "pm2@5.3.1", Exact),
        (Manager::Npm, "@scope/x", NoPin),
        (Manager::Apk, "curl=8.5.0-r0", Exact),
        (Manager::Apk, "curl>8", Range),
        (Manager::Generic, "nginx=1.24.0", Exact),
        (Manager::Generic, "nginx>=1.24", Range),
        (Manager::Generic, "nginx", NoPin),
        (Manager::Gem, "rails:7.1.2", Exact),
        (Manager::Go, "example.com/x@v1", Range),
    ];
    for (m, spec, want) in cases {
        assert_eq!(classify(m, spec), want, "{m} {spec}");
    }
    let p = parse_spec(Manager::Apt, "docker-ce:amd64=5:24.0.7-1");
    assert_eq!(p.name, "docker-ce:amd64");
    assert_eq!(p.version.as_deref(), Some("5:24.0.7-1"));
}

#[test]
fn versions_given_separately() {
    let cases = [
        (Manager::Pip, "8.7.0", Exact),
        (Manager::Pip, ">=8", Range),
        (Manager::Pip, "==8.*", Glob),
        (Manager::Gem, "~> 7.1", Range),
        (Manager::Gem, "7.1.2", Exact),
        (Manager::Npm, "^1.2.3", Range),
        (Manager::Npm, "1.2.3", Exact),
        (Manager::Npm, "latest", Floating),
        (Manager::Cargo, "1.2.3", Exact),
        (Manager::Cargo, "1.2", Range),
        (Manager::Apt, "1.2*", Glob),
        (Manager::Apt, "latest", Floating),
        (Manager::Apt, "", NoPin),
        (Manager::Apt, "{{ v }}", Unresolved),
    ];
    for (m, v, want) in cases {
        assert_eq!(classify_version(m, v), want, "{m} {v:?}");
    }
}

#[test]
fn vcs_refs() {
    assert_eq!(classify_vcs_ref(""), Floating);
    assert_eq!(classify_vcs_ref("main"), Floating);
    assert_eq!(classify_vcs_ref("HEAD"), Floating);
    assert_eq!(classify_vcs_ref("stable-2.15"), Floating);
    assert_eq!(classify_vcs_ref("v2.15.3"), Exact);
    assert_eq!(classify_vcs_ref("2.15.3"), Exact);
    assert_eq!(classify_vcs_ref("refs/tags/release"), Exact);
    assert_eq!(classify_vcs_ref("a1b2c3d"), Exact);
    assert_eq!(
        classify_vcs_ref("0123456789abcdef0123456789abcdef01234567"),
        Digest
    );
    assert_eq!(classify_vcs_ref("{{ git_ref }}"), Unresolved);
}

#[test]
fn ansible_modules() {
    assert_eq!(
        Manager::from_ansible_module("ansible.builtin.apt"),
        Some(Manager::Apt)
    );
    assert_eq!(
        Manager::from_ansible_module("community.general.apk"),
        Some(Manager::Apk)
    );
    assert_eq!(
        Manager::from_ansible_module("ansible.legacy.dnf"),
        Some(Manager::Dnf)
    );
    assert_eq!(
        Manager::from_ansible_module("community.general.homebrew"),
        Some(Manager::Brew)
    );
    assert_eq!(
        Manager::from_ansible_module("package"),
        Some(Manager::Generic)
    );
    assert_eq!(Manager::from_ansible_module("ansible.builtin.copy"), None);
}
