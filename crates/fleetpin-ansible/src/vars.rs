//! Variable resolution: which value a `{{ template }}` takes on the hosts a task runs on, and
//! where that value was set.
//!
//! A [`Scope`] is a stack of variable sources ordered by Ansible's documented precedence
//! ("Understanding variable precedence", lowest first — see [`Level`]). Sources that only apply
//! to some hosts (`group_vars/<group>`, `host_vars/<host>`), alternative inventories
//! (`inventories/prod` vs `inventories/staging`) and alternative including plays make a value
//! [`Resolution::Multiple`]: every candidate is returned, with its origins, so a rule can judge
//! the worst. Host-specific sources reach only the hosts the including play targets, when
//! the project's inventory tells ([`crate::targets`]). A value fleetpin cannot determine is
//! [`Resolution::Unresolved`] — never pinned.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use fleetpin_yaml::{Node, NodeKind};

use crate::inventory::Target;
pub use crate::jinja::Origin;
use crate::jinja::{self, Env, Failure, Outcome, Value};
use crate::targets::Targets;

/// Precedence levels, lowest first (Ansible's "Understanding variable precedence" list; the
/// levels fleetpin cannot see statically — command-line values, facts, registered vars, extra
/// vars — are absent and make a variable unresolved instead; a role's `set_fact` values are
/// candidates, see [`Level::SetFact`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// `roles/X/defaults/main.yml` (and dependencies' defaults).
    RoleDefaults,
    /// Group variables written in an inventory file (`[group:vars]`, YAML `vars:`).
    InventoryFileGroup,
    /// `group_vars/all` next to an inventory.
    InventoryGroupAll,
    /// `group_vars/all` next to the playbook.
    PlaybookGroupAll,
    /// `group_vars/<group>` next to an inventory (applies to that group's hosts only).
    InventoryGroup,
    /// `group_vars/<group>` next to the playbook.
    PlaybookGroup,
    /// Host variables written in an inventory file (INI host line, YAML `hosts:` entry).
    InventoryFileHost,
    /// `host_vars/<host>` next to an inventory.
    InventoryHost,
    /// `host_vars/<host>` next to the playbook.
    PlaybookHost,
    /// The play's `vars:`.
    PlayVars,
    /// The play's `vars_files:`.
    PlayVarsFiles,
    /// `roles/X/vars/main.yml`.
    RoleVars,
    /// A block's `vars:`.
    BlockVars,
    /// The task's `vars:`.
    TaskVars,
    /// Variables loaded by an earlier `include_vars` task of the same file.
    IncludeVars,
    /// A `set_fact` task of the same role (any task file of it): a candidate value next to
    /// the lower levels, since the task may not run (`when:`), never replacing them.
    SetFact,
    /// Role parameters (`roles: [{role: x, param: v}]`, `include_role` `vars`).
    RoleParams,
    /// Parameters of an include (`include_tasks` with `vars:`).
    IncludeParams,
    /// A loop variable bound by the caller (`item`).
    Loop,
}

impl Level {
    /// A short description for messages: "role defaults", "group_vars", "play vars", ...
    pub fn describe(self) -> &'static str {
        match self {
            Level::RoleDefaults => "role defaults",
            Level::InventoryFileGroup => "inventory group vars",
            Level::InventoryFileHost => "inventory host vars",
            Level::InventoryGroupAll | Level::PlaybookGroupAll => "group_vars/all",
            Level::InventoryGroup | Level::PlaybookGroup => "group_vars",
            Level::InventoryHost | Level::PlaybookHost => "host_vars",
            Level::PlayVars => "play vars",
            Level::PlayVarsFiles => "vars_files",
            Level::RoleVars => "role vars",
            Level::BlockVars => "block vars",
            Level::TaskVars => "task vars",
            Level::IncludeVars => "include_vars",
            Level::SetFact => "set_fact",
            Level::RoleParams => "role parameters",
            Level::IncludeParams => "include parameters",
            Level::Loop => "loop item",
        }
    }
}

/// Variables from one source (a vars file, a `vars:` mapping), with the file they were
/// written in. Spans of the value nodes are byte ranges in that file.
#[derive(Debug, Clone, PartialEq)]
pub struct VarsSource {
    /// The file the variables were written in.
    pub path: Arc<Path>,
    /// Variable name → value node (last definition wins, as in YAML loading).
    pub vars: HashMap<String, Node>,
}

