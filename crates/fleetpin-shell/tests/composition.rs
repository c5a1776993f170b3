//! Wrappers, composition, quoting and offsets; pipe-to-shell, stack deploy, downloads.

use fleetpin_shell::{NoVars, PinStrength, analyze, is_latest_url};

/// Source slices of every package word.
fn package_words(cmd: &str) -> Vec<&str> {
    analyze(cmd, &NoVars)
        .packages()
        .map(|(_, p)| &cmd[p.range.clone()])
        .collect()
}

#[test]
fn wrappers() {
    for cmd in [
        "sudo apt-get install -y nginx",
        "sudo -E apt-get install -y nginx",
        "sudo -u root -H apt-get install -y nginx",
        "sudo -- apt-get install -y nginx",
        "env DEBIAN_FRONTEND=noninteractive apt-get install -y nginx",
        "DEBIAN_FRONTEND=noninteractive TZ=UTC apt-get install -y nginx",
        "env -u FOO apt-get install -y nginx",
        "nice -n 10 apt-get install -y nginx",
        "time apt-get install -y nginx",
        "timeout 600 apt-get install -y nginx",
        "timeout -s KILL 10m apt-get install -y nginx",
        "eatmydata apt-get install -y nginx",
        "exec apt-get install -y nginx",
        "command apt-get install -y nginx",
        "/usr/bin/apt-get install -y nginx",
        "sudo -E env X=1 nice apt-get install -y nginx",
        "chroot /target apt-get install -y nginx",
        "gosu root apt-get install -y nginx",
        "runuser -u root -- apt-get install -y nginx",
        "doas apt-get install -y nginx",
        "! apt-get install -y nginx",
        "sudo -iu root apt-get install -y nginx",
        "sudo -Eu root apt-get install -y nginx",
        "sudo --user=root apt-get install -y nginx",
    ] {
        assert_eq!(package_words(cmd), ["nginx"], "{cmd}");
    }
    // `xargs` reads the packages from stdin: never treated as pinned.
    let a = analyze("grep -v '^#' pkgs.txt | xargs apt-get install -y", &NoVars);
    assert_eq!(a.installs[0].packages[0].strength, PinStrength::Unresolved);
    // `command -v` looks a program up, it does not run it.
    assert!(
        analyze("command -v apt-get install", &NoVars)
            .installs
            .is_empty()
    );
}

#[test]
fn composition() {
    let cmd = "set -eux; apt-get update && apt-get install -y a || (apt-get install -y b; { yum install -y c; }) & apk add d | tee log\nif true; then pip install e; fi\nfor x in 1 2; do npm i -g f; done";
    assert_eq!(package_words(cmd), ["a", "b", "c", "d", "e", "f"]);
    // Comments are skipped, `#` inside a word is not a comment.
    let cmd = "apt-get install -y a # b c\napt-get install -y x#y";
    assert_eq!(package_words(cmd), ["a", "x#y"]);
}

#[test]
fn continuations_and_offsets() {
    let cmd = "apt-get update \\\n && apt-get install -y --no-install-recommends \\\n    ca-certificates \\\n    curl=7.88.1-10 \\\n && rm -rf /var/lib/apt/lists/*";
    let a = analyze(cmd, &NoVars);
    let p = &a.installs[0].packages;
    assert_eq!(&cmd[p[0].range.clone()], "ca-certificates");
    assert_eq!(&cmd[p[1].range.clone()], "curl=7.88.1-10");
    // The line of the package, not the line of the RUN.
    assert_eq!(cmd[..p[1].range.start].matches('\n').count(), 3);
    // A continuation in the middle of a word joins it.
    let cmd = "apt-get install -y cu\\\nrl";
    let a = analyze(cmd, &NoVars);
    assert_eq!(a.installs[0].packages[0].name, "curl");
}

