//! The project's `ansible.cfg`: `inventory` and `roles_path`.

use super::*;

impl Project {
    /// `inventory` of `[defaults]` in `ansible.cfg` (first entry when comma-separated).
    pub(super) fn cfg_inventory(&self) -> Option<PathBuf> {
        let value = self.cfg_value("defaults", "inventory")?;
        let first = value.split(',').next()?.trim();
        (!first.is_empty() && !first.starts_with('~') && !first.starts_with('$'))
            .then(|| normalize_path(&self.root.join(first)))
    }

    /// A value of the project's `ansible.cfg`.
    pub(super) fn cfg_value(&self, wanted_section: &str, wanted_key: &str) -> Option<String> {
        let cfg = std::fs::read_to_string(self.root.join("ansible.cfg")).ok()?;
        let mut section = String::new();
        for line in cfg.lines() {
            let line = line.trim();
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = name.trim().to_string();
                continue;
            }
            if section != wanted_section {
                continue;
            }
            if let Some((key, value)) = line.split_once('=')
                && key.trim() == wanted_key
            {
                return Some(value.trim().to_string());
            }
        }
        None
    }

    /// The directories of `roles_path` in the `[defaults]` section of `ansible.cfg` at the
    /// project root (colon-separated, relative to the root; `~` paths are skipped: they are
    /// outside the repository).
    pub fn roles_path(&self) -> &[PathBuf] {
        self.roles_path.get_or_init(|| {
            let Some(value) = self.cfg_value("defaults", "roles_path") else {
                return Vec::new();
            };
            value
                .split(':')
                .map(str::trim)
                .filter(|p| !p.is_empty() && !p.starts_with('~') && !p.starts_with('$'))
                .map(|p| normalize_path(&self.root.join(p)))
                .collect()
        })
    }
}