impl VarsSource {
    /// Variables of a YAML mapping (non-mappings give no variables).
    pub fn from_map(path: Arc<Path>, map: &Node) -> Self {
        let vars = map
            .entries()
            .map(|(k, _, v)| (k.to_string(), v.clone()))
            .collect();
        VarsSource { path, vars }
    }

    /// Variables of several `(name, value)` pairs (role parameters).
    pub fn from_pairs<'a>(
        path: Arc<Path>,
        pairs: impl IntoIterator<Item = (&'a str, &'a Node)>,
    ) -> Self {
        let vars = pairs
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        VarsSource { path, vars }
    }
}

/// One layer of a [`Scope`].
#[derive(Debug, Clone)]
pub struct Layer {
    /// Precedence level.
    pub level: Level,
    /// Whether the layer applies only to some hosts (a group other than `all`, a host).
    pub conditional: bool,
    /// The group or host a conditional layer is set for (`group_vars/<group>`, an inventory's
    /// `[group:vars]`, `host_vars/<host>`): when the hosts the including play targets are
    /// known, the layer is dropped unless one of them is in that group or is that host.
    pub target: Option<Target>,
    /// Which inventory the layer belongs to (`None`: every inventory).
    pub env: Option<u32>,
    /// Which including play the layer belongs to (`None`: every play).
    pub alt: Option<u32>,
    /// The variables.
    pub source: Arc<VarsSource>,
}

/// A loop variable (or any caller-supplied variable) with its value and origins.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    /// Variable name (`item`, or the `loop_control.loop_var`).
    pub name: String,
    /// Its value.
    pub value: Value,
    /// Where the value came from (empty for a literal item in the task itself).
    pub origins: Vec<Origin>,
}

/// The outcome of resolving a string.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    /// The string has no template: its value is itself.
    Literal(String),
    /// One value on every host, with the variables that produced it (outermost first).
    Resolved {
        /// The value (a list stays a list when the template is a single expression).
        value: Value,
        /// Where each variable involved was set.
        origins: Vec<Origin>,
    },
    /// Different hosts, inventories or including plays get different values: every candidate
    /// (each `Resolved` or `Unresolved`, never `Multiple` or `Literal`).
    Multiple(Vec<Resolution>),
    /// fleetpin cannot tell the value: undefined variables (facts, extra vars, `set_fact`,
    /// registered results, vault files) or Jinja outside the supported subset.
    Unresolved {
        /// Variables that are not defined in any source fleetpin reads.
        missing: Vec<String>,
        /// The template that could not be resolved.
        expr: String,
        /// The unsupported construct, if that is the reason (`filter \`regex_replace\``).
        unsupported: Option<String>,
    },
}

impl Resolution {
    /// Every candidate as `(value, origins)`; `None` as value for unresolved candidates.
    /// A literal is one candidate with no origins.
    pub fn candidates(&self) -> Vec<(Option<Value>, &[Origin])> {
        match self {
            Resolution::Literal(s) => vec![(Some(Value::Str(s.clone())), &[][..])],
            Resolution::Resolved { value, origins } => vec![(Some(value.clone()), origins)],
            Resolution::Multiple(items) => items.iter().flat_map(Resolution::candidates).collect(),
            Resolution::Unresolved { .. } => vec![(None, &[][..])],
        }
    }

    /// The single value when there is exactly one (literal or resolved).
    pub fn value(&self) -> Option<Value> {
        match self {
            Resolution::Literal(s) => Some(Value::Str(s.clone())),
            Resolution::Resolved { value, .. } => Some(value.clone()),
            _ => None,
        }
    }

    /// Whether some candidate could not be resolved.
    pub fn has_unresolved(&self) -> bool {
        match self {
            Resolution::Unresolved { .. } => true,
            Resolution::Multiple(items) => items.iter().any(Resolution::has_unresolved),
            _ => false,
        }
    }