#[test]
fn quoting() {
    let cmd = r#"apt-get install -y "nginx=1.24.0-1" 'git' cu"r"l $'vim' "a b""#;
    let a = analyze(cmd, &NoVars);
    let names: Vec<_> = a.packages().map(|(_, p)| p.name.as_str()).collect();
    assert_eq!(names, ["nginx", "git", "curl", "vim", "a b"]);
    assert_eq!(
        &cmd[a.installs[0].packages[0].range.clone()],
        r#""nginx=1.24.0-1""#
    );
    // Quoted operators are arguments, not operators.
    assert_eq!(
        package_words("apt-get install -y 'a|b' \"c&&d\""),
        ["'a|b'", "\"c&&d\""]
    );
}

#[test]
fn nested_scripts_keep_offsets() {
    let cmd = "sh -c 'apt-get update && apt-get install -y nginx'";
    let a = analyze(cmd, &NoVars);
    assert_eq!(&cmd[a.installs[0].packages[0].range.clone()], "nginx");
    let cmd = "bash -euxo pipefail -c \"pip install flask==3.0.0\"";
    assert_eq!(package_words(cmd), ["flask==3.0.0"]);
    let cmd = "su - app -c 'npm i -g yarn'";
    assert_eq!(package_words(cmd), ["yarn"]);
    let cmd = "echo $(apt-get install -y curl) `yum install -y wget`";
    assert_eq!(package_words(cmd), ["curl", "wget"]);
    let cmd = "eval 'apk add git'";
    assert_eq!(package_words(cmd), ["git"]);
}

#[test]
fn heredocs_in_a_script_are_data() {
    let cmd = "cat <<EOF > /etc/apt/sources.list.d/x.list\napt-get install -y not-a-command\nEOF\napt-get install -y real";
    assert_eq!(package_words(cmd), ["real"]);
    let cmd = "cat <<-'END'\n\tpip install nope\n\tEND\npip install yes";
    assert_eq!(package_words(cmd), ["yes"]);
}

#[test]
fn pipe_to_shell() {
    for (cmd, url, shell) in [
        (
            "curl -fsSL https://get.docker.com | sh",
            Some("https://get.docker.com"),
            "sh",
        ),
        (
            "curl -sSL https://x.io/i.sh | sudo bash -s -- --version 1",
            Some("https://x.io/i.sh"),
            "bash",
        ),
        (
            "wget -O- https://x.io/i.sh | bash",
            Some("https://x.io/i.sh"),
            "bash",
        ),
        (
            "wget -qO- https://x.io/i.sh | sh -",
            Some("https://x.io/i.sh"),
            "sh",
        ),
        (
            "wget -q -O - https://x.io/i.sh | sudo -E bash",
            Some("https://x.io/i.sh"),
            "bash",
        ),
        (
            "curl https://x.io/i.py | python3",
            Some("https://x.io/i.py"),
            "python3",
        ),
        (
            "curl -L https://x.io/i.sh | tee /tmp/log | sh",
            Some("https://x.io/i.sh"),
            "sh",
        ),
        (
            "bash <(curl -s https://x.io/i.sh)",
            Some("https://x.io/i.sh"),
            "bash",
        ),
        (
            "sh -c \"$(curl -fsSL https://x.io/i.sh)\"",
            Some("https://x.io/i.sh"),
            "sh",
        ),
        (
            "bash -c \"$(wget -qO- https://x.io/i.sh)\"",
            Some("https://x.io/i.sh"),
            "bash",
        ),
        (
            "eval \"$(curl -fsSL https://x.io/env)\"",
            Some("https://x.io/env"),
            "eval",
        ),
        (
            "source <(curl -s https://x.io/env)",
            Some("https://x.io/env"),
            "source",
        ),
        (
            "iwr -useb https://x.io/i.ps1 | iex",
            Some("https://x.io/i.ps1"),
            "iex",
        ),
        (
            "apt-get update && curl -sL https://deb.nodesource.com/setup_20.x | bash - && apt-get install -y nodejs",
            Some("https://deb.nodesource.com/setup_20.x"),
            "bash",
        ),
    ] {
        let a = analyze(cmd, &NoVars);
        assert_eq!(a.pipe_to_shell.len(), 1, "{cmd}: {:?}", a.pipe_to_shell);
        let p = &a.pipe_to_shell[0];
        assert_eq!(p.url.as_ref().map(|u| &cmd[u.range.clone()]), url, "{cmd}");
        assert_eq!(p.shell.text, shell, "{cmd}");
        assert_eq!(&cmd[p.shell.range.clone()], shell, "{cmd}");
    }
    // Near misses: saved to a file, piped into a non-interpreter, a script given by file.
    for cmd in [
        "curl -fsSLo /tmp/get-docker.sh https://get.docker.com && sha256sum -c sums",
        "curl -fsSL https://download.docker.com/linux/debian/gpg | gpg --dearmor -o /k.gpg",
        "curl -fsSL https://x.io/k.asc | sudo tee /etc/apt/keyrings/k.asc",
        "wget https://x.io/i.sh | sh",
        "curl -O https://x.io/i.sh | sh",
        "curl https://x.io/data | python3 process.py",
        "curl https://x.io/data | sh -c 'cat > /tmp/x'",
        "echo 'curl x | sh'",
        "bash <(echo hi)",
    ] {
        let a = analyze(cmd, &NoVars);
        assert!(a.pipe_to_shell.is_empty(), "{cmd}: {:?}", a.pipe_to_shell);
    }
}

