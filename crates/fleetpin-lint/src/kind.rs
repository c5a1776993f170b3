//! What kind of file a path is: by name first, by content where the name is not enough.

use std::path::{Component, Path};

use fleetpin_yaml::Node;

/// The kinds of file fleetpin lints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    /// An Ansible playbook: a list of plays (`hosts:`) or `import_playbook`s.
    Playbook,
    /// An Ansible task file (role `tasks/`, or a list of tasks found by content).
    Tasks,
    /// An Ansible handler file (role `handlers/`).
    Handlers,
    /// Ansible variables: role `defaults/` and `vars/`, `group_vars/`, `host_vars/`.
    Vars,
    /// A role's `meta/main.yml`.
    RoleMeta,
    /// An INI inventory.
    InventoryIni,
    /// A YAML inventory.
    InventoryYaml,
    /// Galaxy `requirements.yml`.
    GalaxyRequirements,
    /// A collection's `galaxy.yml`.
    GalaxyCollection,
    /// A Dockerfile or Containerfile.
    Dockerfile,
    /// A Compose file or Swarm stack file.
    Compose,
    /// A GitHub Actions workflow (`.github/workflows/*.yml`).
    Workflow,
    /// A GitHub Action metadata file (`action.yml`).
    Action,
    /// YAML that is none of the above (parsed for errors, not linted).
    OtherYaml,
}

impl FileKind {
    /// A short name for `--list-files` and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Playbook => "ansible-playbook",
            FileKind::Tasks => "ansible-tasks",
            FileKind::Handlers => "ansible-handlers",
            FileKind::Vars => "ansible-vars",
            FileKind::RoleMeta => "ansible-role-meta",
            FileKind::InventoryIni => "inventory-ini",
            FileKind::InventoryYaml => "inventory-yaml",
            FileKind::GalaxyRequirements => "galaxy-requirements",
            FileKind::GalaxyCollection => "galaxy-collection",
            FileKind::Dockerfile => "dockerfile",
            FileKind::Compose => "compose",
            FileKind::Workflow => "github-workflow",
            FileKind::Action => "github-action",
            FileKind::OtherYaml => "yaml",
        }
    }

    /// Whether the file is Ansible code or data.
    pub fn is_ansible(self) -> bool {
        matches!(
            self,
            FileKind::Playbook
                | FileKind::Tasks
                | FileKind::Handlers
                | FileKind::Vars
                | FileKind::RoleMeta
                | FileKind::InventoryYaml
        )
    }
}

/// What the name of a file says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameClass {
    /// The name decides the kind.
    Known(FileKind),
    /// A YAML file; the content decides. The hint is the kind the name suggests, if any.
    Yaml(Option<FileKind>),
    /// Not a file fleetpin lints.
    Skip,
}

fn lower_name(path: &Path) -> Option<String> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_ascii_lowercase)
}

/// Whether the file name is a Dockerfile or Containerfile name.
pub fn is_dockerfile_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    // Templates and ignore files are not Dockerfiles.
    const NOT: &[&str] = &[
        ".j2",
        ".jinja",
        ".jinja2",
        ".tmpl",
        ".tpl",
        ".dockerignore",
        ".md",
        ".orig",
        ".bak",
        ".swp",
        ".rej",
        // REUSE licence sidecars (`Containerfile.license`).
        ".license",
    ];
    if NOT.iter().any(|s| name.ends_with(s)) {
        return false;
    }
    // `dockerfile.rs`, `Dockerfile.go`: source code about Dockerfiles, not Dockerfiles.
    const SOURCE: &[&str] = &[
        "rs", "go", "py", "js", "ts", "rb", "java", "c", "h", "cc", "txt", "json", "toml", "yml",
        "yaml", "sh", "snap", "html", "lock", "xml", "ini", "cfg", "conf", "png", "svg",
    ];
    if let Some((_, ext)) = name.rsplit_once('.')
        && SOURCE.contains(&ext)
        && !name.ends_with(".dockerfile")
        && !name.ends_with(".containerfile")
    {
        return false;
    }
    name == "dockerfile"
        || name == "containerfile"
        || name.starts_with("dockerfile.")
        || name.starts_with("containerfile.")
        || name.ends_with(".dockerfile")
        || name.ends_with(".containerfile")
}

