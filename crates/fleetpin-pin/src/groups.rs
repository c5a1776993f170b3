//! Per-group values: a task whose play targets lock groups that run different versions reads
//! `{{ fleetpin_versions['NAME'] }}`, and each targeted group's vars file gets the package's
//! line — the naming `fleetpin lock export --format ansible-vars` uses
//! ([`fleetpin_fleet::export::ANSIBLE_VAR`], [`fleetpin_fleet::export::ansible_vars_path`]), so
//! pin and export agree and a version bump is one line in one file.
//!
//! Which groups a play covers comes from its `hosts:` pattern evaluated against the project's
//! inventories (fleetpin-inventory, as `fleetpin plan` and `gather` evaluate patterns); each
//! targeted host is in the lock group `fleetpin lock` put it in (the first `group-by` group
//! it belongs to, else `all`). Whatever fleetpin cannot tell is a named error, never a guess.
//!
//! Where the variable goes: `group_vars/` beside the playbook (Ansible reads it for every
//! inventory, above the inventory's own `group_vars/`), found as Ansible's
//! `DataLoader.find_vars_files` finds a group's vars: `G` (a directory: every file in it;
//! or a file), else `G.yml`, `G.yaml`, `G.json` — the first that exists wins, so a new
//! `G/` folder would hide an existing `G.yml`, and the line goes into `G.yml` instead.
//! A map that does not exist yet is written whole (the lock group's table, as `lock export`
//! writes it): with Ansible's `hash_behaviour = replace` a group's map replaces the one of
//! `all`, and the `ansible-tasks` export writes apt pins from every key of it.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use fleetpin_fleet::export::{ANSIBLE_VAR, ansible_vars_path};
use fleetpin_fleet::lock::{DEFAULT_GROUP, Lock};
use fleetpin_yaml::{Node, NodeKind, ScalarStyle};

use crate::PinError;

/// How a task reads a per-group version (`{{ fleetpin_versions['docker-ce'] }}`).
pub(crate) const VERSION_VAR_SUBSCRIPT: &str = "fleetpin_versions[";

/// What a play targets, as lock groups.
#[derive(Debug, Clone)]
pub(crate) struct PlayGroups {
    /// The playbook's directory (its `group_vars/` is where values go).
    pub dir: PathBuf,
    /// Targeted inventory host → its lock group.
    pub hosts: BTreeMap<String, String>,
}

/// One value a group's vars file must hold.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct GroupValue {
    /// `group_vars/` of the playbook.
    pub vars_dir: PathBuf,
    /// The lock group (an Ansible group name).
    pub group: String,
    /// The package key.
    pub key: String,
    /// The locked version.
    pub version: String,
}

/// Inventories per project, and what each play targets, computed once.
#[derive(Default)]
pub(crate) struct Targeting {
    /// The playbooks of the lint run (where plays that use a role are looked for).
    pub playbooks: Vec<PathBuf>,
    inventories: HashMap<PathBuf, Result<Vec<(PathBuf, fleetpin_inventory::Inventory)>, String>>,
    plays: HashMap<(PathBuf, usize), Result<PlayGroups, String>>,
    roles: HashMap<String, Result<Vec<PlayGroups>, String>>,
}

impl Targeting {
    fn inventories(
        &mut self,
        playbook_dir: &Path,
    ) -> &Result<Vec<(PathBuf, fleetpin_inventory::Inventory)>, String> {
        self.inventories
            .entry(playbook_dir.to_path_buf())
            .or_insert_with(|| {
                let project = fleetpin_ansible::Project::discover(playbook_dir);
                let files = project.inventory_files().to_vec();
                if files.is_empty() {
                    return Err(format!(
                        "no inventory found for the project at `{}` (hosts, inventory.yml, \
                         ansible.cfg's `inventory`), so the groups the play targets are unknown",
                        project.root().display()
                    ));
                }
                files
                    .into_iter()
                    .map(|f| {
                        fleetpin_inventory::Inventory::load(&f)
                            .map(|inv| (f.clone(), inv))
                            .map_err(|e| {
                                format!("the inventory `{}` cannot be read: {e}", f.display())
                            })
                    })
                    .collect()
            })
    }