#[test]
fn stack_deploy() {
    let a = analyze(
        "docker stack deploy -c docker-stack.yml --prune app",
        &NoVars,
    );
    let s = &a.stack_deploys[0];
    assert!(!s.with_registry_auth);
    assert_eq!(s.stack.as_ref().unwrap().text, "app");
    assert_eq!(s.compose_files[0].text, "docker-stack.yml");
    for cmd in [
        "docker stack deploy --with-registry-auth -c a.yml app",
        "docker -H ssh://mgr stack deploy -c a.yml --with-registry-auth app",
        "sudo docker stack up --compose-file=a.yml --with-registry-auth=true app",
        "docker deploy --with-registry-auth app",
    ] {
        let a = analyze(cmd, &NoVars);
        assert_eq!(a.stack_deploys.len(), 1, "{cmd}");
        assert!(a.stack_deploys[0].with_registry_auth, "{cmd}");
    }
    let a = analyze(
        "docker stack deploy --with-registry-auth=false -c a.yml app",
        &NoVars,
    );
    assert!(!a.stack_deploys[0].with_registry_auth);
    for cmd in [
        "docker stack ls",
        "docker stack rm app",
        "docker service update app",
        "echo docker stack deploy",
    ] {
        assert!(analyze(cmd, &NoVars).stack_deploys.is_empty(), "{cmd}");
    }
}

#[test]
fn downloads() {
    let cmd = "curl -fsSL -o /usr/local/bin/k https://github.com/o/r/releases/latest/download/k-linux-amd64 && wget -q https://example.com/v1.2/x.tar.gz";
    let a = analyze(cmd, &NoVars);
    assert_eq!(a.downloads.len(), 2);
    assert!(a.downloads[0].latest);
    assert!(!a.downloads[0].to_stdout);
    assert_eq!(
        &cmd[a.downloads[0].url.range.clone()],
        "https://github.com/o/r/releases/latest/download/k-linux-amd64"
    );
    assert!(!a.downloads[1].latest);
    assert!(is_latest_url(
        "https://api.github.com/repos/o/r/releases/latest"
    ));
    assert!(is_latest_url("https://wordpress.org/latest.tar.gz"));
    assert!(is_latest_url("https://x.io/tool-latest-linux-amd64.zip"));
    assert!(!is_latest_url("https://x.io/latestnews/1.0.tar.gz"));
    assert!(!is_latest_url("https://x.io/v1.0/x.tar.gz?channel=latest"));
}

