//! Per-manager package specs and their pin strength: hits and near-misses. Every row also
//! checks that the reported range points at the package word in the command.

use std::collections::HashMap;

use fleetpin_shell::{Manager, NoVars, PackageSource, PinStrength, analyze};

use PinStrength::{Digest, Exact, Floating, Glob, None as NoPin, Range, Unresolved};

/// Analyse `cmd` and compare `(source text of the package word, strength)` of every package.
#[track_caller]
fn check(cmd: &str, manager: Manager, expected: &[(&str, PinStrength)]) {
    let a = analyze(cmd, &NoVars);
    let got: Vec<(&str, PinStrength)> = a
        .packages()
        .map(|(i, p)| {
            assert_eq!(i.manager, manager, "manager of {cmd:?}");
            (&cmd[p.range.clone()], p.strength)
        })
        .collect();
    assert_eq!(got, expected, "packages of {cmd:?}");
}

#[track_caller]
fn no_install(cmd: &str) {
    let a = analyze(cmd, &NoVars);
    assert!(
        a.installs.is_empty(),
        "{cmd:?} should install nothing: {:?}",
        a.installs
    );
}

#[test]
fn apt() {
    check(
        "apt-get install -y curl=7.88.1-10+deb12u5 docker-ce=5:23.0* git/bookworm-backports nginx",
        Manager::Apt,
        &[
            ("curl=7.88.1-10+deb12u5", Exact),
            ("docker-ce=5:23.0*", Glob),
            ("git/bookworm-backports", Floating),
            ("nginx", NoPin),
        ],
    );
    check(
        "apt install -qq ./local_1.0_amd64.deb",
        Manager::Apt,
        &[("./local_1.0_amd64.deb", Exact)],
    );
    check("aptitude install -y vim", Manager::Apt, &[("vim", NoPin)]);
    // `-t` makes unversioned packages follow the target release.
    let a = analyze(
        "apt-get -t bookworm-backports install -y golang pinned=1.0-1",
        &NoVars,
    );
    assert_eq!(
        a.installs[0].target_release.as_ref().unwrap().text,
        "bookworm-backports"
    );
    assert_eq!(a.installs[0].packages[0].strength, Floating);
    assert_eq!(a.installs[0].packages[1].strength, Exact);
    let a = analyze(
        "apt-get -o APT::Default-Release=stable install -y x",
        &NoVars,
    );
    assert_eq!(
        a.installs[0].target_release.as_ref().unwrap().text,
        "stable"
    );
    // `--only-upgrade` upgrades to the newest.
    check(
        "apt-get install --only-upgrade -y openssl",
        Manager::Apt,
        &[("openssl", Floating)],
    );
    // `pkg-` removes; `pkg+` installs.
    check(
        "apt-get install -y foo- bar+",
        Manager::Apt,
        &[("bar+", NoPin)],
    );
    // Options with values are not packages.
    check(
        "apt-get -o Dpkg::Options::=--force-confold -c /etc/apt.conf install -y tini",
        Manager::Apt,
        &[("tini", NoPin)],
    );
    no_install("apt-get update");
    no_install("apt-get install");
    no_install("apt-cache policy docker-ce");
    no_install("apt-get remove -y docker-ce");
}

#[test]
fn apt_blanket_upgrades() {
    for (cmd, sub) in [
        ("apt-get upgrade -y", "upgrade"),
        ("apt-get -y dist-upgrade", "dist-upgrade"),
        ("apt full-upgrade -y", "full-upgrade"),
        ("aptitude safe-upgrade", "safe-upgrade"),
    ] {
        let a = analyze(cmd, &NoVars);
        assert_eq!(a.upgrades.len(), 1, "{cmd}");
        assert_eq!(a.upgrades[0].subcommand.text, sub);
        assert_eq!(&cmd[a.upgrades[0].subcommand.range.clone()], sub);
        assert!(a.installs.is_empty());
    }
    // Upgrading named packages floats them but is not a blanket upgrade.
    let a = analyze("apt-get upgrade -y openssl", &NoVars);
    assert!(a.upgrades.is_empty());
    assert_eq!(a.installs[0].packages[0].strength, Floating);
}