    /// The plays that run the text at byte `offset` of `path`, as lock groups, or why
    /// fleetpin cannot tell: the play around it in a playbook; for a role's task, defaults or
    /// vars file, every play of `playbooks` that lists the role in `roles:`.
    pub(crate) fn place_groups(
        &mut self,
        path: &Path,
        text: &str,
        offset: usize,
        lock: &Lock,
    ) -> Result<Vec<PlayGroups>, String> {
        if let Some(role) = role_of(path) {
            if let Some(hit) = self.roles.get(&role) {
                return hit.clone();
            }
            let result = self.role_groups(&role, lock);
            self.roles.insert(role, result.clone());
            return result;
        }
        let docs =
            fleetpin_yaml::parse(text).map_err(|e| format!("the file does not parse: {e}"))?;
        let Some(root) = docs.first().map(|d| &d.root) else {
            return Err("the file is empty".to_owned());
        };
        let book = fleetpin_ansible::play::playbook(root, text);
        // A play needs `hosts:`; a task file's entries (an included file's) have none.
        let Some((index, _)) = book
            .plays()
            .enumerate()
            .find(|(_, p)| p.span().contains(&offset))
            .filter(|(_, p)| p.node.contains_key("hosts"))
        else {
            return Err(
                "the value is neither in a play nor in a role (an included task file or a vars \
                 file): the plays that use it are not resolved for per-group values"
                    .to_owned(),
            );
        };
        self.play(path, text, index, lock).map(|pg| vec![pg])
    }

    /// Play `index` of the playbook `path` (text `text`), evaluated once.
    fn play(
        &mut self,
        path: &Path,
        text: &str,
        index: usize,
        lock: &Lock,
    ) -> Result<PlayGroups, String> {
        let key = (path.to_path_buf(), index);
        if let Some(hit) = self.plays.get(&key) {
            return hit.clone();
        }
        let docs =
            fleetpin_yaml::parse(text).map_err(|e| format!("the file does not parse: {e}"))?;
        let root = docs.first().map(|d| &d.root);
        let hosts = root.and_then(|root| {
            fleetpin_ansible::play::playbook(root, text)
                .plays()
                .nth(index)
                .map(|p| p.hosts)
        });
        let result = match hosts {
            Some(hosts) => self.evaluate(path, hosts, lock),
            None => Err(format!(
                "play {} of `{}` is gone",
                index + 1,
                path.display()
            )),
        };
        self.plays.insert(key, result.clone());
        result
    }

    /// Every play of the linted playbooks that lists the role (by its directory name) in
    /// `roles:`. A role reached only through `include_role`/`import_role` or another role's
    /// dependencies is not followed: a named error says so.
    fn role_groups(&mut self, role: &str, lock: &Lock) -> Result<Vec<PlayGroups>, String> {
        let mut out = Vec::new();
        let playbooks = self.playbooks.clone();
        for book_path in &playbooks {
            let Ok(text) = std::fs::read_to_string(book_path) else {
                continue;
            };
            let Ok(docs) = fleetpin_yaml::parse(&text) else {
                continue;
            };
            let Some(root) = docs.first().map(|d| &d.root) else {
                continue;
            };
            let uses: Vec<usize> = fleetpin_ansible::play::playbook(root, &text)
                .plays()
                .enumerate()
                .filter(|(_, p)| {
                    p.roles.iter().any(|r| {
                        Path::new(r.name.trim())
                            .file_name()
                            .and_then(|n| n.to_str())
                            == Some(role)
                    })
                })
                .map(|(i, _)| i)
                .collect();
            for index in uses {
                let pg = self
                    .play(book_path, &text, index, lock)
                    .map_err(|why| format!("in `{}`: {why}", book_path.display()))?;
                out.push(pg);
            }
        }
        if out.is_empty() {
            return Err(format!(
                "no play of the linted playbooks lists role `{role}` in `roles:` \
                 (`include_role`, `import_role` and role dependencies are not followed for \
                 per-group values)"
            ));
        }
        Ok(out)
    }

