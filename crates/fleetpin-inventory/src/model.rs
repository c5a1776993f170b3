//! The inventory model: hosts, groups, children and variables.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::pattern::Pattern;
use crate::sites::{Sink, VarSite, Warning};
use crate::{Error, Result};

/// The syntax of an inventory file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Ansible's `ini` inventory plugin.
    Ini,
    /// Ansible's `yaml` inventory plugin (YAML or JSON).
    Yaml,
}

impl Format {
    /// The format Ansible reads a file in: YAML for `.yml`, `.yaml` and `.json`; for a file
    /// without extension YAML when its first significant line is a `key:` (Ansible tries its
    /// YAML plugin first on such files and falls back to INI); INI otherwise.
    pub fn detect(path: &Path, text: &str) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some("yml" | "yaml" | "json") => Format::Yaml,
            None if looks_like_yaml(text) => Format::Yaml,
            _ => Format::Ini,
        }
    }
}

/// Whether the first line that is not blank or a comment is a `key:` (not an INI section).
fn looks_like_yaml(text: &str) -> bool {
    text.lines()
        .map(str::trim_end)
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .is_some_and(|l| l.ends_with(':') && !l.starts_with('['))
}

/// Checks `ansible_port`/`ansible_ssh_port` values: Ansible loads any value but its ssh
/// connection then fails (`Bad port '99999'` from ssh for numbers outside 1-65535, "could
/// not be converted to 'int'" for text such as `2222x` or `22 -oX=y`). Templated values
/// (`{{ port }}`) are left to run time.
fn check_var(key: &str, value: &Value) -> std::result::Result<(), String> {
    if key != "ansible_port" && key != "ansible_ssh_port" {
        return Ok(());
    }
    let ok = match value {
        Value::Null => true,
        Value::Number(n) => n.as_u64().is_some_and(|p| (1..=65535).contains(&p)),
        Value::String(s) if s.contains("{{") || s.contains("{%") => true,
        Value::String(s) => s
            .trim()
            .parse::<u64>()
            .is_ok_and(|p| (1..=65535).contains(&p)),
        _ => false,
    };
    if ok {
        return Ok(());
    }
    let shown = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    Err(format!(
        "bad port: {key}=`{shown}` is not a port number (1-65535); Ansible's ssh connection would fail on it"
    ))
}

/// Variables of a host or group, by name. Values keep their YAML/INI type (string, number,
/// boolean, list, mapping).
pub type Vars = BTreeMap<String, Value>;

/// Where a host or group was first declared.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origin {
    /// The inventory file.
    pub path: PathBuf,
    /// 1-based line number.
    pub line: usize,
}

/// One host of the inventory.
#[derive(Debug, Clone)]
pub struct Host {
    pub(crate) name: String,
    pub(crate) vars: Vars,
    pub(crate) groups: Vec<String>,
    pub(crate) origin: Origin,
}

impl Host {
    /// The inventory host name (`inventory_hostname`).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Variables set on the host itself (INI host line, YAML `hosts:` entry).
    pub fn vars(&self) -> &Vars {
        &self.vars
    }
    /// The groups that list this host directly (not their parents, not `all`).
    pub fn direct_groups(&self) -> &[String] {
        &self.groups
    }
    /// Where the host was first declared.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }
}

/// One group of the inventory.
#[derive(Debug, Clone)]
pub struct Group {
    pub(crate) name: String,
    pub(crate) hosts: Vec<String>,
    pub(crate) children: Vec<String>,
    pub(crate) vars: Vars,
    pub(crate) origin: Origin,
}

impl Group {
    /// The group name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Hosts listed directly in this group, in inventory order.
    pub fn direct_hosts(&self) -> &[String] {
        &self.hosts
    }
    /// Child groups, in inventory order.
    pub fn children(&self) -> &[String] {
        &self.children
    }
    /// Variables of the group (`[group:vars]`, YAML `vars:`).
    pub fn vars(&self) -> &Vars {
        &self.vars
    }
    /// Where the group was first declared.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }
}

/// How to reach a host over SSH, from its merged variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// `ansible_host` (or `ansible_ssh_host`), else the inventory name.
    pub address: String,
    /// `ansible_port` / `ansible_ssh_port`.
    pub port: Option<u16>,
    /// `ansible_user` / `ansible_ssh_user`.
    pub user: Option<String>,
    /// `ansible_ssh_private_key_file` / `ansible_private_key_file`.
    pub private_key_file: Option<String>,
    /// `ansible_ssh_common_args` and `ansible_ssh_extra_args`, each split like a shell would
    /// (no expansion), to pass as separate argv items.
    pub ssh_args: Vec<String>,
}