#[test]
fn dnf_yum() {
    check(
        "dnf install -y docker-ce-24.0.7 containerd.io-1.6.28-3.1.el9 python3-pip java-11-openjdk nginx-1.24* 'podman >= 4'",
        Manager::Dnf,
        &[
            ("docker-ce-24.0.7", Exact),
            ("containerd.io-1.6.28-3.1.el9", Exact),
            ("python3-pip", NoPin),
            ("java-11-openjdk", NoPin),
            ("nginx-1.24*", Glob),
            ("'podman >= 4'", Range),
        ],
    );
    check(
        "yum -y --enablerepo=epel install docker-ce-3:24.0.7-1.el8 java-1.8.0-openjdk-1.8.0.392",
        Manager::Dnf,
        &[
            ("docker-ce-3:24.0.7-1.el8", Exact),
            ("java-1.8.0-openjdk-1.8.0.392", Exact),
        ],
    );
    check(
        "microdnf install -y shadow-utils",
        Manager::Dnf,
        &[("shadow-utils", NoPin)],
    );
    check(
        "yum localinstall -y /tmp/x-1.0.rpm",
        Manager::Dnf,
        &[("/tmp/x-1.0.rpm", Exact)],
    );
    check(
        "dnf group install -y 'Development Tools'",
        Manager::Dnf,
        &[("'Development Tools'", NoPin)],
    );
    check(
        "yum update -y kernel",
        Manager::Dnf,
        &[("kernel", Floating)],
    );
    let a = analyze("yum -y update && dnf upgrade --refresh -y", &NoVars);
    assert_eq!(a.upgrades.len(), 2);
    no_install("dnf makecache");
    no_install("yum clean all");
}

#[test]
fn apk() {
    check(
        "apk add --no-cache curl=8.5.0-r0 bash~5.2 'openssl>3' git@edge tini",
        Manager::Apk,
        &[
            ("curl=8.5.0-r0", Exact),
            ("bash~5.2", Glob),
            ("'openssl>3'", Range),
            ("git@edge", Floating),
            ("tini", NoPin),
        ],
    );
    // `-t`/`--virtual` names a virtual package, not one to install.
    check(
        "apk add --virtual .build-deps gcc=13.2.1_git20231014-r0",
        Manager::Apk,
        &[("gcc=13.2.1_git20231014-r0", Exact)],
    );
    check("apk add -t .deps make", Manager::Apk, &[("make", NoPin)]);
    // `-U` only refreshes the index; `-u` upgrades.
    check("apk add -U make", Manager::Apk, &[("make", NoPin)]);
    check("apk add -u make", Manager::Apk, &[("make", Floating)]);
    let a = analyze("apk upgrade --no-cache", &NoVars);
    assert_eq!(a.upgrades.len(), 1);
    no_install("apk update");
    no_install("apk del curl");
}

#[test]
fn zypper() {
    check(
        "zypper --non-interactive install -y 'docker=24.0.7' 'git>=2.40' curl",
        Manager::Zypper,
        &[
            ("'docker=24.0.7'", Exact),
            ("'git>=2.40'", Range),
            ("curl", NoPin),
        ],
    );
    check(
        "zypper in -r repo-oss vim",
        Manager::Zypper,
        &[("vim", NoPin)],
    );
    let a = analyze("zypper -n dup", &NoVars);
    assert_eq!(a.upgrades.len(), 1);
    no_install("zypper refresh");
}

