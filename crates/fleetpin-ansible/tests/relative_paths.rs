//! `fleetpin lint` run as `fleetpin lint .` sees relative paths (`./site.yml`,
//! `roles/docker/tasks/main.yml`): the project must find the same plays, roles and group_vars
//! as with absolute paths. One test in its own binary, because it changes the working
//! directory.

use std::path::Path;

use fleetpin_ansible::{Level, Project, Resolution, playbook};

mod common;
use common::copy_dir;

fn level_of(res: &Resolution) -> (String, Level) {
    match res {
        Resolution::Resolved { value, origins } => (value.to_string(), origins[0].level),
        other => panic!("expected one value, got {other:?}"),
    }
}

#[test]
fn relative_paths_resolve_like_absolute_ones() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/precedence");
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture, dir.path());
    std::fs::write(dir.path().join("ansible.cfg"), "[defaults]\n").unwrap();
    std::env::set_current_dir(dir.path()).unwrap();

    let project = Project::discover(Path::new("."));
    for path in [
        "./roles/docker/tasks/main.yml",
        "roles/docker/tasks/main.yml",
    ] {
        let scope = project.file_scope(Path::new(path));
        assert_eq!(
            level_of(&scope.lookup_var("v_play_over_group")),
            ("play".to_string(), Level::PlayVars),
            "{path}"
        );
        assert_eq!(
            level_of(&scope.lookup_var("v_gv_all_over_defaults")),
            ("group_all".to_string(), Level::PlaybookGroupAll),
            "{path}"
        );
    }
    for path in ["./site.yml", "site.yml"] {
        let text = std::fs::read_to_string(path).unwrap();
        let docs = fleetpin_yaml::parse(&text).unwrap();
        let book = playbook(&docs[0].root, &text);
        let scope = project.play_scope(Path::new(path), book.plays().next().unwrap());
        assert_eq!(
            level_of(&scope.lookup_var("v_gv_all_over_defaults")),
            ("group_all".to_string(), Level::PlaybookGroupAll),
            "{path}"
        );
        assert_eq!(
            level_of(&scope.lookup_var("v_defaults_only")),
            ("defaults".to_string(), Level::RoleDefaults),
            "{path}"
        );
    }
}
