//! Finding roles: the role a file belongs to, and a role by name as Ansible searches it.

use super::*;

impl Project {
    /// The role directory a file belongs to: `.../roles/NAME` when the path goes through a
    /// `roles` directory, or a directory with `tasks/main.yml` and `meta/main.yml` or
    /// `defaults/main.yml` (a standalone role repository; a playbook directory with `tasks/`
    /// and `vars/` is not a role).
    pub fn role_of(&self, path: &Path) -> Option<PathBuf> {
        let path = normalize_path(path);
        // Only the directory matters (and the file itself for `.../roles/NAME`).
        memoised(&self.role_of_cache, path.clone(), || {
            self.role_of_uncached(&path)
        })
    }

    pub(super) fn role_of_uncached(&self, path: &Path) -> Option<PathBuf> {
        let comps: Vec<Component<'_>> = path.components().collect();
        for i in (0..comps.len().saturating_sub(2)).rev() {
            if comps[i].as_os_str() == "roles" {
                let dir: PathBuf = comps[..i + 2].iter().collect();
                if dir != path {
                    return Some(dir);
                }
            }
        }
        let mut dir = path.parent();
        while let Some(d) = dir {
            let name = d.file_name().and_then(|n| n.to_str());
            if matches!(
                name,
                Some("tasks" | "handlers" | "defaults" | "vars" | "meta")
            ) && let Some(role) = d.parent()
                && self.role_file(role, "tasks", "main").is_some()
                && (self.role_file(role, "meta", "main").is_some()
                    || self.role_file(role, "defaults", "main").is_some()
                    // An ansible-test integration target (`tests/integration/targets/NAME`)
                    // is run as a role: its `vars/` and `defaults/` apply.
                    || role.parent().is_some_and(|t| {
                        t.file_name().is_some_and(|n| n == "targets")
                            && t.parent().and_then(Path::file_name).is_some_and(|n| n == "integration")
                    }))
            {
                return Some(role.to_path_buf());
            }
            if d == self.root || !d.starts_with(&self.root) {
                break;
            }
            dir = d.parent();
        }
        None
    }

    /// Find a role by name as Ansible would from a playbook or task file at `from`:
    /// `roles/NAME` next to it and in each parent directory up to the project root, then in
    /// each directory of [`Project::roles_path`], then `NAME` as a path relative to it.
    pub fn find_role(&self, name: &str, from: &Path) -> Option<PathBuf> {
        let from = normalize_path(from);
        let key = (
            name.to_string(),
            from.parent().map(Path::to_path_buf).unwrap_or_default(),
        );
        memoised(&self.find_role_cache, key, || {
            self.find_role_inner(name, &from)
                .map(|p| normalize_path(&p))
        })
    }

    pub(super) fn find_role_inner(&self, name: &str, from: &Path) -> Option<PathBuf> {
        if name.contains("{{") {
            return None;
        }
        let start = from.parent().unwrap_or(&self.root);
        let mut dir = Some(start);
        while let Some(d) = dir {
            let candidate = d.join("roles").join(name);
            if candidate.is_dir() {
                return Some(candidate);
            }
            if d == self.root || !d.starts_with(&self.root) {
                break;
            }
            dir = d.parent();
        }
        for dir in self.roles_path() {
            let candidate = dir.join(name);
            if candidate.is_dir() {
                return Some(candidate);
            }
        }
        let relative = start.join(name);
        if relative.is_dir() && relative.join("tasks").is_dir() {
            return Some(relative);
        }
        // The role may live next to the role that depends on it.
        if let Some(role) = self.role_of(from)
            && let Some(parent) = role.parent()
        {
            let sibling = parent.join(name);
            if sibling.is_dir() {
                return Some(sibling);
            }
        }
        None
    }
}