    fn from_outcomes(expr: &str, outcomes: Vec<Outcome>) -> Resolution {
        let mut items: Vec<Resolution> = outcomes
            .into_iter()
            .map(|o| match o {
                Ok((value, origins)) => Resolution::Resolved { value, origins },
                Err(Failure::Missing(missing)) => Resolution::Unresolved {
                    missing,
                    expr: expr.to_string(),
                    unsupported: None,
                },
                Err(Failure::Unsupported(what)) => Resolution::Unresolved {
                    missing: Vec::new(),
                    expr: expr.to_string(),
                    unsupported: Some(what),
                },
            })
            .collect();
        match items.len() {
            0 => Resolution::Unresolved {
                missing: Vec::new(),
                expr: expr.to_string(),
                unsupported: None,
            },
            1 => items.remove(0),
            _ => Resolution::Multiple(items),
        }
    }
}

/// An inventory alternative (`env`) and an including play (`alt`); `None` for "every" / "the only".
type World = (Option<u32>, Option<u32>);

/// The variables visible at some point of a project: layers in precedence order plus loop
/// bindings. Cheap to clone (layers are shared).
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Shared between clones until one of them adds a layer: a task's scope is its file's
    /// scope plus, for a few tasks, their `vars:` (copying thousands of layers per task was
    /// a fifth of a kubespray lint, in the allocator).
    layers: Arc<Vec<Layer>>,
    bindings: Vec<Binding>,
    /// What the play targets, per (layer inventory, including play); absent: unknown.
    targets: Arc<HashMap<World, Targets>>,
    /// Including plays declared even when they add no layer (each is a world of its own).
    alts: Vec<u32>,
    /// Layers consulted only for a variable no layer of `layers` defines (see
    /// [`Scope::push_fallback`]).
    fallback: Arc<Vec<Layer>>,
    /// Lookups already evaluated in this scope.
    memo: Memo,
}

/// The outcomes of each variable looked up in a [`Scope`], so a value reached through many
/// paths (a fact set in several task files, read by templates that read each other) is
/// evaluated once per scope, not once per path: without it, evaluation time grows with the
/// number of paths, exponentially in the nesting depth (debops: minutes). Any change to the
/// scope clears it; a clone starts empty.
#[derive(Debug, Default)]
struct Memo(std::sync::Mutex<HashMap<String, Vec<Outcome>>>);

impl Clone for Memo {
    fn clone(&self) -> Self {
        Memo::default()
    }
}

impl Memo {
    fn clear(&mut self) {
        self.0.get_mut().unwrap_or_else(|e| e.into_inner()).clear();
    }

    fn get(&self, name: &str) -> Option<Vec<Outcome>> {
        self.0.lock().ok()?.get(name).cloned()
    }

    fn put(&self, name: &str, outs: &[Outcome]) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(name.to_string(), outs.to_vec());
        }
    }
}

impl Scope {
    /// An empty scope.
    pub fn new() -> Self {
        Scope::default()
    }

    /// The layers, lowest precedence first.
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// Add a layer. Within one level, later layers win.
    pub fn push(&mut self, layer: Layer) {
        // Keep precedence order, equal levels in push order: insert after the last layer of
        // the same or a lower level (what a stable sort after each push gave, without
        // re-sorting every layer per push).
        self.memo.clear();
        let at = self.layers.partition_point(|l| l.level <= layer.level);
        Arc::make_mut(&mut self.layers).insert(at, layer);
    }

    /// Add a layer that is consulted only for variables no other layer defines: what a role
    /// sets at run time (`set_fact`, `include_vars` of another task file). A variable the
    /// static sources define keeps their values (as before), and one only run-time tasks set
    /// is resolved through them instead of being unresolved. Keeping them out of the ordinary
    /// precedence bounds the candidates: roles that `set_fact` over their own defaults (debops
    /// does, widely) would multiply every lookup's alternatives.
    pub fn push_fallback(&mut self, layer: Layer) {
        self.memo.clear();
        let at = self.fallback.partition_point(|l| l.level <= layer.level);
        Arc::make_mut(&mut self.fallback).insert(at, layer);
    }

    /// Declare an including play (an alternative), so it is a world of its own even when it
    /// adds no layer.
    pub(crate) fn declare_alt(&mut self, alt: u32) {
        self.memo.clear();
        if !self.alts.contains(&alt) {
            self.alts.push(alt);
        }
    }

    /// Record what the play `alt` (`None`: the scope's only play) targets in the inventories
    /// of layers with `env` (`None`: layers that apply with every inventory).
    pub(crate) fn set_targets(&mut self, env: Option<u32>, alt: Option<u32>, targets: Targets) {
        self.memo.clear();
        Arc::make_mut(&mut self.targets).insert((env, alt), targets);
    }