    fn evaluate(
        &mut self,
        path: &Path,
        hosts: Option<&Node>,
        lock: &Lock,
    ) -> Result<PlayGroups, String> {
        let dir = path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let written = hosts.and_then(Node::as_str).unwrap_or("?").to_owned();
        let Some(pattern) = fleetpin_ansible::targets::play_hosts(hosts) else {
            return Err(format!(
                "the play's `hosts: {written}` is missing, templated or not a host pattern"
            ));
        };
        let pattern_text = pattern.text.replace('\n', ", ");
        let inventories = self.inventories(&dir).clone()?;
        let mut out = BTreeMap::new();
        for (file, inv) in &inventories {
            let selection = pattern.pattern.evaluate(inv);
            if let Some(term) = selection.unmatched.first() {
                return Err(format!(
                    "`{term}` of the play's `hosts: {pattern_text}` selects no host of `{}` \
                     (a group filled at run time, or another inventory): the hosts it targets \
                     are unknown",
                    file.display()
                ));
            }
            if let Some(local) = &selection.implicit_localhost {
                return Err(format!(
                    "the play targets the implicit `{local}`, which is in no lock group"
                ));
            }
            if let Some(os) = lock.group_by.iter().find(|g| g.starts_with("os:")) {
                return Err(format!(
                    "the lock groups hosts by `{os}`, which the inventory does not say \
                     (an OS release is a fact, not an Ansible group)"
                ));
            }
            for host in selection.hosts {
                let groups = fleetpin_fleet::load::groups_of(inv, host.name());
                let in_lock: Vec<&String> = lock
                    .group_by
                    .iter()
                    .filter(|g| groups.contains(g))
                    .collect();
                let group = match in_lock.as_slice() {
                    [] => DEFAULT_GROUP.to_owned(),
                    [one] => (*one).clone(),
                    [first, second, ..] => {
                        return Err(format!(
                            "host `{}` is in two lock groups, `{first}` and `{second}`: the lock \
                             uses the first, Ansible the group it ranks higher \
                             (`ansible_group_priority`), so the value it reads is not certain",
                            host.name()
                        ));
                    }
                };
                // Another group of the host whose variables set the map too would give it
                // that map instead (Ansible: a child group over its parents, else by
                // priority and name), unless it is a parent of the lock group.
                let parents = ancestors(inv, &group);
                let inventory_vars = file.parent().unwrap_or(Path::new(".")).join("group_vars");
                for other in groups
                    .iter()
                    .filter(|g| **g != group && !parents.contains(g))
                {
                    for vars_dir in [dir.join("group_vars"), inventory_vars.clone()] {
                        if let Some(f) = files_setting_map(&vars_dir, other)?.first() {
                            return Err(format!(
                                "host `{}` of lock group `{group}` is also in group `{other}`, \
                                 whose `{}` sets `{ANSIBLE_VAR}`: Ansible may give the host that \
                                 map instead",
                                host.name(),
                                f.display()
                            ));
                        }
                    }
                }
                if !lock.groups.contains_key(&group) {
                    return Err(format!(
                        "host `{}` is in lock group `{group}`, which `fleetpin.lock` does not \
                         lock (no host of it had facts when the lock was made)",
                        host.name()
                    ));
                }
                out.insert(host.name().to_owned(), group);
            }
        }
        if out.is_empty() {
            return Err(format!(
                "the play's `hosts: {pattern_text}` selects no host of the inventory"
            ));
        }
        Ok(PlayGroups { dir, hosts: out })
    }
}

