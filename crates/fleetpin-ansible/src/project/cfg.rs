//! The project's `ansible.cfg`: `inventory` and `roles_path`; and the inventory files found.

use super::*;

impl Project {
    /// The inventory files of the project (`hosts`, `inventory.yml`, ...; `ansible.cfg`'s
    /// `inventory`), found when indexing.
    pub fn inventory_files(&self) -> &[PathBuf] {
        &self.index().inventories
    }

    /// `inventory` of `[defaults]` in `ansible.cfg` (first entry when comma-separated).
    pub(super) fn cfg_inventory(&self) -> Option<PathBuf> {
        let cfg = crate::config::AnsibleConfig::load(&self.root.join("ansible.cfg")).ok()?;
        cfg.inventory().first().map(|p| normalize_path(p))
    }

    /// A value of the project's `ansible.cfg`, read as Ansible reads it (see
    /// [`crate::config`]); `None` when unset or when Ansible would refuse the file.
    pub(super) fn cfg_value(&self, wanted_section: &str, wanted_key: &str) -> Option<String> {
        let cfg = crate::config::AnsibleConfig::load(&self.root.join("ansible.cfg")).ok()?;
        cfg.get(wanted_section, wanted_key).map(str::to_string)
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