    /// What the play(s) of this scope target, per (inventory of the layer, including play),
    /// where known. A layer with a [`Layer::target`] no targeted host matches is ignored.
    pub fn targets(&self) -> impl Iterator<Item = (Option<u32>, Option<u32>, &Targets)> {
        self.targets.iter().map(|((e, a), t)| (*e, *a, t))
    }

    /// Whether `layer` reaches some host of play `alt` (true when unknown).
    fn reaches(&self, layer: &Layer, alt: Option<u32>) -> bool {
        let Some(target) = &layer.target else {
            return true;
        };
        self.targets
            .get(&(layer.env, alt))
            .is_none_or(|t| t.contains(target))
    }

    /// Add an unconditional layer from a `vars:` mapping at `level`.
    pub fn push_map(&mut self, level: Level, path: &Arc<Path>, map: &Node) {
        if map.is_map() {
            self.push(Layer {
                level,
                conditional: false,
                target: None,
                env: None,
                alt: None,
                source: Arc::new(VarsSource::from_map(path.clone(), map)),
            });
        }
    }

    /// This scope with a task's block and task `vars:` added (`path` is the task's file).
    pub fn with_task(&self, task: &crate::task::Task<'_>, path: &Arc<Path>) -> Scope {
        let mut scope = self.clone();
        let n = task.vars.len();
        for (i, vars) in task.vars.iter().enumerate() {
            // The last entry is the task's own `vars:` when the task has one.
            let own = i + 1 == n
                && task
                    .node
                    .get("vars")
                    .is_some_and(|v| std::ptr::eq(v, *vars));
            let level = if own {
                Level::TaskVars
            } else {
                Level::BlockVars
            };
            scope.push_map(level, path, vars);
        }
        scope
    }

    /// This scope with loop (or other caller-supplied) variables bound; they beat every layer.
    pub fn with_bindings(&self, bindings: impl IntoIterator<Item = Binding>) -> Scope {
        let mut scope = self.clone();
        for b in bindings {
            scope.bindings.retain(|x| x.name != b.name);
            scope.bindings.push(b);
        }
        scope
    }

    /// Resolve a string that may contain Jinja templates.
    pub fn resolve(&self, s: &str) -> Resolution {
        if !jinja::has_template(s) {
            return Resolution::Literal(s.to_string());
        }
        Resolution::from_outcomes(s, jinja::eval_template(s, self, 0))
    }

    /// Resolve a YAML value: strings as [`Scope::resolve`]; lists element by element (a
    /// list of literals is `Literal`-free: it resolves to a [`Value::List`] with no origins).
    pub fn resolve_node(&self, node: &Node) -> Resolution {
        match &node.kind {
            NodeKind::Scalar(s) => self.resolve(&s.value),
            _ => {
                let label = node.as_str().unwrap_or("<value>").to_string();
                Resolution::from_outcomes(&label, self.eval_node(node, 0))
            }
        }
    }

    /// The value of variable `name`.
    pub fn lookup_var(&self, name: &str) -> Resolution {
        let outs = self.lookup(name, 0);
        if outs.is_empty() {
            return Resolution::Unresolved {
                missing: vec![name.to_string()],
                expr: format!("{{{{ {name} }}}}"),
                unsupported: None,
            };
        }
        Resolution::from_outcomes(name, outs)
    }

    /// Whether any layer defines `name` (bindings included).
    pub fn defines(&self, name: &str) -> bool {
        self.bindings.iter().any(|b| b.name == name)
            || self.layers.iter().any(|l| l.source.vars.contains_key(name))
    }

