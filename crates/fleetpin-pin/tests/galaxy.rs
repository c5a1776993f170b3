//! Galaxy requirements pinned to what the real `ansible-galaxy collection list --format
//! json` reports installed (a collection tree in a temp dir, passed with `-p`).

mod common;

use std::os::unix::fs::PermissionsExt as _;

use common::*;
use fleetpin_pin::PinOptions;
use fleetpin_pin::galaxy::{GalaxyVersions, InstalledCollections};

#[test]
fn collections_get_the_installed_version() {
    let real = std::env::var_os("FLEETPIN_TOOLS")
        .map(|t| std::path::PathBuf::from(t).join("venv/bin/ansible-galaxy"))
        .filter(|p| p.is_file())
        .or_else(|| fleetpin_testkit::on_path("ansible-galaxy"));
    let Some(real) = fleetpin_testkit::oracle(real, "ansible-galaxy (tools venv)") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let coll = dir
        .path()
        .join("collections/ansible_collections/acme/tools");
    std::fs::create_dir_all(&coll).unwrap();
    std::fs::write(
        coll.join("MANIFEST.json"),
        r#"{"collection_info": {"namespace": "acme", "name": "tools", "version": "2.3.4",
            "authors": ["t"], "readme": "README.md", "license": ["MIT"], "dependencies": {}},
            "file_manifest_file": {"name": "FILES.json", "ftype": "file", "chksum_type": "sha256",
            "chksum_sha256": null, "format": 1}, "format": 1}"#,
    )
    .unwrap();
    // A wrapper that passes the collection path (`-p`) to the real program.
    let wrapper = dir.path().join("ansible-galaxy");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nexec '{}' \"$@\" -p '{}'\n",
            real.display(),
            dir.path().join("collections").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let source = InstalledCollections::new(
        [("acme.given".to_owned(), "1.0.0".to_owned())]
            .into_iter()
            .collect(),
        Some(wrapper.display().to_string()),
    );
    assert_eq!(source.version("acme.tools").unwrap(), "2.3.4");
    assert_eq!(source.version("acme.given").unwrap(), "1.0.0");
    assert!(
        source
            .version("acme.other")
            .unwrap_err()
            .contains("--galaxy-version acme.other=")
    );

    let repo = tree(&[(
        "requirements.yml",
        "collections:\n  - name: acme.tools\n    version: \">=2\"\n  - name: acme.given\n",
    )]);
    let options = PinOptions {
        lint: lint_options(repo.path()),
        lock: None,
        unsafe_fixes: false,
        images: None,
        actions: None,
        galaxy: Some(&source),
        lock_path: None,
        facts: None,
    };
    let plan = fleetpin_pin::plan(&options);
    assert!(plan.errors.is_empty(), "{:?}", plan.errors);
    write_all(&plan, repo.path());
    assert_eq!(
        read(repo.path(), "requirements.yml"),
        "collections:\n  - name: acme.tools\n    version: \"2.3.4\"\n  - name: acme.given\n    version: \"1.0.0\"\n"
    );
    assert_eq!(fleetpin_pin::plan(&options).edit_count(), 0);
}