#[test]
fn pip() {
    check(
        "pip install requests==2.31.0 'flask>=2' 'django~=4.2' 'numpy==1.26.*' 'x===1.0' six 'pydantic[email]==2.5.3' 'a>=1,<2'",
        Manager::Pip,
        &[
            ("requests==2.31.0", Exact),
            ("'flask>=2'", Range),
            ("'django~=4.2'", Range),
            ("'numpy==1.26.*'", Glob),
            ("'x===1.0'", Exact),
            ("six", NoPin),
            ("'pydantic[email]==2.5.3'", Exact),
            ("'a>=1,<2'", Range),
        ],
    );
    check(
        "pip3 install --upgrade pip setuptools==69.0.3",
        Manager::Pip,
        &[("pip", Floating), ("setuptools==69.0.3", Exact)],
    );
    check(
        "python3 -m pip install -U 'ansible-core>=2.15'",
        Manager::Pip,
        &[("'ansible-core>=2.15'", Range)],
    );
    check(
        "python -m pip install --no-cache-dir ansible",
        Manager::Pip,
        &[("ansible", NoPin)],
    );
    check("pip3.11 install x==1", Manager::Pip, &[("x==1", Exact)]);
    check(
        "pip install git+https://github.com/o/r.git@v1.2.3 git+https://github.com/o/r.git@main git+https://github.com/o/r git+ssh://git@github.com/o/r.git@0123456789abcdef0123456789abcdef01234567",
        Manager::Pip,
        &[
            ("git+https://github.com/o/r.git@v1.2.3", Exact),
            ("git+https://github.com/o/r.git@main", Floating),
            ("git+https://github.com/o/r", Floating),
            (
                "git+ssh://git@github.com/o/r.git@0123456789abcdef0123456789abcdef01234567",
                Digest,
            ),
        ],
    );
    check(
        "pip install . ./dist/app-1.0-py3-none-any.whl /tmp/pkg.tar.gz",
        Manager::Pip,
        &[
            (".", Exact),
            ("./dist/app-1.0-py3-none-any.whl", Exact),
            ("/tmp/pkg.tar.gz", Exact),
        ],
    );
    check("pip install -e .", Manager::Pip, &[(".", Exact)]);
    // Requirement files are not judged here; constraint files are recorded.
    let a = analyze(
        "pip install -r requirements.txt -c constraints.txt flask",
        &NoVars,
    );
    let i = &a.installs[0];
    assert_eq!(i.requirement_files[0].text, "requirements.txt");
    assert_eq!(i.constraint_files[0].text, "constraints.txt");
    assert_eq!(i.packages.len(), 1);
    let a = analyze("pip install -r requirements.txt", &NoVars);
    assert!(a.installs[0].packages.is_empty());
    // uv and pipx
    check(
        "uv pip install 'httpx==0.27.0'",
        Manager::Pip,
        &[("'httpx==0.27.0'", Exact)],
    );
    check(
        "uv tool install ruff@0.4.1",
        Manager::Pip,
        &[("ruff@0.4.1", Exact)],
    );
    check(
        "uv tool install ruff@latest",
        Manager::Pip,
        &[("ruff@latest", Floating)],
    );
    check("pipx install black", Manager::Pip, &[("black", NoPin)]);
    no_install("pip freeze");
    no_install("pip download x");
    no_install("python3 -m venv /opt/venv");
}

#[test]
fn pip_unquoted_comparison_is_a_redirection() {
    // The shell reads `>=1` as a redirection to a file named `=1`: pip installs the newest.
    let a = analyze("pip install flask>=2", &NoVars);
    let p = &a.installs[0].packages[0];
    assert_eq!(p.spec, "flask");
    assert_eq!(p.strength, NoPin);
    assert!(
        p.note.as_deref().unwrap().contains("redirection"),
        "{:?}",
        p.note
    );
}

#[test]
fn npm_yarn_pnpm() {
    check(
        "npm install -g npm@latest left-pad@1.3.0 @scope/pkg@^2.1.0 lodash@~4.17 react@18.x typescript@next express @angular/cli@17.0.0 vue@1",
        Manager::Npm,
        &[
            ("npm@latest", Floating),
            ("left-pad@1.3.0", Exact),
            ("@scope/pkg@^2.1.0", Range),
            ("lodash@~4.17", Range),
            ("react@18.x", Range),
            ("typescript@next", Floating),
            ("express", NoPin),
            ("@angular/cli@17.0.0", Exact),
            ("vue@1", Range),
        ],
    );
    let a = analyze("npm i -g pm2@5.3.1", &NoVars);
    assert!(a.installs[0].global);
    check(
        "yarn global add serve@14.2.1",
        Manager::Npm,
        &[("serve@14.2.1", Exact)],
    );
    assert!(analyze("yarn global add serve", &NoVars).installs[0].global);
    check("pnpm add -g pnpm", Manager::Npm, &[("pnpm", NoPin)]);
    check("bun add zod@3.22.4", Manager::Npm, &[("zod@3.22.4", Exact)]);
    check(
        "npm install github:user/repo#v1.0.0 user/repo file:../local ./x.tgz",
        Manager::Npm,
        &[
            ("github:user/repo#v1.0.0", Exact),
            ("user/repo", Floating),
            ("file:../local", Exact),
            ("./x.tgz", Exact),
        ],
    );
    // Lock-file installs are not judged here.
    no_install("npm ci");
    no_install("npm install");
    no_install("yarn install --frozen-lockfile");
    no_install("npm run build");
    let a = analyze("npm update -g", &NoVars);
    assert_eq!(a.upgrades.len(), 1);
}