    /// Resolve a string of a task's argument, expanding the task's loop when the string reads
    /// the loop variable: one entry per loop item, with the item's span when the item is
    /// written in the task itself (`with_items: [docker-ce, ...]`). Strings that do not read
    /// the loop variable give one entry with no span.
    ///
    /// This is the one call a rule needs for `name: "{{ item }}"`, `state: "{{ docker_state }}"`
    /// and `name: "docker-ce={{ docker_version }}"` alike.
    pub fn resolve_in_task(
        &self,
        task: &crate::task::Task<'_>,
        text: &str,
    ) -> Vec<(Resolution, Option<std::ops::Range<usize>>)> {
        if !jinja::has_template(text) {
            return vec![(Resolution::Literal(text.to_string()), None)];
        }
        let Some(lp) = &task.loop_ else {
            return vec![(self.resolve(text), None)];
        };
        let mut reads = Vec::new();
        for part in jinja::parse_template(text) {
            if let jinja::Part::Expr(e, _) = part {
                e.variables(&mut reads);
            }
        }
        if !reads.contains(&lp.loop_var) {
            return vec![(self.resolve(text), None)];
        }
        let mut out = Vec::new();
        for (item, span) in self.loop_items(lp) {
            let (value, origins) = match &item {
                Resolution::Literal(s) => (Value::Str(s.clone()), Vec::new()),
                Resolution::Resolved { value, origins } => (value.clone(), origins.clone()),
                Resolution::Multiple(_) | Resolution::Unresolved { .. } => {
                    out.push((item, span));
                    continue;
                }
            };
            let scope = self.with_bindings([Binding {
                name: lp.loop_var.clone(),
                value,
                origins,
            }]);
            out.push((scope.resolve(text), span));
        }
        out
    }

    /// The items a loop iterates, each with its value and origins: literal list items (their
    /// templates resolved), or the list a templated loop value resolves to. Items that stay
    /// unresolved are returned as [`Resolution::Unresolved`] entries.
    pub fn loop_items(
        &self,
        lp: &crate::task::Loop<'_>,
    ) -> Vec<(Resolution, Option<std::ops::Range<usize>>)> {
        if let Some(items) = lp.literal_items() {
            return items
                .into_iter()
                .map(|item| (self.resolve_node(item), Some(item.value_span())))
                .collect();
        }
        if !lp.is_list_loop() {
            return vec![(
                Resolution::Unresolved {
                    missing: Vec::new(),
                    expr: lp.keyword.clone(),
                    unsupported: Some(format!("`{}` loops", lp.keyword)),
                },
                None,
            )];
        }
        let res = self.resolve_node(lp.value);
        let mut out = Vec::new();
        fn push_list(
            out: &mut Vec<(Resolution, Option<std::ops::Range<usize>>)>,
            value: &Value,
            origins: &[Origin],
        ) {
            let items = match value {
                Value::List(items) => items.clone(),
                other => vec![other.clone()],
            };
            for item in items {
                out.push((
                    Resolution::Resolved {
                        value: item,
                        origins: origins.to_vec(),
                    },
                    None,
                ));
            }
        }
        match &res {
            Resolution::Resolved { value, origins } => push_list(&mut out, value, origins),
            Resolution::Multiple(items) => {
                for item in items {
                    match item {
                        Resolution::Resolved { value, origins } => {
                            push_list(&mut out, value, origins);
                        }
                        other => out.push((other.clone(), None)),
                    }
                }
            }
            Resolution::Literal(s) => out.push((Resolution::Literal(s.clone()), None)),
            Resolution::Unresolved { .. } => out.push((res.clone(), None)),
        }
        out
    }

    /// Evaluate a node: templates in strings (also inside lists) are resolved.
    fn eval_node(&self, node: &Node, depth: usize) -> Vec<Outcome> {
        match &node.kind {
            NodeKind::Scalar(s) if jinja::has_template(&s.value) => {
                jinja::eval_template(&s.value, self, depth)
            }
            NodeKind::Seq(items) if items.iter().any(|i| Value::from_node(i).has_template()) => {
                let mut acc: Vec<Outcome> = vec![Ok((Value::List(Vec::new()), Vec::new()))];
                for item in items {
                    let outs = self.eval_node(item, depth);
                    let mut next = Vec::new();
                    for a in &acc {
                        for b in &outs {
                            let r = match (a, b) {
                                (Ok((Value::List(l), oa)), Ok((v, ob))) => {
                                    let mut l = l.clone();
                                    l.push(v.clone());
                                    let mut o = oa.clone();
                                    o.extend(ob.iter().filter(|x| !oa.contains(x)).cloned());
                                    Ok((Value::List(l), o))
                                }
                                (Err(e), _) | (_, Err(e)) => Err(e.clone()),
                                (Ok(_), Ok(_)) => continue,
                            };
                            if next.len() < jinja::MAX_OUTCOMES && !next.contains(&r) {
                                next.push(r);
                            }
                        }
                    }
                    acc = next;
                }
                acc
            }
            _ => vec![Ok((Value::from_node(node), Vec::new()))],
        }
    }