/// The text that makes `spec` read its version from the group's map: `"{{ fleetpin_versions['KEY'] }}"`
/// in the quoting its place allows. `place` is the byte range of the name in `text`.
pub(crate) fn version_expression(
    text: &str,
    place: &std::ops::Range<usize>,
    key: &str,
) -> Result<(String, bool), String> {
    let docs = fleetpin_yaml::parse(text).map_err(|e| format!("the file does not parse: {e}"))?;
    let mut stack: Vec<&Node> = docs.iter().map(|d| &d.root).collect();
    let mut found = None;
    while let Some(n) = stack.pop() {
        if n.span.end < place.start || n.span.start > place.end {
            continue;
        }
        match &n.kind {
            NodeKind::Scalar(s)
                if s.value_span.start <= place.start && place.end <= s.value_span.end =>
            {
                found = Some(s);
            }
            NodeKind::Seq(items) => stack.extend(items),
            NodeKind::Map(entries) => stack.extend(entries.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    let Some(scalar) = found else {
        return Err("the name is not inside a YAML scalar fleetpin can find".to_owned());
    };
    let quote = match scalar.style {
        ScalarStyle::SingleQuoted => '"',
        ScalarStyle::Plain | ScalarStyle::DoubleQuoted => '\'',
        ScalarStyle::Literal | ScalarStyle::Folded => {
            return Err("the name is in a block scalar; write it as a plain list item".to_owned());
        }
    };
    if key.contains(['\'', '"', '\\']) {
        return Err(format!("the package key `{key}` has a quote character"));
    }
    let expr = format!("{{{{ {ANSIBLE_VAR}[{quote}{key}{quote}] }}}}");
    // A whole plain scalar becomes double-quoted: `{` would start a flow mapping in a flow
    // collection, and `{{` at the start of a value must be quoted for Ansible.
    let wrap = scalar.style == ScalarStyle::Plain && scalar.value_span == *place;
    Ok((expr, wrap))
}

/// The role a file belongs to: `roles/<R>/{tasks,defaults,vars,handlers}/…` → `R`.
pub(crate) fn role_of(path: &Path) -> Option<String> {
    let comps: Vec<&str> = path
        .components()
        .filter_map(|c| c.as_os_str().to_str())
        .collect();
    let i = comps.iter().rposition(|c| *c == "roles")?;
    let role = comps.get(i + 1)?;
    let sub = comps.get(i + 2)?;
    (i + 3 < comps.len() && matches!(*sub, "tasks" | "defaults" | "vars" | "handlers"))
        .then(|| (*role).to_owned())
}

/// How the group's vars are reached from `vars_dir`, as Ansible's `find_vars_files` does.
enum VarsTarget {
    /// A file that sets the map: edit its entries.
    Edit(PathBuf),
    /// An existing YAML file without the map: append the map.
    Append(PathBuf),
    /// Nothing yet: create the file.
    Create(PathBuf),
}

fn vars_files_in(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') || name.ends_with('~') {
            continue;
        }
        let ext = Path::new(name).extension().and_then(|e| e.to_str());
        if p.is_dir() && ext.is_none() {
            vars_files_in(&p, out);
        } else if p.is_file() && matches!(ext, None | Some("yml" | "yaml" | "json")) {
            out.push(p);
        }
    }
}

fn sets_map(path: &Path) -> Result<bool, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("`{}` cannot be read: {e}", path.display()))?;
    let docs = fleetpin_yaml::parse(&text)
        .map_err(|e| format!("`{}` does not parse: {e}", path.display()))?;
    Ok(docs.iter().any(|d| d.root.contains_key(ANSIBLE_VAR)))
}

/// The group's variables in `vars_dir` as Ansible finds them: the first of `G` (a folder:
/// every file in it), `G.yml`, `G.yaml`, `G.json` that exists, and its files.
fn group_vars_files(vars_dir: &Path, group: &str) -> Option<(PathBuf, Vec<PathBuf>)> {
    for ext in ["", ".yml", ".yaml", ".json"] {
        let p = vars_dir.join(format!("{group}{ext}"));
        if !p.exists() {
            continue;
        }
        let mut files = Vec::new();
        if p.is_dir() {
            vars_files_in(&p, &mut files);
        } else {
            files.push(p.clone());
        }
        return Some((p, files));
    }
    None
}