#[test]
fn never_panics_on_odd_input() {
    for cmd in [
        "",
        "\\",
        "'",
        "\"",
        "$(",
        "${",
        "`",
        "<<",
        "<<EOF",
        "a |",
        "| b",
        "&& &&",
        "((",
        "))",
        "$((1+",
        "apt-get install -y 'unterminated",
        "sudo",
        "env",
        "sh -c",
        "apt-get",
        "pip install -r",
        "curl | sh",
        "\u{1A}",
        "apt-get install \u{e9}t\u{e9}=1",
        "$'\\",
        "<(",
        "a=$(b=$(c",
        "docker stack deploy",
        "x=${y:-${z:-",
        "echo \\\r\n x",
        // fuzz crash-7be725b4: a multi-byte character right after `${`
        "env -B $4${\u{544}= 0\"",
        "${\u{e9}}",
        "${\u{1F600}:-x}",
        // fuzz crash-4fd1f02b: an unterminated `{{` before a multi-byte character
        "<ck{{\u{656}s",
    ] {
        let _ = analyze(cmd, &NoVars);
    }
}

#[test]
fn deep_nesting_does_not_overflow() {
    let deep = format!(
        "{}apt-get install -y x{}",
        "$(".repeat(20_000),
        ")".repeat(20_000)
    );
    let _ = analyze(&deep, &NoVars);
    let deep = format!(
        "{}apt-get install -y x{}",
        "sh -c \"$(".repeat(5_000),
        ")\"".repeat(5_000)
    );
    let _ = analyze(&deep, &NoVars);
    let deep = format!("apt-get install -y x=${{{}}}", "A:-${".repeat(20_000));
    let _ = analyze(&deep, &NoVars);
}

#[test]
fn container_images_on_command_lines() {
    let cases = [
        (
            "docker run -d --name web -p 80:80 -e A=1 --restart=always nginx:1.25 nginx -g 'daemon off;'",
            "run",
            "nginx:1.25",
        ),
        ("docker run --rm -it -v /a:/b alpine sh", "run", "alpine"),
        ("docker run -dp 8080:80 httpd", "run", "httpd"),
        (
            "sudo docker pull registry.example.com/app:latest",
            "pull",
            "registry.example.com/app:latest",
        ),
        (
            "podman container run --pull=always -- quay.io/x/y:2",
            "run",
            "quay.io/x/y:2",
        ),
        (
            "docker service create --name web --replicas 3 --with-registry-auth nginx",
            "service create",
            "nginx",
        ),
        (
            "docker service update --image nginx:1.26 web",
            "service update",
            "nginx:1.26",
        ),
        (
            "docker service update --image=nginx:1.26 web",
            "service update",
            "nginx:1.26",
        ),
        ("docker image pull $IMAGE", "pull", "$IMAGE"),
    ];
    for (cmd, sub, image) in cases {
        let a = analyze(cmd, &NoVars);
        assert_eq!(a.images.len(), 1, "{cmd}: {:?}", a.images);
        assert_eq!(a.images[0].subcommand, sub, "{cmd}");
        assert_eq!(&cmd[a.images[0].image.range.clone()], image, "{cmd}");
    }
    assert!(analyze("docker image pull $IMAGE", &NoVars).images[0].unresolved);
    for cmd in [
        "docker ps",
        "docker service update --replicas 3 web",
        "docker build -t app .",
        "docker run",
    ] {
        assert!(analyze(cmd, &NoVars).images.is_empty(), "{cmd}");
    }
}

