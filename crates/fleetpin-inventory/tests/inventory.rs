//! Inventories in the styles of Ansible's documentation, patterns, and bad input.

use std::path::Path;

use fleetpin_inventory::{Error, Inventory, Pattern};
use serde_json::{Value, json};

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A stable, reviewable dump: per host its groups (with ancestors), merged vars and connection.
fn dump(inv: &Inventory) -> Value {
    let hosts: Vec<Value> = inv
        .hosts()
        .iter()
        .map(|h| {
            let mut groups: Vec<&str> =
                inv.host_groups(h.name()).iter().map(|g| g.name()).collect();
            groups.sort();
            let c = inv.connection(h.name()).unwrap();
            json!({
                "name": h.name(),
                "groups": groups,
                "vars": inv.host_vars(h.name()),
                "connection": {
                    "address": c.address, "port": c.port, "user": c.user, "ssh_args": c.ssh_args,
                },
            })
        })
        .collect();
    let mut groups: Vec<Value> = inv
        .groups()
        .iter()
        .map(|g| {
            let mut children = g.children().to_vec();
            children.sort();
            let hosts: Vec<&str> = inv.group_hosts(g.name()).iter().map(|h| h.name()).collect();
            json!({ "name": g.name(), "children": children, "hosts": hosts })
        })
        .collect();
    groups.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    json!({ "hosts": hosts, "groups": groups })
}

fn names<'a>(inv: &'a Inventory, pattern: &str) -> Vec<&'a str> {
    inv.select(&Pattern::parse(pattern).unwrap())
        .iter()
        .map(|h| h.name())
        .collect()
}

#[test]
fn ini_docs_inventory() {
    let inv = Inventory::load(&fixture("docs.ini")).unwrap();
    insta::assert_json_snapshot!("docs_inventory", dump(&inv));
}

#[test]
fn yaml_docs_inventory_equals_ini() {
    let ini = Inventory::load(&fixture("docs.ini")).unwrap();
    let yaml = Inventory::load(&fixture("docs.yml")).unwrap();
    assert_eq!(dump(&ini), dump(&yaml));
}