#[test]
fn gem() {
    check(
        "gem install bundler -v 2.5.3",
        Manager::Gem,
        &[("bundler", Exact)],
    );
    check(
        "gem install rails --version '~> 7.1'",
        Manager::Gem,
        &[("rails", Range)],
    );
    check(
        "gem install fpm:1.15.1 --no-document",
        Manager::Gem,
        &[("fpm:1.15.1", Exact)],
    );
    check("gem install -N fpm", Manager::Gem, &[("fpm", NoPin)]);
    let a = analyze("gem update --system", &NoVars);
    assert_eq!(a.upgrades[0].subcommand.text, "--system");
    no_install("bundle install");
}

#[test]
fn go() {
    check(
        "go install golang.org/x/tools/gopls@v0.14.2 github.com/x/y/cmd/z@latest example.com/m@master example.com/n ./cmd/app",
        Manager::Go,
        &[
            ("golang.org/x/tools/gopls@v0.14.2", Exact),
            ("github.com/x/y/cmd/z@latest", Floating),
            ("example.com/m@master", Floating),
            ("example.com/n", NoPin),
            ("./cmd/app", Exact),
        ],
    );
    check(
        "go install -ldflags '-s -w' example.com/t@v1.2.3",
        Manager::Go,
        &[("example.com/t@v1.2.3", Exact)],
    );
    check(
        "go get -u example.com/dep",
        Manager::Go,
        &[("example.com/dep", Floating)],
    );
    no_install("go build ./...");
}

#[test]
fn other_managers() {
    check(
        "pacman -S --noconfirm git",
        Manager::Pacman,
        &[("git", NoPin)],
    );
    let a = analyze("pacman -Syu --noconfirm base-devel", &NoVars);
    assert_eq!(a.upgrades.len(), 1);
    assert_eq!(a.upgrades[0].subcommand.text, "-Syu");
    no_install("pacman -Ss git");
    check(
        "pacman -U ./x-1.0-1-x86_64.pkg.tar.zst",
        Manager::Pacman,
        &[("./x-1.0-1-x86_64.pkg.tar.zst", Exact)],
    );

    check("snap install core", Manager::Snap, &[("core", NoPin)]);
    check(
        "snap install microk8s --classic --channel=1.28/stable",
        Manager::Snap,
        &[("microk8s", Range)],
    );
    check(
        "snap install lxd --channel=latest/stable",
        Manager::Snap,
        &[("lxd", Floating)],
    );
    check(
        "snap install hello --edge",
        Manager::Snap,
        &[("hello", Floating)],
    );
    check(
        "snap install hello --revision=42",
        Manager::Snap,
        &[("hello", Exact)],
    );

    check(
        "brew install jq python@3.12",
        Manager::Brew,
        &[("jq", NoPin), ("python@3.12", Range)],
    );
    assert_eq!(analyze("brew upgrade", &NoVars).upgrades.len(), 1);

    check(
        "cargo install ripgrep cargo-deny --version 0.14.3",
        Manager::Cargo,
        &[("ripgrep", Exact), ("cargo-deny", Exact)],
    );
    check(
        "cargo install --locked just@1.23.0 bat@^0.24",
        Manager::Cargo,
        &[("just@1.23.0", Exact), ("bat@^0.24", Range)],
    );
    check("cargo install sd", Manager::Cargo, &[("sd", NoPin)]);
    let a = analyze(
        "cargo install --git https://github.com/o/r --branch main r",
        &NoVars,
    );
    assert_eq!(a.installs[0].packages[0].strength, Floating);
    assert_eq!(a.installs[0].packages[0].source, PackageSource::Vcs);
    let a = analyze(
        "cargo install --git https://github.com/o/r --tag v1.0.0",
        &NoVars,
    );
    assert_eq!(a.installs[0].packages[0].strength, Exact);
    no_install("cargo build --release");

    check(
        "conda install -y -c conda-forge python=3.11 numpy==1.26.4 'scipy>=1.11' pandas=2.1.4 pip",
        Manager::Conda,
        &[
            ("python=3.11", Glob),
            ("numpy==1.26.4", Exact),
            ("'scipy>=1.11'", Range),
            ("pandas=2.1.4", Exact),
            ("pip", NoPin),
        ],
    );
    assert_eq!(analyze("conda update --all -y", &NoVars).upgrades.len(), 1);
}