#[test]
fn jinja_expressions_are_one_expansion() {
    let cmd = "apt-get install -y docker-ce={{ docker_version }} {{ extra_pkgs | join(' ') }} curl";
    let a = analyze(cmd, &NoVars);
    let p: Vec<_> = a
        .packages()
        .map(|(_, p)| (&cmd[p.range.clone()], p.strength))
        .collect();
    assert_eq!(
        p,
        [
            ("docker-ce={{ docker_version }}", PinStrength::Unresolved),
            ("{{ extra_pkgs | join(' ') }}", PinStrength::Unresolved),
            ("curl", PinStrength::None),
        ]
    );
    // Plain Jinja variables resolve through the caller's lookup.
    let vars: std::collections::HashMap<String, String> = [(
        "docker_version".to_owned(),
        "5:24.0.7-1~debian.12~bookworm".to_owned(),
    )]
    .into_iter()
    .collect();
    let a = analyze(cmd, &vars);
    assert_eq!(a.installs[0].packages[0].strength, PinStrength::Exact);
    // A trailing backslash is not an empty package.
    let a = analyze("yum -y update \\", &NoVars);
    assert_eq!(a.upgrades.len(), 1);
    assert!(a.installs.is_empty());
    // Go templates in single quotes stay literal.
    let a = analyze("docker inspect -f '{{ .Id }}' x && pip install y", &NoVars);
    assert_eq!(a.installs[0].packages[0].name, "y");
}

#[test]
fn downloaded_then_run_without_a_check() {
    for (cmd, saved, shell) in [
        (
            "curl -fsSL https://get.docker.com -o get-docker.sh && sh get-docker.sh",
            "get-docker.sh",
            "sh",
        ),
        (
            "wget https://bootstrap.pypa.io/get-pip.py && python3 get-pip.py",
            "https://bootstrap.pypa.io/get-pip.py",
            "python3",
        ),
        (
            "curl -sSLo /tmp/i.sh https://x.io/i.sh; chmod +x /tmp/i.sh; /tmp/i.sh --yes",
            "/tmp/i.sh",
            "/tmp/i.sh",
        ),
        (
            "curl -O https://x.io/install.sh\nsudo bash ./install.sh",
            "https://x.io/install.sh",
            "bash",
        ),
        (
            "wget -qO setup.sh https://x.io/s.sh && . ./setup.sh",
            "setup.sh",
            ".",
        ),
    ] {
        let a = analyze(cmd, &NoVars);
        assert_eq!(a.pipe_to_shell.len(), 1, "{cmd}: {:?}", a.pipe_to_shell);
        let p = &a.pipe_to_shell[0];
        assert_eq!(
            &cmd[p.saved_to.as_ref().unwrap().range.clone()],
            saved,
            "{cmd}"
        );
        assert_eq!(p.shell.text, shell, "{cmd}");
    }
    // Verified before running, or never run: fine.
    for cmd in [
        "curl -fsSLo get-docker.sh https://get.docker.com && echo \"abc  get-docker.sh\" | sha256sum -c - && sh get-docker.sh",
        "curl -LO https://x.io/k.tar.gz && curl -LO https://x.io/SHA256SUMS && sha256sum --check --ignore-missing SHA256SUMS && tar xzf k.tar.gz",
        "wget https://x.io/i.sh && gpg --verify i.sh.asc i.sh && bash i.sh",
        "curl -o /etc/apt/keyrings/docker.asc https://download.docker.com/linux/debian/gpg",
        "curl -o a.sh https://x.io/a.sh && sh b.sh",
    ] {
        let a = analyze(cmd, &NoVars);
        assert!(a.pipe_to_shell.is_empty(), "{cmd}: {:?}", a.pipe_to_shell);
    }
}