/// The files of the group's variables in `vars_dir` that set `fleetpin_versions`.
fn files_setting_map(vars_dir: &Path, group: &str) -> Result<Vec<PathBuf>, String> {
    let Some((_, files)) = group_vars_files(vars_dir, group) else {
        return Ok(Vec::new());
    };
    let mut setting = Vec::new();
    for f in files {
        let json = f.extension().is_some_and(|e| e == "json");
        if json {
            // Not parsed here; a JSON file that names the variable counts.
            if std::fs::read_to_string(&f).is_ok_and(|t| t.contains(ANSIBLE_VAR)) {
                setting.push(f);
            }
        } else if sets_map(&f)? {
            setting.push(f);
        }
    }
    Ok(setting)
}

fn vars_target(vars_dir: &Path, group: &str) -> Result<VarsTarget, String> {
    let Some(rel) = ansible_vars_path(group) else {
        return Err(format!(
            "lock group `{group}` is not an Ansible group name, so no group_vars file reaches \
             its hosts (see docs/lock-export.md: a `group_by` task)"
        ));
    };
    let default = vars_dir.parent().unwrap_or(Path::new(".")).join(rel);
    let Some((found, _)) = group_vars_files(vars_dir, group) else {
        return Ok(VarsTarget::Create(default));
    };
    if found.is_dir() {
        let setting = files_setting_map(vars_dir, group)?;
        return match setting.as_slice() {
            [] if default.exists() => Ok(VarsTarget::Append(default)),
            [] => Ok(VarsTarget::Create(default)),
            [one] => Ok(VarsTarget::Edit(one.clone())),
            [.., last] => Err(format!(
                "`{ANSIBLE_VAR}` is set in {} files under `{}`; Ansible keeps the last \
                 (`{}`) whole: merge them first",
                setting.len(),
                found.display(),
                last.display()
            )),
        };
    }
    if found.extension().is_some_and(|e| e == "json") {
        return Err(format!(
            "the group's variables are in `{}`, which fleetpin does not edit (JSON)",
            found.display()
        ));
    }
    if sets_map(&found)? {
        Ok(VarsTarget::Edit(found))
    } else {
        Ok(VarsTarget::Append(found))
    }
}

/// Every group `group` is a child of, directly or not.
fn ancestors(inv: &fleetpin_inventory::Inventory, group: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut stack = vec![group.to_owned()];
    while let Some(g) = stack.pop() {
        for parent in inv.groups() {
            if parent.children().contains(&g) && !out.iter().any(|o| o == parent.name()) {
                out.push(parent.name().to_owned());
                stack.push(parent.name().to_owned());
            }
        }
    }
    out
}

/// An edit: byte range, new text, title.
pub(crate) type Edit = (std::ops::Range<usize>, String, String);

/// A change to one group's vars file.
#[derive(Debug, Clone)]
pub(crate) struct VarsChange {
    /// The `group_vars/` folder and group it is for.
    pub for_group: (PathBuf, String),
    /// The file.
    pub path: PathBuf,
    /// Its text (empty for a new file).
    pub original: String,
    /// Whether the file is created.
    pub create: bool,
    /// Edits (byte ranges of `original`, new text, title).
    pub edits: Vec<Edit>,
    /// The entries the map must hold afterwards.
    pub expect: BTreeMap<String, String>,
    /// Whether the map is added whole (new file, or a file without it).
    pub whole_map: bool,
}

/// The lock group's table as `lock export --format ansible-vars --group G` writes it.
fn exported(lock: &Lock, lock_path: &Path, group: &str) -> Result<String, String> {
    let opts = fleetpin_fleet::export::ExportOptions {
        format: fleetpin_fleet::export::ExportFormat::AnsibleVars,
        group: Some(group.to_owned()),
        native_arch: None,
    };
    fleetpin_fleet::export::export(lock, lock_path, &opts).map_err(|e| e.to_string())
}