/// A parsed Ansible inventory.
#[derive(Debug, Clone)]
pub struct Inventory {
    hosts: Vec<Host>,
    host_ix: HashMap<String, usize>,
    groups: Vec<Group>,
    group_ix: HashMap<String, usize>,
    /// (group, host) pairs already recorded: membership checks were a scan of the group's
    /// host list, quadratic for a group of 100,000 hosts (minutes).
    members: std::collections::HashSet<(usize, usize)>,
    /// What Ansible would warn about while loading (duplicate keys).
    warnings: Vec<Warning>,
}

impl Default for Inventory {
    fn default() -> Self {
        Self::new()
    }
}

impl Inventory {
    /// An empty inventory holding only the implicit groups `all` and `ungrouped`.
    pub fn new() -> Self {
        let mut inv = Inventory {
            members: std::collections::HashSet::new(),
            hosts: Vec::new(),
            host_ix: HashMap::new(),
            groups: Vec::new(),
            group_ix: HashMap::new(),
            warnings: Vec::new(),
        };
        inv.add_group("all", Origin::default());
        inv.add_group("ungrouped", Origin::default());
        inv
    }

    /// Loads an inventory file (INI, or YAML when it ends in `.yml`, `.yaml` or `.json`,
    /// as Ansible's plugins decide) or a directory of such files (like `-i dir/`; files
    /// ending in `~`, `.orig`, `.retry`, `.cfg`, `.pyc` and the `group_vars`/`host_vars`
    /// folders are skipped).
    ///
    /// Like Ansible, `group_vars/` and `host_vars/` next to the inventory file (or inside
    /// the inventory directory) are read too; their variables override those set in the
    /// inventory itself.
    pub fn load(path: &Path) -> Result<Inventory> {
        Inventory::load_all(&[path])
    }

    /// Loads several inventory sources into one (like repeated `ansible -i`); hosts and
    /// groups with the same name are merged.
    pub fn load_all<P: AsRef<Path>>(paths: &[P]) -> Result<Inventory> {
        let mut inv = Inventory::new();
        for p in paths {
            inv.load_into(p.as_ref())?;
        }
        inv.finish();
        for p in paths {
            let p = p.as_ref();
            let base = if p.is_dir() {
                p
            } else {
                p.parent().unwrap_or(Path::new("."))
            };
            inv.load_vars_dirs(base)?;
        }
        Ok(inv)
    }