#[test]
fn directory_inventory_merges_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("docs.ini"), dir.path().join("01-hosts")).unwrap();
    std::fs::write(
        dir.path().join("02-extra.yml"),
        "swarm:\n  hosts:\n    host1:\n    node9:\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("hosts.retry"), "not an inventory [").unwrap();
    std::fs::create_dir(dir.path().join("group_vars")).unwrap();
    std::fs::create_dir_all(dir.path().join("group_vars/swarm")).unwrap();
    std::fs::write(
        dir.path().join("group_vars/all.yml"),
        "ansible_user: ops\nntp: a\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("group_vars/swarm/10-main.yml"),
        "ansible_port: 2222\ndocker_version: \"5:23.0.1-1~debian.10~buster\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("group_vars/swarm/20-vault.yml"),
        "secret: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6162\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("group_vars/unknown.yml"), "x: 1\n").unwrap();
    std::fs::create_dir(dir.path().join("host_vars")).unwrap();
    std::fs::write(
        dir.path().join("host_vars/node9"),
        "---\nansible_host: 192.0.2.9\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("host_vars/www01.example.com.yaml"),
        "ansible_host: 192.0.2.1\n",
    )
    .unwrap();
    let inv = Inventory::load(dir.path()).unwrap();
    let c = inv.connection("node9").unwrap();
    assert_eq!(
        (c.address.as_str(), c.port, c.user.as_deref()),
        ("192.0.2.9", Some(2222), Some("ops"))
    );
    assert_eq!(
        inv.connection("www01.example.com").unwrap().address,
        "192.0.2.1"
    );
    assert_eq!(
        inv.host_vars("node9")["docker_version"],
        json!("5:23.0.1-1~debian.10~buster")
    );
    assert!(
        inv.host_vars("node9")["secret"]
            .as_str()
            .unwrap()
            .starts_with("$ANSIBLE_VAULT")
    );
    // Inventory-file vars lose to group_vars files (all:vars ansible_user=admin in docs.ini).
    assert_eq!(inv.host_vars("host3")["ansible_user"], json!("ops"));
    let bad = tempfile::tempdir().unwrap();
    std::fs::write(bad.path().join("hosts"), "[web]\nw1\n").unwrap();
    std::fs::create_dir(bad.path().join("group_vars")).unwrap();
    std::fs::write(bad.path().join("group_vars/web.yml"), "a: 1\nb: [\n").unwrap();
    let err = Inventory::load(&bad.path().join("hosts"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("group_vars/web.yml:"), "{err}");
    assert_eq!(names(&inv, "swarm"), ["host1", "node9"]);
    assert_eq!(names(&inv, "swarm:&atlanta"), ["host1"]);
    assert!(inv.host("www03.example.com").is_some());
}

#[test]
fn implicit_groups_and_precedence() {
    let inv = Inventory::load(&fixture("docs.ini")).unwrap();
    assert_eq!(names(&inv, "ungrouped"), ["mail.example.com"]);
    // host vars beat group vars, child groups beat parents, all is weakest.
    let v = inv.host_vars("jumper");
    assert_eq!(v["ansible_user"], json!("deploy"));
    assert_eq!(v["ntp_server"], json!("ntp.usa.example.com"));
    let v = inv.host_vars("host1");
    assert_eq!(v["ansible_user"], json!("admin"));
    assert_eq!(v["escape_pods"], json!(2));
    let c = inv.connection("jumper").unwrap();
    assert_eq!((c.address.as_str(), c.port), ("192.0.2.50", Some(5555)));
    assert_eq!(
        inv.connection("badwolf.example.com").unwrap().port,
        Some(5309)
    );
    assert_eq!(
        inv.connection("host3").unwrap().ssh_args,
        [
            "-o",
            "ProxyJump=bastion.example.com",
            "-o",
            "ControlPersist=60s"
        ]
    );
}

#[test]
fn patterns_follow_ansible() {
    let inv = Inventory::load(&fixture("docs.ini")).unwrap();
    assert_eq!(names(&inv, "southeast"), ["host1", "host2", "host3"]);
    assert_eq!(names(&inv, "atlanta:raleigh"), ["host1", "host2", "host3"]);
    assert_eq!(names(&inv, "atlanta:&raleigh"), ["host2"]);
    assert_eq!(names(&inv, "southeast:!raleigh"), ["host1"]);
    // exclusions apply after unions whatever their position
    assert_eq!(names(&inv, "!raleigh,southeast"), ["host1"]);
    assert_eq!(
        names(&inv, "!usa:!webservers:!dbservers"),
        ["mail.example.com"]
    );
    assert_eq!(
        names(&inv, "www*"),
        [
            "www01.example.com",
            "www02.example.com",
            "www03.example.com",
            "www04.example.com"
        ]
    );
    assert_eq!(
        names(&inv, "db-?.example.com"),
        ["db-a.example.com", "db-b.example.com", "db-c.example.com"]
    );
    assert_eq!(names(&inv, r"~host[12]"), ["host1", "host2"]);
    assert_eq!(
        names(&inv, r"~(web|db)serv"),
        names(&inv, "webservers,dbservers")
    );
    assert_eq!(names(&inv, "all").len(), inv.hosts().len());
    assert_eq!(names(&inv, "*").len(), inv.hosts().len());
    assert_eq!(names(&inv, "webservers[0]"), ["foo.example.com"]);
    assert_eq!(
        names(&inv, "webservers[1:2]"),
        ["bar.example.com", "www01.example.com"]
    );
    assert_eq!(names(&inv, "webservers[-1]"), ["www04.example.com"]);
    assert_eq!(names(&inv, "nosuchgroup"), Vec::<&str>::new());
    let p = Pattern::parse("atlanta:nosuch").unwrap();
    assert_eq!(p.unmatched_terms(&inv), ["nosuch"]);
}

#[test]
fn limit_from_file() {
    let inv = Inventory::load(&fixture("docs.ini")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("site.retry"), "host3\njumper\n").unwrap();
    let p = Pattern::parse_limit("@site.retry", dir.path()).unwrap();
    assert_eq!(
        inv.select(&p).iter().map(|h| h.name()).collect::<Vec<_>>(),
        ["host3", "jumper"]
    );
    assert!(matches!(
        Pattern::parse_limit("@missing", dir.path()),
        Err(Error::Io { .. })
    ));
    assert!(matches!(
        Pattern::parse("~(unclosed"),
        Err(Error::Pattern { .. })
    ));
}

fn err_of(result: Result<Inventory, Error>) -> String {
    result
        .expect_err("inventory should be rejected")
        .to_string()
}

#[test]
fn ini_errors_name_file_and_line() {
    let cases = [
        ("[web\nh1\n", "hosts.ini:1: invalid section header"),
        (
            "[web]\nh1 port\n",
            "hosts.ini:2: expected key=value host variable assignment, got: port",
        ),
        (
            "[web:vars]\nnovalue\n",
            "hosts.ini:2: expected key=value, got: novalue",
        ),
        (
            "[web:bogus]\n",
            "hosts.ini:1: section [web:bogus] has unknown type: bogus",
        ),
        (
            "[a]\n\n\nweb[09:1]\n",
            "hosts.ini:4: host range must be begin <= end",
        ),
        (
            "[a]\n-oProxyCommand=x\n",
            "hosts.ini:2: host name `-oProxyCommand=x` starts with `-`",
        ),
        (
            "[a:children]\nb\n[b:children]\na\n",
            "hosts.ini:4: adding group `a` as child of `b` creates a cycle",
        ),
        (
            "[a]\nh1 x=\"unterminated\n",
            "hosts.ini:2: no closing quotation",
        ),
    ];
    for (text, want) in cases {
        let got = err_of(Inventory::parse_ini(text, "hosts.ini"));
        assert!(
            got.starts_with(want),
            "for {text:?}: got {got:?}, want {want:?}"
        );
    }
}

#[test]
fn yaml_errors_name_file_and_line() {
    let cases = [
        ("all:\n  hosts:\n    a: [1\n", "hosts.yml:4:"),
        (
            "all:\n  children:\n    web:\n      host:\n        h1:\n",
            "hosts.yml:4: key `host` in group `web`",
        ),
        (
            "all:\n  vars: [1, 2]\n",
            "hosts.yml:2: invalid `vars` entry for group `all`",
        ),
        (
            "- a\n- b\n",
            "hosts.yml:1: YAML inventory must be a mapping of groups",
        ),
        (
            "all:\n  hosts:\n    \"-bad\":\n",
            "hosts.yml:3: host name `-bad` starts with `-`",
        ),
    ];
    for (text, want) in cases {
        let got = err_of(Inventory::parse_yaml(text, "hosts.yml"));
        assert!(
            got.starts_with(want),
            "for {text:?}: got {got:?}, want {want:?}"
        );
    }
}

#[test]
fn yaml_duplicate_keys_warn_and_last_wins() {
    let inv = Inventory::parse_yaml(
        "all:\n  hosts:\n    h1:\n      a: 1\n      a: 2\n    h1:\n      b: 3\n",
        "hosts.yml",
    )
    .unwrap();
    // The last `h1` wins whole (its mapping replaces the first), as PyYAML builds the dict.
    assert_eq!(
        inv.host_vars("h1"),
        json!({"b": 3})
            .as_object()
            .unwrap()
            .clone()
            .into_iter()
            .collect()
    );
    let warnings: Vec<String> = inv.warnings().iter().map(|w| w.to_string()).collect();
    assert_eq!(
        warnings,
        [
            "hosts.yml:5: duplicate mapping key `a` (first on line 4): the last value is used, as Ansible does",
            "hosts.yml:6: duplicate mapping key `h1` (first on line 3): the last value is used, as Ansible does",
        ]
    );
}

#[test]
fn nested_aliases_are_an_error_naming_the_line() {
    let mut text = String::from("all:\n  vars:\n    a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (name, prev) in ["b", "c", "d", "e", "f", "g", "h", "i"]
        .iter()
        .zip(["a", "b", "c", "d", "e", "f", "g", "h"])
    {
        text.push_str(&format!(
            "    {name}: &{name} [{}]\n",
            vec![format!("*{prev}"); 10].join(", ")
        ));
    }
    let err = err_of(Inventory::parse_yaml(&text, "hosts.yml"));
    assert!(err.starts_with("hosts.yml:"), "{err}");
    assert!(err.contains("alias"), "{err}");
}

#[test]
fn ranged_host_lines_keep_their_variables() {
    let inv = Inventory::parse_ini(
        "[web]\nweb[01:02] docker_state=latest ansible_port=2222\n",
        "hosts",
    )
    .unwrap();
    for h in ["web01", "web02"] {
        assert_eq!(inv.host_vars(h)["docker_state"], json!("latest"));
        assert_eq!(inv.connection(h).unwrap().port, Some(2222));
    }
}

#[test]
fn bad_ports_are_errors_naming_the_line() {
    for (line, shown) in [
        ("web1 ansible_port=99999", "99999"),
        ("web1 ansible_port=-1", "-1"),
        ("web1 ansible_port=2222x", "2222x"),
        ("web1 ansible_port='22 -oX=y'", "22 -oX=y"),
        ("web1 ansible_ssh_port=0", "0"),
    ] {
        let err = err_of(Inventory::parse_ini(&format!("[web]\n{line}\n"), "hosts"));
        assert!(err.starts_with("hosts:2: bad port: "), "{err}");
        assert!(err.contains(&format!("`{shown}`")), "{err}");
    }
    let err = err_of(Inventory::parse_ini(
        "[web:vars]\n\nansible_port = 70000\n",
        "hosts",
    ));
    assert!(err.starts_with("hosts:3: bad port"), "{err}");
    let err = err_of(Inventory::parse_yaml(
        "all:\n  hosts:\n    h1:\n      ansible_port: 22x\n",
        "h.yml",
    ));
    assert!(err.starts_with("h.yml:4: bad port"), "{err}");
    // Templated and valid ports load.
    let inv = Inventory::parse_ini(
        "[web]\nw1 ansible_port=\"{{ p }}\"\nw2 ansible_port=65535\n",
        "hosts",
    )
    .unwrap();
    assert_eq!(inv.connection("w2").unwrap().port, Some(65535));
}

#[test]
fn yaml_anchors_and_empty_file() {
    let inv = Inventory::parse_yaml(
        "all:\n  vars: &common\n    ansible_user: ops\n  children:\n    web:\n      vars:\n        <<: *common\n        role: web\n      hosts:\n        w1:\n",
        "x.yml",
    )
    .unwrap();
    assert_eq!(
        inv.group("web").unwrap().vars()["ansible_user"],
        json!("ops")
    );
    assert_eq!(Inventory::parse_yaml("", "e.yml").unwrap().hosts().len(), 0);
    assert_eq!(
        Inventory::parse_yaml("# only a comment\n", "e.yml")
            .unwrap()
            .hosts()
            .len(),
        0
    );
}

#[test]
fn pattern_term_views() {
    let p = Pattern::parse("swarm:web*:&db:!legacy").unwrap();
    assert_eq!(p.selecting_terms(), [Some("swarm"), None, Some("db")]);
    assert!(!p.starts_from_all());
    assert!(Pattern::parse("all:!legacy").unwrap().starts_from_all());
    assert!(Pattern::parse("!legacy").unwrap().starts_from_all());
    assert!(Pattern::parse("&db").unwrap().starts_from_all());
}

#[test]
fn parse_list_splits_each_entry_on_its_own() {
    // A YAML list `[workers, "db:!n3"]`: the second entry splits on `:`, not the joined text.
    let p = Pattern::parse_list(["workers", "db:!n3"]).unwrap();
    assert_eq!(p.selecting_terms(), [Some("workers"), Some("db")]);
    assert!(Pattern::parse_list(["", " "]).is_err());
    assert!(Pattern::parse_list(["~("]).is_err());
}

/// Range products and many large ranges are refused with the file and line, before memory
/// runs out; the same for YAML inventories.
#[test]
fn hostile_ranges_are_refused_naming_the_line() {
    let err = Inventory::parse_ini("[web]\nok1\nw[1:1000][1:1000][1:1000]\n", "hosts")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("hosts:3") && err.contains("more than 1000000 hosts"),
        "{err}"
    );
    let many: String = (0..3).map(|i| format!("g{i}-[1:400000]\n")).collect();
    let err = Inventory::parse_ini(&format!("[web]\n{many}"), "hosts")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("hosts:4") && err.contains("more than 1000000 hosts"),
        "{err}"
    );
    let err = Inventory::parse_yaml(
        "all:\n  hosts:\n    \"w[1:1000][1:1000][1:1000]\":\n",
        "hosts.yml",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("more than 1000000 hosts"), "{err}");
}