/// The changes each group's vars file needs for `values`, and the (`group_vars/` folder,
/// group) pairs that cannot get them (each named in `errors`).
pub(crate) fn vars_changes(
    values: &[GroupValue],
    lock: &Lock,
    lock_path: &Path,
    errors: &mut Vec<PinError>,
) -> (Vec<VarsChange>, Vec<(PathBuf, String)>) {
    let mut by_group: BTreeMap<(&Path, &str), BTreeMap<String, String>> = BTreeMap::new();
    for v in values {
        by_group
            .entry((v.vars_dir.as_path(), v.group.as_str()))
            .or_default()
            .insert(v.key.clone(), v.version.clone());
    }
    let mut out = Vec::new();
    let mut failed = Vec::new();
    for ((vars_dir, group), wanted) in by_group {
        let for_group = (vars_dir.to_path_buf(), group.to_owned());
        let fail = |path: PathBuf, why: String| PinError::GroupVars {
            path,
            group: group.to_owned(),
            why,
        };
        let table: BTreeMap<String, String> = lock.groups[group]
            .iter()
            .map(|(k, l)| (k.clone(), l.version.clone()))
            .collect();
        let change = match vars_target(vars_dir, group) {
            Err(why) => Err(fail(vars_dir.join(group), why)),
            Ok(VarsTarget::Create(path)) => exported(lock, lock_path, group)
                .map(|text| VarsChange {
                    for_group: for_group.clone(),
                    path: path.clone(),
                    original: String::new(),
                    create: true,
                    edits: vec![(
                        0..0,
                        text,
                        format!(
                            "create with lock group `{group}` ({}, as `fleetpin lock export \
                             --format ansible-vars --group {group}` writes it)",
                            packages(table.len())
                        ),
                    )],
                    expect: table.clone(),
                    whole_map: true,
                })
                .map_err(|why| fail(path, why)),
            Ok(VarsTarget::Append(path)) => std::fs::read_to_string(&path)
                .map_err(|e| e.to_string())
                .and_then(|text| {
                    append_map(&text, &table).map(|(range, add)| VarsChange {
                        for_group: for_group.clone(),
                        path: path.clone(),
                        original: text,
                        create: false,
                        edits: vec![(
                            range,
                            add,
                            format!(
                                "add `{ANSIBLE_VAR}` with lock group `{group}` ({})",
                                packages(table.len())
                            ),
                        )],
                        expect: table.clone(),
                        whole_map: true,
                    })
                })
                .map_err(|why| fail(path, why)),
            Ok(VarsTarget::Edit(path)) => std::fs::read_to_string(&path)
                .map_err(|e| e.to_string())
                .and_then(|text| {
                    edit_map(&text, &wanted, group).map(|edits| VarsChange {
                        for_group: for_group.clone(),
                        path: path.clone(),
                        original: text,
                        create: false,
                        edits,
                        expect: wanted.clone(),
                        whole_map: false,
                    })
                })
                .map_err(|why| fail(path, why)),
        };
        match change {
            Ok(c) => out.push(c),
            Err(e) => {
                errors.push(e);
                failed.push((vars_dir.to_path_buf(), group.to_owned()));
            }
        }
    }
    (out, failed)
}

fn packages(n: usize) -> String {
    format!("{n} package{}", if n == 1 { "" } else { "s" })
}

fn line_ending(text: &str) -> &'static str {
    if text.contains("\r\n") { "\r\n" } else { "\n" }
}

/// `fleetpin_versions:` and the table, appended to a YAML mapping file.
fn append_map(
    text: &str,
    table: &BTreeMap<String, String>,
) -> Result<(std::ops::Range<usize>, String), String> {
    let docs = fleetpin_yaml::parse(text).map_err(|e| format!("does not parse: {e}"))?;
    match docs.as_slice() {
        [] => {}
        [d] if matches!(d.root.kind, NodeKind::Null) => {}
        [d] if d.root.is_map() && !text[d.root.span.clone()].trim_start().starts_with('{') => {}
        [_] => return Err("its root is not a block mapping to add a key to".to_owned()),
        _ => return Err("it holds several YAML documents".to_owned()),
    }
    if text.trim_end().ends_with("...") {
        return Err("it ends with a document end marker (`...`)".to_owned());
    }
    let nl = line_ending(text);
    let mut add = String::new();
    if !text.is_empty() && !text.ends_with('\n') {
        add.push_str(nl);
    }
    add.push_str(ANSIBLE_VAR);
    add.push(':');
    if table.is_empty() {
        add.push_str(" {}");
    }
    add.push_str(nl);
    for (k, v) in table {
        add.push_str(&format!("  {}: {}{nl}", yaml_quote(k), yaml_quote(v)));
    }
    Ok((text.len()..text.len(), add))
}

