//! Inventories that Ansible refuses or cannot use, end to end: a "billion laughs" YAML
//! inventory and an invalid `ansible_port` are a clean input error naming file and line,
//! exit 2, from `fleetpin lint` and `fleetpin gather` (they used to abort with 134, or to
//! connect to port 22).

mod common;
use common::{fleetpin, write};

/// YAML aliases nested nine deep: 10^9 nodes once expanded.
fn bomb() -> String {
    let mut text = String::from("all:\n  vars:\n    a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (name, prev) in ["b", "c", "d", "e", "f", "g", "h", "i"]
        .iter()
        .zip(["a", "b", "c", "d", "e", "f", "g", "h"])
    {
        let items = vec![format!("*{prev}"); 10].join(", ");
        text.push_str(&format!("    {name}: &{name} [{items}]\n"));
    }
    text.push_str("  hosts:\n    web1:\n");
    text
}

const PLAY: &str = "- hosts: all\n  tasks:\n    - ansible.builtin.apt:\n        name: nginx\n        state: present\n";

#[test]
fn lint_reports_a_nested_alias_inventory_as_an_input_error() {
    // Named in ansible.cfg, without extension: only the inventory reader sees it.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ansible.cfg", "[defaults]\ninventory = hosts\n");
    write(dir.path(), "hosts", &bomb());
    write(dir.path(), "site.yml", PLAY);
    let r = fleetpin(dir.path(), &["lint", "."]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    let all = format!("{}{}", r.stdout, r.stderr);
    assert!(
        all.contains("error[E009]: invalid inventory: alias expansion exceeds"),
        "{all}"
    );
    assert!(all.contains("--> hosts:7:"), "{all}");

    // As `hosts.yml`, the file is also linted as YAML: one error (E005), not two.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "hosts.yml", &bomb());
    write(dir.path(), "site.yml", PLAY);
    let r = fleetpin(dir.path(), &["lint", "."]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    let all = format!("{}{}", r.stdout, r.stderr);
    assert!(all.contains("error[E005]"), "{all}");
    assert!(!all.contains("E009"), "{all}");
}

#[test]
fn gather_refuses_a_nested_alias_inventory() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "hosts.yml", &bomb());
    let r = fleetpin(dir.path(), &["gather", "-i", "hosts.yml"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("hosts.yml:7: alias expansion exceeds"),
        "{}",
        r.stderr
    );
}

#[test]
fn bad_ports_are_input_errors_naming_the_line() {
    for (value, shown) in [
        ("99999", "99999"),
        ("-1", "-1"),
        ("2222x", "2222x"),
        ("'22 -oX=y'", "22 -oX=y"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let inventory = format!("[web]\nweb1\nweb[2:3] ansible_port={value}\n");
        write(dir.path(), "hosts", &inventory);
        write(dir.path(), "site.yml", PLAY);
        let r = fleetpin(dir.path(), &["gather", "-i", "hosts"]);
        assert_eq!(r.code, 2, "{value}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stderr
                .contains(&format!("hosts:3: bad port: ansible_port=`{shown}`")),
            "{value}: {}",
            r.stderr
        );
        let r = fleetpin(dir.path(), &["lint", "."]);
        assert_eq!(r.code, 2, "{value}: {}{}", r.stdout, r.stderr);
        assert!(r.stdout.contains("--> hosts:3:1"), "{value}: {}", r.stdout);
    }
}

#[test]
fn gather_warns_about_duplicate_keys_and_uses_the_last() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "hosts.yml",
        "all:\n  hosts:\n    swarm-mgr1:\n      ansible_port: 2222\n      ansible_port: 22\n",
    );
    write(
        dir.path(),
        "status",
        include_str!("fixtures/fleet/status/swarm-mgr1"),
    );
    let r = fleetpin(
        dir.path(),
        &[
            "gather",
            "-i",
            "hosts.yml",
            "--from-dpkg-status",
            "swarm-mgr1=status",
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(
            "warning: hosts.yml:5: duplicate mapping key `ansible_port` (first on line 4)"
        ),
        "{}",
        r.stderr
    );
}