#[test]
fn variables_are_substituted_or_unresolved() {
    // The hadolint false negative: `pkg=$V` is not pinned unless V is known.
    check(
        "apt-get install -y docker-ce=$VERSION",
        Manager::Apt,
        &[("docker-ce=$VERSION", Unresolved)],
    );
    check(
        "apt-get install -y docker-ce=${VERSION}",
        Manager::Apt,
        &[("docker-ce=${VERSION}", Unresolved)],
    );
    check(
        "apt-get install -y x=$(apt-cache madison x | head -1)",
        Manager::Apt,
        &[("x=$(apt-cache madison x | head -1)", Unresolved)],
    );
    check(
        "pip install \"ansible==$ANSIBLE_VERSION\"",
        Manager::Pip,
        &[("\"ansible==$ANSIBLE_VERSION\"", Unresolved)],
    );
    check(
        "apt-get install -y $PACKAGES",
        Manager::Apt,
        &[("$PACKAGES", Unresolved)],
    );

    let vars: HashMap<String, String> = [
        (
            "VERSION".to_owned(),
            "5:24.0.7-1~debian.12~bookworm".to_owned(),
        ),
        ("GLOB".to_owned(), "1.2*".to_owned()),
        ("PKGS".to_owned(), "curl git=1:2.39.2-1.1".to_owned()),
    ]
    .into_iter()
    .collect();
    let cmd = "apt-get install -y docker-ce=$VERSION x=${GLOB} y=${MISSING:-1.0-1} $PKGS";
    let a = analyze(cmd, &vars);
    let pkgs = &a.installs[0].packages;
    assert_eq!(pkgs[0].strength, Exact);
    assert_eq!(
        pkgs[0].version.as_deref(),
        Some("5:24.0.7-1~debian.12~bookworm")
    );
    assert_eq!(
        pkgs[0].substituted,
        vec![(
            "VERSION".to_owned(),
            "5:24.0.7-1~debian.12~bookworm".to_owned()
        )]
    );
    assert_eq!(pkgs[1].strength, Glob);
    assert_eq!(
        pkgs[2].strength, Exact,
        "default of an unset variable is used"
    );
    // An unquoted expansion with spaces splits into several packages.
    assert_eq!(pkgs[3].name, "curl");
    assert_eq!(pkgs[3].strength, NoPin);
    assert_eq!(pkgs[4].name, "git");
    assert_eq!(pkgs[4].strength, Exact);
    assert_eq!(&cmd[pkgs[4].range.clone()], "$PKGS");
    // Unresolved parts keep their source text.
    let a = analyze("apt-get install -y docker-ce=5:${V}-1", &NoVars);
    assert_eq!(
        a.installs[0].packages[0].version.as_deref(),
        Some("5:${V}-1")
    );
}

#[test]
fn script_assignments_resolve() {
    let cmd = "VER=1.2.3-1; export OTHER=2.0-1 && apt-get install -y a=$VER b=$OTHER";
    let a = analyze(cmd, &NoVars);
    let s: Vec<_> = a.packages().map(|(_, p)| p.strength).collect();
    assert_eq!(s, [Exact, Exact]);
}

/// The hadolint false negatives named in DOMAIN.md: hadolint counts these as pinned.
#[test]
fn hadolint_false_negatives_are_not_pinned() {
    for (cmd, want) in [
        ("apt-get install -y pkg=$V", Unresolved),
        ("apt-get install -y pkg=1.2*", Glob),
        ("pip install 'x>=1'", Range),
        ("npm install x@latest", Floating),
    ] {
        let a = analyze(cmd, &NoVars);
        let p = &a.installs[0].packages[0];
        assert_eq!(p.strength, want, "{cmd}");
        assert!(!p.strength.is_pinned(), "{cmd}");
    }
}

#[test]
fn spec_is_reported_as_written() {
    let spec = |cmd: &str| analyze(cmd, &NoVars).installs[0].packages[0].spec.clone();
    assert_eq!(spec("uv tool install ruff@0.4.1"), "ruff@0.4.1");
    assert_eq!(spec("apt-get install -y bar+"), "bar+");
    assert_eq!(spec("apt-get install -y x=$V"), "x=$V");
    assert_eq!(spec("apt-get install -y \"x=1.0\""), "x=1.0");
}
