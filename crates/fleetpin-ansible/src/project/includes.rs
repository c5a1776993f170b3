//! Includes and imports: the file an `include_tasks`/`import_role`/`include_vars` names, and
//! every task file reachable from a start file.

use super::*;

impl Project {
    /// Resolve an include/import to a file: `include_tasks`/`import_tasks` targets are
    /// searched in the role's `tasks/` (when the including file is in a role), next to the
    /// including file, in its `tasks/` subdirectory and in the project root; roles through
    /// [`Project::find_role`] (their `tasks/main.yml` or `tasks_from`). `None` for templated
    /// or missing targets.
    pub fn resolve_include(&self, including: &Path, include: &Include<'_>) -> Option<PathBuf> {
        self.resolve_include_inner(including, include)
            .map(|p| normalize_path(&p))
    }

    pub(super) fn resolve_include_inner(
        &self,
        including: &Path,
        include: &Include<'_>,
    ) -> Option<PathBuf> {
        if include.is_templated() {
            return None;
        }
        use crate::module::IncludeKind as K;
        match include.kind {
            K::IncludeRole | K::ImportRole => {
                let role = self.find_role(&include.target, including)?;
                self.role_file(
                    &role,
                    "tasks",
                    include.tasks_from.as_deref().unwrap_or("main"),
                )
            }
            K::IncludeVars => self.find_relative(including, &include.target, "vars"),
            K::IncludeTasks | K::ImportTasks | K::Include | K::ImportPlaybook => {
                self.find_relative(including, &include.target, "tasks")
            }
        }
    }

    pub(super) fn find_relative(
        &self,
        including: &Path,
        target: &str,
        subdir: &str,
    ) -> Option<PathBuf> {
        let target = Path::new(target);
        if target.is_absolute() {
            return target.is_file().then(|| target.to_path_buf());
        }
        let mut candidates = Vec::new();
        if let Some(role) = self.role_of(including) {
            candidates.push(role.join(subdir).join(target));
            candidates.push(role.join(target));
        }
        if let Some(dir) = including.parent() {
            candidates.push(dir.join(subdir).join(target));
            candidates.push(dir.join(target));
        }
        // The playbook directory (the project root stands in for it).
        candidates.push(self.root.join(subdir).join(target));
        candidates.push(self.root.join(target));
        candidates.into_iter().find(|c| c.is_file())
    }

    /// Every task file reachable from `start` through static `include_tasks`/`import_tasks`
    /// and `include_role`/`import_role` (the start file first). Cycle-safe: each file once.
    pub fn follow_includes(&self, start: &Path) -> Vec<PathBuf> {
        let mut seen = HashSet::new();
        let mut order = Vec::new();
        let mut queue = vec![normalize_path(start)];
        while let Some(path) = queue.pop() {
            if !seen.insert(path.clone()) {
                continue;
            }
            order.push(path.clone());
            let Ok(file) = self.load(&path) else {
                continue;
            };
            let Some(root) = file.root() else {
                continue;
            };
            let mut found = Vec::new();
            let visit = |t: &task::Task<'_>, found: &mut Vec<PathBuf>| {
                if let Some(inc) = t.include()
                    && !matches!(
                        inc.kind,
                        crate::module::IncludeKind::IncludeVars
                            | crate::module::IncludeKind::ImportPlaybook
                    )
                    && let Some(target) = self.resolve_include(&path, &inc)
                {
                    found.push(target);
                }
            };
            if play::looks_like_playbook(root) {
                for p in play::playbook(root, &file.text).plays() {
                    p.all_tasks().for_each(|t| visit(t, &mut found));
                    for r in &p.roles {
                        if let Some(role) = self.find_role(&r.name, &path)
                            && let Some(main) = self.role_file(&role, "tasks", "main")
                        {
                            found.push(main);
                        }
                    }
                }
            } else {
                task::task_list(root, &file.text)
                    .tasks
                    .iter()
                    .for_each(|t| visit(t, &mut found));
            }
            for f in found.into_iter().rev() {
                if !seen.contains(&f) {
                    queue.push(f);
                }
            }
        }
        order
    }

    pub(super) fn find_relative_dir(&self, including: &Path, target: &str) -> Option<PathBuf> {
        let mut candidates = Vec::new();
        if let Some(role) = self.role_of(including) {
            candidates.push(role.join("vars").join(target));
            candidates.push(role.join(target));
        }
        if let Some(dir) = including.parent() {
            candidates.push(dir.join(target));
        }
        candidates.push(self.root.join(target));
        candidates.into_iter().find(|c| c.is_dir())
    }
}