fn is_yaml_name(name: &str) -> bool {
    name.ends_with(".yml") || name.ends_with(".yaml")
}

fn stem(name: &str) -> &str {
    name.trim_end_matches(".yaml").trim_end_matches(".yml")
}

/// Whether a YAML file name is a Compose or stack file name: `compose*.yml`,
/// `docker-compose*.yml`, `*stack*.yml`.
pub fn is_compose_name(name: &str) -> bool {
    let s = stem(name);
    s.starts_with("compose") || s.starts_with("docker-compose") || s.contains("stack")
}

/// Classifies a path by its name and directories.
pub fn classify_path(path: &Path) -> NameClass {
    let Some(name) = lower_name(path) else {
        return NameClass::Skip;
    };
    if is_dockerfile_name(&name) {
        return NameClass::Known(FileKind::Dockerfile);
    }
    let dirs: Vec<String> = path
        .parent()
        .map(|p| {
            p.components()
                .filter_map(|c| match c {
                    Component::Normal(s) => s.to_str().map(str::to_ascii_lowercase),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let parent = dirs.last().map(String::as_str);
    let in_dir = |d: &str| dirs.iter().any(|x| x == d);
    if !is_yaml_name(&name) {
        let inventory_dir = in_dir("inventory") || in_dir("inventories");
        if name == "hosts"
            || name == "inventory"
            || (inventory_dir && (name.ends_with(".ini") || !name.contains('.')))
        {
            return NameClass::Known(FileKind::InventoryIni);
        }
        return NameClass::Skip;
    }
    if parent == Some("workflows") && dirs.len() >= 2 && dirs[dirs.len() - 2] == ".github" {
        return NameClass::Known(FileKind::Workflow);
    }
    if name == "action.yml" || name == "action.yaml" {
        return NameClass::Known(FileKind::Action);
    }
    if name == "galaxy.yml" || name == "galaxy.yaml" {
        return NameClass::Known(FileKind::GalaxyCollection);
    }
    let s = stem(&name);
    if s == "requirements" || s.ends_with("-requirements") || s.ends_with("_requirements") {
        return NameClass::Yaml(Some(FileKind::GalaxyRequirements));
    }
    // Role layout: roles/<role>/<dir>/..., or a role at the root (<dir>/main.yml).
    let role_dir = dirs
        .iter()
        .rposition(|d| {
            matches!(
                d.as_str(),
                "tasks" | "handlers" | "defaults" | "vars" | "meta"
            )
        })
        .map(|i| dirs[i].as_str());
    if s.starts_with("compose") || s.starts_with("docker-compose") {
        // The name only suggests Compose: a role's `tasks/docker-compose.yml` or a
        // `compose-setup.yml` playbook is Ansible, and the content tells (issue 9).
        return NameClass::Yaml(Some(match role_dir {
            Some("tasks") => FileKind::Tasks,
            Some("handlers") => FileKind::Handlers,
            _ => FileKind::Compose,
        }));
    }
    if in_dir("group_vars") || in_dir("host_vars") {
        return NameClass::Known(FileKind::Vars);
    }
    match role_dir {
        Some("tasks") => return NameClass::Known(FileKind::Tasks),
        Some("handlers") => return NameClass::Known(FileKind::Handlers),
        Some("defaults" | "vars") => return NameClass::Known(FileKind::Vars),
        Some("meta") if s == "main" => return NameClass::Known(FileKind::RoleMeta),
        _ => {}
    }
    if s.contains("stack") {
        return NameClass::Yaml(Some(FileKind::Compose));
    }
    if in_dir("inventory") || in_dir("inventories") || s == "hosts" || s == "inventory" {
        return NameClass::Yaml(Some(FileKind::InventoryYaml));
    }
    NameClass::Yaml(None)
}

/// Task keywords that are not modules (used to recognise task lists by content).
const TASK_KEYWORDS: &[&str] = &[
    "name",
    "when",
    "register",
    "loop",
    "with_items",
    "become",
    "tags",
    "notify",
    "vars",
    "args",
    "environment",
    "ignore_errors",
    "changed_when",
    "failed_when",
    "delegate_to",
    "run_once",
    "until",
    "retries",
    "delay",
    "no_log",
    "loop_control",
    "become_user",
    "check_mode",
    "listen",
    "any_errors_fatal",
    "timeout",
    "throttle",
];

fn looks_like_task(item: &Node) -> bool {
    if !item.is_map() {
        return false;
    }
    if [
        "block",
        "include_tasks",
        "import_tasks",
        "include_role",
        "import_role",
    ]
    .iter()
    .any(|k| item.contains_key(k))
    {
        return true;
    }
    item.entries().any(|(k, _, _)| {
        !TASK_KEYWORDS.contains(&k)
            && !k.starts_with("with_")
            && (k.contains('.') || item.contains_key("name"))
    })
}

fn is_compose_content(root: &Node) -> bool {
    let Some(services) = root.get("services") else {
        return false;
    };
    let mut entries = services.entries().peekable();
    entries.peek().is_some()
        && services
            .entries()
            .all(|(_, _, v)| v.is_map() || v.is_null())
        && services
            .entries()
            .any(|(_, _, v)| v.contains_key("image") || v.contains_key("build"))
}

fn is_galaxy_requirements_content(root: &Node) -> bool {
    if root.is_map() {
        return root.contains_key("roles") || root.contains_key("collections");
    }
    root.as_seq().is_some_and(|items| {
        !items.is_empty()
            && items
                .iter()
                .all(|i| i.contains_key("src") || i.contains_key("name") || i.as_str().is_some())
            && !items.iter().any(looks_like_task)
    })
}

/// Decides the kind of a YAML file from its first document's root and the name's hint.
pub fn classify_yaml(hint: Option<FileKind>, root: Option<&Node>) -> FileKind {
    let Some(root) = root else {
        return hint.unwrap_or(FileKind::OtherYaml);
    };
    match hint {
        Some(FileKind::GalaxyRequirements) if is_galaxy_requirements_content(root) => {
            return FileKind::GalaxyRequirements;
        }
        Some(FileKind::InventoryYaml) if root.is_map() => return FileKind::InventoryYaml,
        // A list in a role's `tasks/` or `handlers/` is Ansible even with a Compose name.
        Some(k @ (FileKind::Tasks | FileKind::Handlers)) if root.as_seq().is_some() => return k,
        // A Compose-named mapping with `services` is Compose even when no service has an
        // image yet (an override file that only adds environment or ports).
        Some(FileKind::Compose) if root.get("services").is_some_and(Node::is_map) => {
            return FileKind::Compose;
        }
        _ => {}
    }
    if root.is_map() {
        if is_compose_content(root) {
            return FileKind::Compose;
        }
        if root.contains_key("jobs") && (root.contains_key("on") || root.contains_key("true")) {
            return FileKind::Workflow;
        }
        if root.get("runs").is_some_and(|r| r.contains_key("using")) {
            return FileKind::Action;
        }
        if root
            .get("all")
            .is_some_and(|a| a.contains_key("hosts") || a.contains_key("children"))
        {
            return FileKind::InventoryYaml;
        }
        return FileKind::OtherYaml;
    }
    if let Some(items) = root.as_seq() {
        let is_play = |i: &Node| {
            i.contains_key("hosts")
                || i.contains_key("import_playbook")
                || i.contains_key("ansible.builtin.import_playbook")
        };
        if items.iter().any(is_play) {
            return FileKind::Playbook;
        }
        if items.iter().any(looks_like_task) {
            return FileKind::Tasks;
        }
    }
    FileKind::OtherYaml
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_path(p: &str) -> NameClass {
        classify_path(Path::new(p))
    }

    #[test]
    fn names() {
        use FileKind::*;
        use NameClass::*;
        assert_eq!(by_path("Dockerfile"), Known(Dockerfile));
        assert_eq!(by_path("x/api.Dockerfile"), Known(Dockerfile));
        assert_eq!(by_path("Dockerfile.prod"), Known(Dockerfile));
        assert_eq!(by_path("Containerfile"), Known(Dockerfile));
        assert_eq!(by_path("templates/Dockerfile.j2"), Skip);
        assert_eq!(by_path("fuzz/dockerfile.rs"), Skip);
        assert_eq!(by_path("Dockerfile.md"), Skip);
        assert_eq!(by_path("policy/Containerfile.license"), Skip);
        assert_eq!(by_path(".github/workflows/ci.yml"), Known(Workflow));
        assert_eq!(by_path("a/action.yaml"), Known(Action));
        assert_eq!(by_path("docker-compose.prod.yml"), Yaml(Some(Compose)));
        assert_eq!(by_path("compose.yaml"), Yaml(Some(Compose)));
        assert_eq!(
            by_path("roles/app/tasks/docker-compose.yml"),
            Yaml(Some(Tasks))
        );
        assert_eq!(
            by_path("roles/app/files/docker-compose.yml"),
            Yaml(Some(Compose))
        );
        assert_eq!(by_path("compose-setup.yml"), Yaml(Some(Compose)));
        assert_eq!(by_path("deploy/docker-stack.yml"), Yaml(Some(Compose)));
        assert_eq!(by_path("roles/docker/tasks/main.yml"), Known(Tasks));
        assert_eq!(by_path("roles/docker/handlers/main.yml"), Known(Handlers));
        assert_eq!(by_path("roles/docker/defaults/main.yml"), Known(Vars));
        assert_eq!(by_path("roles/docker/meta/main.yml"), Known(RoleMeta));
        assert_eq!(by_path("inventory/group_vars/all.yml"), Known(Vars));
        assert_eq!(by_path("host_vars/node1/main.yaml"), Known(Vars));
        assert_eq!(by_path("requirements.yml"), Yaml(Some(GalaxyRequirements)));
        assert_eq!(by_path("galaxy.yml"), Known(GalaxyCollection));
        assert_eq!(by_path("inventory/hosts"), Known(InventoryIni));
        assert_eq!(by_path("inventories/prod.ini"), Known(InventoryIni));
        assert_eq!(by_path("site.yml"), Yaml(None));
        assert_eq!(by_path("README.md"), Skip);
        assert_eq!(by_path("image.png"), Skip);
    }

    fn by_content(hint: Option<FileKind>, text: &str) -> FileKind {
        let docs = fleetpin_yaml::parse(text).unwrap();
        classify_yaml(hint, docs.first().map(|d| &d.root))
    }

    #[test]
    fn contents() {
        use FileKind::*;
        assert_eq!(by_content(None, "- hosts: all\n  tasks: []\n"), Playbook);
        assert_eq!(by_content(None, "- import_playbook: x.yml\n"), Playbook);
        assert_eq!(by_content(None, "- name: x\n  apt: name=foo\n"), Tasks);
        assert_eq!(by_content(None, "- ansible.builtin.apt: name=foo\n"), Tasks);
        assert_eq!(
            by_content(None, "services:\n  web:\n    image: nginx\n"),
            Compose
        );
        assert_eq!(
            by_content(Some(Compose), "openstack_release: 2024.1\n"),
            OtherYaml
        );
        assert_eq!(by_content(Some(Compose), "- hosts: all\n"), Playbook);
        assert_eq!(
            by_content(
                Some(Compose),
                "- name: Start the stack\n  community.docker.docker_compose_v2:\n    project_src: /srv/app\n"
            ),
            Tasks
        );
        assert_eq!(
            by_content(Some(Compose), "services:\n  web:\n    ports: [\"80:80\"]\n"),
            Compose
        );
        assert_eq!(
            by_content(Some(Tasks), "- apt: name=docker-compose\n"),
            Tasks
        );
        assert_eq!(
            by_content(Some(Tasks), "services:\n  web:\n    image: nginx\n"),
            Compose
        );
        assert_eq!(by_content(None, "on: push\njobs: {}\n"), Workflow);
        assert_eq!(by_content(None, "- a\n- b\n"), OtherYaml);
        assert_eq!(
            by_content(
                Some(GalaxyRequirements),
                "collections:\n  - name: community.docker\n"
            ),
            GalaxyRequirements
        );
        assert_eq!(
            by_content(Some(GalaxyRequirements), "- src: geerlingguy.docker\n"),
            GalaxyRequirements
        );
        assert_eq!(by_content(None, "all:\n  hosts:\n    a:\n"), InventoryYaml);
    }
}