fn yaml_quote(s: &str) -> String {
    // A YAML double-quoted scalar; lock keys and versions hold no control characters
    // (`lock export` refuses those), so quotes and backslashes are all there is to escape.
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Edits of the map `fleetpin_versions` in `text`: each wanted entry set to its version,
/// missing ones added in the map's style.
fn edit_map(
    text: &str,
    wanted: &BTreeMap<String, String>,
    group: &str,
) -> Result<Vec<Edit>, String> {
    let docs = fleetpin_yaml::parse(text).map_err(|e| format!("does not parse: {e}"))?;
    let Some(map) = docs.iter().rev().find_map(|d| d.root.get(ANSIBLE_VAR)) else {
        return Err(format!("`{ANSIBLE_VAR}` is not a top-level key"));
    };
    let NodeKind::Map(entries) = &map.kind else {
        return Err(format!("`{ANSIBLE_VAR}` is not a mapping"));
    };
    let mut edits = Vec::new();
    let mut missing = Vec::new();
    for (k, v) in wanted {
        match entries
            .iter()
            .rev()
            .find(|(key, _)| key.as_str() == Some(k))
        {
            Some((_, value)) => match &value.kind {
                NodeKind::Scalar(s) if s.value == *v => {}
                NodeKind::Scalar(s)
                    if text.get(s.value_span.clone()) == Some(s.value.as_str())
                        && !matches!(s.style, ScalarStyle::Literal | ScalarStyle::Folded)
                        && !v.contains(['"', '\'', '\\'])
                        && !v.contains(char::is_whitespace) =>
                {
                    edits.push((
                        s.value_span.clone(),
                        v.clone(),
                        format!("`{k}` = {v} for group `{group}` ({ANSIBLE_VAR})"),
                    ));
                }
                _ => {
                    return Err(format!(
                        "the entry `{k}` is not a scalar fleetpin can edit in place"
                    ));
                }
            },
            None => missing.push((k, v)),
        }
    }
    if missing.is_empty() {
        return Ok(edits);
    }
    let title = format!(
        "add {} for group `{group}` ({ANSIBLE_VAR})",
        missing
            .iter()
            .map(|(k, v)| format!("`{k}` = {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let missing: Vec<(String, String)> = missing
        .into_iter()
        .map(|(k, v)| (yaml_quote(k), yaml_quote(v)))
        .collect();
    let (range, add) = insert_entries(text, map, &missing)?;
    edits.push((range, add, title));
    Ok(edits)
}

/// The edit that adds `entries` (key and value as they are to be written) to the mapping
/// `map` of `text`, in its style: after the last entry, at the first key's indentation, for
/// a block mapping; before the `}` of a flow mapping.
pub(crate) fn insert_entries(
    text: &str,
    map: &Node,
    add: &[(String, String)],
) -> Result<(std::ops::Range<usize>, String), String> {
    let NodeKind::Map(entries) = &map.kind else {
        return Err("not a mapping".to_owned());
    };
    let src = &text[map.span.clone()];
    let nl = line_ending(text);
    if src.trim_start().starts_with('{') {
        let close = map.span.end - 1;
        if text.as_bytes().get(close) != Some(&b'}') {
            return Err("the flow mapping does not end where fleetpin expects".to_owned());
        }
        let mut out = String::new();
        for (i, (k, v)) in add.iter().enumerate() {
            if i > 0 || !entries.is_empty() {
                out.push_str(", ");
            }
            out.push_str(&format!("{k}: {v}"));
        }
        return Ok((close..close, out));
    }
    let Some((first_key, _)) = entries.first() else {
        return Err("an empty block mapping".to_owned());
    };
    let line_start = text[..first_key.span.start]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let indent = &text[line_start..first_key.span.start];
    if !indent.chars().all(|c| c == ' ' || c == '-') {
        return Err("the mapping's keys are not indented with spaces only".to_owned());
    }
    // A mapping that is a list item (`- name: x`) continues at the key's column.
    let indent = " ".repeat(indent.len());
    let last_end = entries
        .iter()
        .map(|(_, v)| v.span.end)
        .max()
        .unwrap_or(first_key.span.end);
    // Back over line breaks a block value's span may end after.
    let mut last_end = last_end;
    while last_end > 0 && matches!(text.as_bytes()[last_end - 1], b'\n' | b'\r' | b' ') {
        last_end -= 1;
    }
    let end = text[last_end..]
        .find('\n')
        .map_or(text.len(), |i| last_end + i);
    let at = if end > 0 && text.as_bytes()[end - 1] == b'\r' {
        end - 1
    } else {
        end
    };
    let mut out = String::new();
    for (k, v) in add {
        out.push_str(&format!("{nl}{indent}{k}: {v}"));
    }
    Ok((at..at, out))
}

/// Checks a group's vars file after the change: one document (or none before), everything
/// outside `fleetpin_versions` unchanged, and the map holding `expect` (the whole map when it
/// is new; otherwise the old entries plus the wanted ones).
pub fn verify_vars(
    before: &str,
    after: &str,
    expect: &BTreeMap<String, String>,
    whole_map: bool,
) -> Result<(), String> {
    let a =
        fleetpin_yaml::parse(before).map_err(|e| format!("the original does not parse: {e}"))?;
    let b = fleetpin_yaml::parse(after).map_err(|e| format!("the result would not parse: {e}"))?;
    let strip =
        |docs: &[fleetpin_yaml::Document]| -> (Vec<String>, Option<BTreeMap<String, String>>) {
            let mut rest = Vec::new();
            let mut map = None;
            for d in docs {
                match &d.root.kind {
                    NodeKind::Map(entries) => {
                        for (k, v) in entries {
                            if k.as_str() == Some(ANSIBLE_VAR) {
                                map = Some(flat(v));
                            } else {
                                rest.push(format!("{:?}={}", k.as_str(), shape(v)));
                            }
                        }
                    }
                    NodeKind::Null => {}
                    _ => rest.push(shape(&d.root)),
                }
            }
            (rest, map)
        };
    let (rest_a, map_a) = strip(&a);
    let (rest_b, map_b) = strip(&b);
    if rest_a != rest_b {
        return Err("something besides `fleetpin_versions` would change".to_owned());
    }
    let Some(map_b) = map_b else {
        return Err(format!("`{ANSIBLE_VAR}` would not be set"));
    };
    let mut wanted = match (whole_map, map_a) {
        (true, None) => BTreeMap::new(),
        (false, Some(old)) => old,
        _ => {
            return Err(format!(
                "`{ANSIBLE_VAR}` was not where fleetpin expected it"
            ));
        }
    };
    wanted.extend(expect.iter().map(|(k, v)| (k.clone(), v.clone())));
    if map_b != wanted {
        return Err(format!(
            "`{ANSIBLE_VAR}` would not hold exactly the locked versions"
        ));
    }
    Ok(())
}

fn flat(n: &Node) -> BTreeMap<String, String> {
    match &n.kind {
        NodeKind::Map(entries) => entries
            .iter()
            .map(|(k, v)| (k.as_str().unwrap_or("").to_owned(), shape(v)))
            .collect(),
        _ => BTreeMap::from([(String::new(), shape(n))]),
    }
}

/// A comparable rendering of a node's value.
fn shape(n: &Node) -> String {
    match &n.kind {
        NodeKind::Null => "~".to_owned(),
        NodeKind::Scalar(s) => s.value.clone(),
        NodeKind::Seq(items) => format!(
            "[{}]",
            items.iter().map(shape).collect::<Vec<_>>().join(", ")
        ),
        NodeKind::Map(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(k, v)| format!("{}: {}", shape(k), shape(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