    fn worlds(&self) -> Vec<(Option<u32>, Option<u32>)> {
        let mut envs: Vec<Option<u32>> = Vec::new();
        let mut alts: Vec<Option<u32>> = Vec::new();
        for l in self.layers.iter() {
            if l.env.is_some() && !envs.contains(&l.env) {
                envs.push(l.env);
            }
            if l.alt.is_some() && !alts.contains(&l.alt) {
                alts.push(l.alt);
            }
        }
        for a in &self.alts {
            if !alts.contains(&Some(*a)) {
                alts.push(Some(*a));
            }
        }
        if envs.is_empty() {
            envs.push(None);
        }
        if alts.is_empty() {
            alts.push(None);
        }
        let mut worlds = Vec::new();
        for e in &envs {
            for a in &alts {
                worlds.push((*e, *a));
            }
        }
        worlds
    }
}

impl Env for Scope {
    fn lookup(&self, name: &str, depth: usize) -> Vec<Outcome> {
        if let Some(b) = self.bindings.iter().rev().find(|b| b.name == name) {
            return vec![Ok((b.value.clone(), b.origins.clone()))];
        }
        if let Some(outs) = self.memo.get(name) {
            return outs;
        }
        let outs = self.lookup_layers(name, depth);
        // A result cut by the nesting limit depends on where the lookup started: not kept.
        let cut = outs
            .iter()
            .any(|o| matches!(o, Err(Failure::Unsupported(m)) if m.contains("nested more than")));
        if !cut {
            self.memo.put(name, &outs);
        }
        outs
    }
}

impl Scope {
    fn lookup_layers(&self, name: &str, depth: usize) -> Vec<Outcome> {
        let mut defs: Vec<&Layer> = self
            .layers
            .iter()
            .filter(|l| l.source.vars.contains_key(name))
            .collect();
        if defs.is_empty() {
            defs = self
                .fallback
                .iter()
                .filter(|l| l.source.vars.contains_key(name))
                .collect();
        }
        if defs.is_empty() {
            return Vec::new();
        }
        // Which definitions win, per inventory × including play.
        let mut chosen: Vec<&Layer> = Vec::new();
        let mut undefined_somewhere = false;
        for (env, alt) in self.worlds() {
            let applicable: Vec<&&Layer> = defs
                .iter()
                .filter(|l| {
                    (l.env.is_none() || l.env == env)
                        && (l.alt.is_none() || l.alt == alt)
                        && self.reaches(l, alt)
                })
                .collect();
            let base = applicable.iter().rev().find(|l| !l.conditional);
            let base_level = base.map(|l| l.level);
            if let Some(b) = base {
                push_layer(&mut chosen, b);
            }
            let mut any = base.is_some();
            for l in &applicable {
                // `>=`: an inventory file's `[group:vars]` beat its `[all:vars]` (same level).
                if l.conditional && base_level.is_none_or(|bl| l.level >= bl) {
                    push_layer(&mut chosen, l);
                    any = true;
                }
            }
            undefined_somewhere |= !any;
        }
        let mut outs: Vec<Outcome> = Vec::new();
        for layer in chosen {
            let Some(node) = layer.source.vars.get(name) else {
                continue;
            };
            let origin = Origin {
                var: name.to_string(),
                path: layer.source.path.clone(),
                span: node.value_span(),
                level: layer.level,
            };
            for o in self.eval_node(node, depth + 1) {
                let o = o.map(|(v, mut origins)| {
                    origins.insert(0, origin.clone());
                    (v, origins)
                });
                if outs.len() < jinja::MAX_OUTCOMES && !outs.iter().any(|x| same_value(x, &o)) {
                    outs.push(o);
                }
            }
        }
        if undefined_somewhere && outs.len() < jinja::MAX_OUTCOMES {
            outs.push(Err(Failure::Missing(vec![name.to_string()])));
        }
        outs
    }
}

fn push_layer<'a>(chosen: &mut Vec<&'a Layer>, l: &'a Layer) {
    if !chosen.iter().any(|c| std::ptr::eq(*c, l)) {
        chosen.push(l);
    }
}

fn same_value(a: &Outcome, b: &Outcome) -> bool {
    match (a, b) {
        (Ok((va, _)), Ok((vb, _))) => va == vb,
        (Err(ea), Err(eb)) => ea == eb,
        _ => false,
    }
}