#[test]
fn argument_vectors_are_not_parsed_by_a_shell() {
    use fleetpin_shell::analyze_argv;
    // Ranges are those the caller gives for each element.
    let args = [
        ("apt-get", 10..17),
        ("install", 20..27),
        ("-y", 30..32),
        ("curl=7.88.1-10", 40..54),
        ("a b|c", 60..65),
    ];
    let a = analyze_argv(&args, &NoVars);
    let p: Vec<_> = a
        .packages()
        .map(|(_, p)| (p.spec.as_str(), p.range.clone(), p.strength))
        .collect();
    assert_eq!(
        p,
        [
            ("curl=7.88.1-10", 40..54, PinStrength::Exact),
            ("a b|c", 60..65, PinStrength::None)
        ]
    );
    assert_eq!(a.installs[0].range, 10..65);
    // `sh -c` inside an argv is still a shell script.
    let args = [
        ("sh", 0..2),
        ("-c", 3..5),
        ("curl -fsSL https://x.io | sh", 6..40),
    ];
    assert_eq!(analyze_argv(&args, &NoVars).pipe_to_shell.len(), 1);
    // Quotes inside an element are literal.
    let args = [("pip", 0..3), ("install", 4..11), ("it's==1.0", 12..21)];
    let a = analyze_argv(&args, &NoVars);
    assert_eq!(a.installs[0].packages[0].spec, "it's==1.0");
}

#[test]
fn service_actions() {
    let cases = [
        (
            "sudo systemctl restart docker",
            "restart",
            vec!["docker"],
            true,
        ),
        (
            "systemctl --no-block try-restart docker.service containerd",
            "try-restart",
            vec!["docker", "containerd"],
            true,
        ),
        ("service docker restart", "restart", vec!["docker"], true),
        ("rc-service docker stop", "stop", vec!["docker"], true),
        (
            "/etc/init.d/docker restart",
            "restart",
            vec!["docker"],
            true,
        ),
        (
            "systemctl enable --now docker",
            "enable",
            vec!["docker"],
            false,
        ),
        (
            "systemctl daemon-reload && systemctl start nginx",
            "start",
            vec!["nginx"],
            false,
        ),
    ];
    for (cmd, action, units, interrupts) in cases {
        let a = analyze(cmd, &NoVars);
        let s = a.services.last().unwrap_or_else(|| panic!("{cmd}"));
        assert_eq!(s.action.text, action, "{cmd}");
        assert_eq!(s.unit_names().collect::<Vec<_>>(), units, "{cmd}");
        assert_eq!(s.interrupts(), interrupts, "{cmd}");
    }
    assert!(
        analyze("systemctl status docker", &NoVars).services[0]
            .action
            .text
            == "status"
    );
    assert!(
        analyze("systemctl daemon-reload", &NoVars)
            .services
            .is_empty()
    );
    assert!(
        analyze("echo systemctl restart docker", &NoVars)
            .services
            .is_empty()
    );
}

#[test]
fn downloads_from_branches() {
    use fleetpin_shell::branch_of_url;
    let a = analyze(
        "curl -fsSL https://raw.githubusercontent.com/nvm-sh/nvm/master/install.sh | bash",
        &NoVars,
    );
    assert_eq!(a.downloads[0].branch.as_deref(), Some("master"));
    assert_eq!(a.pipe_to_shell.len(), 1);
    assert_eq!(
        branch_of_url("https://github.com/o/r/raw/main/bin/x"),
        Some("main")
    );
    assert_eq!(
        branch_of_url("https://github.com/o/r/archive/master.zip"),
        Some("master")
    );
    assert_eq!(
        branch_of_url("https://gitlab.com/g/p/-/raw/HEAD/install.sh"),
        Some("HEAD")
    );
    assert_eq!(
        branch_of_url("https://github.com/o/r/archive/refs/heads/feature-x.tar.gz"),
        Some("feature-x")
    );
    assert_eq!(
        branch_of_url("https://github.com/o/r/archive/refs/tags/v1.0.tar.gz"),
        None
    );
    assert_eq!(
        branch_of_url(
            "https://raw.githubusercontent.com/o/r/0123456789abcdef0123456789abcdef01234567/x.sh"
        ),
        None
    );
    assert_eq!(
        branch_of_url("https://github.com/o/r/releases/download/v1/x"),
        None
    );
    assert_eq!(branch_of_url("https://example.com/main/x.sh"), None);
}