    /// Reads `BASE/group_vars/` and `BASE/host_vars/`: for each known group or host, the file
    /// `NAME`, `NAME.yml`, `NAME.yaml` or `NAME.json`, or every such file inside a directory
    /// `NAME/` (in name order). Their variables override the inventory's own. Names with no
    /// matching group or host are ignored, as Ansible does.
    pub fn load_vars_dirs(&mut self, base: &Path) -> Result<()> {
        for (dir, is_group) in [("group_vars", true), ("host_vars", false)] {
            let dir = base.join(dir);
            let Ok(rd) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
            entries.sort();
            for entry in entries {
                let Some(file_name) = entry.file_name().and_then(|n| n.to_str()) else {
                    continue;
                };
                if file_name.starts_with('.') {
                    continue;
                }
                let name = ["yml", "yaml", "json"]
                    .iter()
                    .find_map(|ext| file_name.strip_suffix(&format!(".{ext}")))
                    .unwrap_or(file_name);
                let known = if is_group {
                    self.group_ix.contains_key(name)
                } else {
                    self.host_ix.contains_key(name)
                };
                if !known {
                    continue;
                }
                let files: Vec<PathBuf> = if entry.is_dir() {
                    let rd = std::fs::read_dir(&entry).map_err(|source| Error::Io {
                        path: entry.clone(),
                        error: source,
                    })?;
                    let mut f: Vec<PathBuf> = rd
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| {
                            p.is_file()
                                && !p
                                    .file_name()
                                    .and_then(|n| n.to_str())
                                    .is_some_and(|n| n.starts_with('.'))
                        })
                        .collect();
                    f.sort();
                    f
                } else {
                    vec![entry.clone()]
                };
                let name = name.to_string();
                for f in files {
                    let text = std::fs::read_to_string(&f).map_err(|source| Error::Io {
                        path: f.clone(),
                        error: source,
                    })?;
                    let mut sink = Sink::default();
                    let vars = crate::yaml::parse_vars_lines(&text, &f, &mut sink)?;
                    self.warnings.append(&mut sink.warnings);
                    for (k, v, line) in vars {
                        let set = if is_group {
                            self.set_group_var(&name, k, v)
                        } else {
                            self.set_host_var(&name, k, v)
                        };
                        set.map_err(|message| Error::Syntax {
                            path: f.clone(),
                            line,
                            message,
                        })?;
                    }
                }
            }
        }
        Ok(())
    }

    fn load_into(&mut self, path: &Path) -> Result<()> {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            error: source,
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        if meta.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(io)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .collect();
            entries.sort();
            for entry in entries {
                let name = entry.file_name().and_then(|n| n.to_str()).unwrap_or("");
                let skip = name.starts_with('.')
                    || name == "group_vars"
                    || name == "host_vars"
                    || [".orig", ".retry", ".cfg", ".pyc", ".pyo", ".ini~", "~"]
                        .iter()
                        .any(|ext| name.ends_with(ext));
                if !skip {
                    self.load_into(&entry)?;
                }
            }
            return Ok(());
        }
        let text = std::fs::read_to_string(path).map_err(io)?;
        let mut sink = Sink::default();
        self.parse_into(&text, path, Format::detect(path, &text), &mut sink)?;
        self.warnings.append(&mut sink.warnings);
        Ok(())
    }

    fn parse_into(
        &mut self,
        text: &str,
        path: &Path,
        format: Format,
        sink: &mut Sink,
    ) -> Result<()> {
        match format {
            Format::Yaml => crate::yaml::parse(self, text, path, sink),
            Format::Ini => crate::ini::parse(self, text, path, sink),
        }
    }

    /// Parses inventory text in the given format. `path` only names the source in errors.
    pub fn parse(text: &str, path: impl AsRef<Path>, format: Format) -> Result<Inventory> {
        let mut inv = Inventory::new();
        let mut sink = Sink::default();
        inv.parse_into(text, path.as_ref(), format, &mut sink)?;
        inv.warnings = sink.warnings;
        inv.finish();
        Ok(inv)
    }

    /// Parses inventory text (format from [`Format::detect`]) and also returns where each
    /// variable is written, in file order, for tools that point at or edit values. Warnings
    /// are not collected ([`Inventory::warnings`] is empty): that saves a pass over the file.
    pub fn parse_with_sites(
        text: &str,
        path: impl AsRef<Path>,
    ) -> Result<(Inventory, Vec<VarSite>)> {
        let path = path.as_ref();
        let mut inv = Inventory::new();
        let mut sink = Sink::recording();
        inv.parse_into(text, path, Format::detect(path, text), &mut sink)?;
        inv.warnings = sink.warnings;
        inv.finish();
        Ok((inv, sink.sites.unwrap_or_default()))
    }

    /// Parses INI inventory text. `path` only names the source in errors.
    pub fn parse_ini(text: &str, path: impl AsRef<Path>) -> Result<Inventory> {
        Inventory::parse(text, path, Format::Ini)
    }

    /// Parses YAML (or JSON) inventory text. `path` only names the source in errors.
    pub fn parse_yaml(text: &str, path: impl AsRef<Path>) -> Result<Inventory> {
        Inventory::parse(text, path, Format::Yaml)
    }

    /// Builds an inventory of the given host names, all in `ungrouped` (for `HOST...`
    /// arguments without an inventory file).
    pub fn from_host_names<I, S>(names: I) -> Inventory
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut inv = Inventory::new();
        for name in names {
            inv.add_host(&name.into(), Origin::default());
        }
        inv.finish();
        inv
    }

    pub(crate) fn add_group(&mut self, name: &str, origin: Origin) -> usize {
        if let Some(&ix) = self.group_ix.get(name) {
            return ix;
        }
        self.groups.push(Group {
            name: name.to_string(),
            hosts: Vec::new(),
            children: Vec::new(),
            vars: Vars::new(),
            origin,
        });
        self.group_ix
            .insert(name.to_string(), self.groups.len() - 1);
        self.groups.len() - 1
    }

    pub(crate) fn add_host(&mut self, name: &str, origin: Origin) -> usize {
        if let Some(&ix) = self.host_ix.get(name) {
            return ix;
        }
        self.hosts.push(Host {
            name: name.to_string(),
            vars: Vars::new(),
            groups: Vec::new(),
            origin,
        });
        self.host_ix.insert(name.to_string(), self.hosts.len() - 1);
        self.hosts.len() - 1
    }

    pub(crate) fn add_host_to_group(&mut self, host: &str, group: &str) {
        let g = self.group_ix[group];
        let h = self.host_ix[host];
        if !self.members.insert((g, h)) {
            return;
        }
        self.groups[g].hosts.push(host.to_string());
        if group != "all" {
            self.hosts[h].groups.push(group.to_string());
        }
    }

    /// Adds `child` under `parent`; errors on a cycle.
    pub(crate) fn add_child(
        &mut self,
        parent: &str,
        child: &str,
    ) -> std::result::Result<(), String> {
        if parent == child {
            return Err(format!("group `{child}` cannot be a child of itself"));
        }
        if self.descendant_groups(child).contains(parent) {
            return Err(format!(
                "adding group `{child}` as child of `{parent}` creates a cycle"
            ));
        }
        let p = self.group_ix[parent];
        if !self.groups[p].children.iter().any(|c| c == child) {
            self.groups[p].children.push(child.to_string());
        }
        Ok(())
    }

    /// Sets a host variable; errors (message only) on an invalid `ansible_port`.
    pub(crate) fn set_host_var(
        &mut self,
        host: &str,
        key: String,
        value: Value,
    ) -> std::result::Result<(), String> {
        check_var(&key, &value)?;
        let h = self.host_ix[host];
        self.hosts[h].vars.insert(key, value);
        Ok(())
    }

    /// Sets a group variable; errors (message only) on an invalid `ansible_port`.
    pub(crate) fn set_group_var(
        &mut self,
        group: &str,
        key: String,
        value: Value,
    ) -> std::result::Result<(), String> {
        check_var(&key, &value)?;
        let g = self.group_ix[group];
        self.groups[g].vars.insert(key, value);
        Ok(())
    }

    /// What Ansible would warn about while loading this inventory (duplicate YAML keys:
    /// the last value wins), in load order.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// Puts groups without a parent under `all` and hosts without a group into `ungrouped`,
    /// as Ansible's `reconcile_inventory` does.
    pub(crate) fn finish(&mut self) {
        let mut has_parent: HashSet<String> = HashSet::new();
        for g in &self.groups {
            for c in &g.children {
                has_parent.insert(c.clone());
            }
        }
        let orphans: Vec<String> = self
            .groups
            .iter()
            .map(|g| g.name.clone())
            .filter(|n| n != "all" && !has_parent.contains(n))
            .collect();
        for o in orphans {
            let _ = self.add_child("all", &o);
        }
        let lonely: Vec<String> = self
            .hosts
            .iter()
            .filter(|h| h.groups.iter().all(|g| g == "ungrouped"))
            .map(|h| h.name.clone())
            .collect();
        for h in lonely {
            self.add_host_to_group(&h, "ungrouped");
        }
        // A host that gained a real group after being put in `ungrouped` leaves it.
        let ungrouped = self.group_ix["ungrouped"];
        let hosts = &self.hosts;
        let host_ix = &self.host_ix;
        self.groups[ungrouped]
            .hosts
            .retain(|h| hosts[host_ix[h]].groups.iter().all(|g| g == "ungrouped"));
        for (i, h) in self.hosts.iter_mut().enumerate() {
            if h.groups.len() > 1 {
                h.groups.retain(|g| g != "ungrouped");
                self.members.remove(&(ungrouped, i));
            }
        }
    }

    /// All hosts, in inventory order.
    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    /// All groups (including `all` and `ungrouped`), in declaration order.
    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    /// The host of that name.
    pub fn host(&self, name: &str) -> Option<&Host> {
        self.host_ix.get(name).map(|&i| &self.hosts[i])
    }

    /// The group of that name.
    pub fn group(&self, name: &str) -> Option<&Group> {
        self.group_ix.get(name).map(|&i| &self.groups[i])
    }

    fn descendant_groups(&self, name: &str) -> HashSet<String> {
        let mut seen = HashSet::new();
        let mut stack = vec![name.to_string()];
        while let Some(g) = stack.pop() {
            if !seen.insert(g.clone()) {
                continue;
            }
            if let Some(group) = self.group(&g) {
                stack.extend(group.children.iter().cloned());
            }
        }
        seen
    }

    /// Every host of the group and its descendants, in inventory order. `all` gives every
    /// host.
    pub fn group_hosts(&self, name: &str) -> Vec<&Host> {
        if name == "all" {
            return self.hosts.iter().collect();
        }
        let groups = self.descendant_groups(name);
        self.hosts
            .iter()
            .filter(|h| h.groups.iter().any(|g| groups.contains(g)))
            .collect()
    }

    /// Every group the host belongs to, directly or through children, with `all`; sorted
    /// the way Ansible applies their variables: by depth below `all`, then
    /// `ansible_group_priority`, then name.
    pub fn host_groups(&self, host: &str) -> Vec<&Group> {
        let Some(h) = self.host(host) else {
            return Vec::new();
        };
        let mut seen: HashSet<&str> = HashSet::new();
        let mut stack: Vec<&str> = h.groups.iter().map(String::as_str).collect();
        stack.push("all");
        while let Some(g) = stack.pop() {
            if !seen.insert(g) {
                continue;
            }
            for parent in &self.groups {
                if parent.children.iter().any(|c| c == g) {
                    stack.push(&parent.name);
                }
            }
        }
        let mut groups: Vec<&Group> = seen.into_iter().filter_map(|g| self.group(g)).collect();
        groups.sort_by_cached_key(|g| {
            let prio = g
                .vars
                .get("ansible_group_priority")
                .and_then(|v| {
                    v.as_i64()
                        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                })
                .unwrap_or(1);
            (self.depth(&g.name), prio, g.name.clone())
        });
        groups
    }

    /// Longest distance from `all` to the group (Ansible's group depth).
    fn depth(&self, name: &str) -> usize {
        fn walk(inv: &Inventory, name: &str, seen: &mut Vec<String>) -> usize {
            if name == "all" || seen.iter().any(|s| s == name) {
                return 0;
            }
            seen.push(name.to_string());
            let d = inv
                .groups
                .iter()
                .filter(|p| p.children.iter().any(|c| c == name))
                .map(|p| walk(inv, &p.name, seen) + 1)
                .max()
                .unwrap_or(1);
            seen.pop();
            d
        }
        walk(self, name, &mut Vec::new())
    }

    /// The host's variables after Ansible's inventory precedence: `all`, then parent groups
    /// before child groups (ties by `ansible_group_priority`, then name), then host vars.
    pub fn host_vars(&self, host: &str) -> Vars {
        let mut vars = Vars::new();
        for g in self.host_groups(host) {
            for (k, v) in &g.vars {
                vars.insert(k.clone(), v.clone());
            }
        }
        if let Some(h) = self.host(host) {
            for (k, v) in &h.vars {
                vars.insert(k.clone(), v.clone());
            }
        }
        vars
    }

    /// How to reach the host over SSH, from its merged variables. `None` for an unknown
    /// host. Rejects an address or user starting with `-` (it would be read as an ssh
    /// option).
    pub fn connection(&self, host: &str) -> Option<Connection> {
        self.host(host)?;
        let vars = self.host_vars(host);
        let get = |keys: &[&str]| -> Option<String> {
            keys.iter().find_map(|k| {
                vars.get(*k).and_then(|v| match v {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
            })
        };
        let address =
            get(&["ansible_host", "ansible_ssh_host"]).unwrap_or_else(|| host.to_string());
        let port = get(&["ansible_port", "ansible_ssh_port"]).and_then(|p| p.parse().ok());
        let user = get(&["ansible_user", "ansible_ssh_user", "ansible_remote_user"]);
        let private_key_file = get(&["ansible_ssh_private_key_file", "ansible_private_key_file"]);
        let mut ssh_args = Vec::new();
        for key in ["ansible_ssh_common_args", "ansible_ssh_extra_args"] {
            if let Some(args) = get(&[key]) {
                ssh_args.extend(shell_words(&args));
            }
        }
        Some(Connection {
            address,
            port,
            user,
            private_key_file,
            ssh_args,
        })
    }

    /// The hosts matched by a pattern, in inventory order.
    pub fn select(&self, pattern: &Pattern) -> Vec<&Host> {
        pattern.select(self)
    }
}

/// Splits like POSIX `sh` would (quotes and backslashes), without any expansion.
pub(crate) fn shell_words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    cur.push(c);
                }
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' if matches!(chars.peek(), Some('"' | '\\' | '$' | '`')) => {
                            cur.push(chars.next().unwrap_or('\\'));
                        }
                        _ => cur.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::shell_words;

    #[test]
    fn shell_words_quotes() {
        assert_eq!(
            shell_words(r#"-o ProxyJump="bastion 1" -o 'A=b c' x\ y"#),
            ["-o", "ProxyJump=bastion 1", "-o", "A=b c", "x y"]
        );
    }
}
