//! Tasks: the module call with its merged arguments, loops, conditions and the block context
//! they inherit.

use std::ops::Range;

use fleetpin_yaml::{Node, NodeKind};

use crate::kv;
use crate::module::{self, IncludeKind, ModuleInfo, ModuleKind};

/// Keywords of a task (and of the blocks around it) — every other key of a task mapping is the
/// module. From Ansible's `Task`, `Block`, `Base`, `Conditional`, `Taggable`, `Become`,
/// `Notifiable`, `Delegatable` and `CollectionSearch` attributes.
pub const TASK_KEYWORDS: &[&str] = &[
    "action",
    "always",
    "any_errors_fatal",
    "args",
    "async",
    "become",
    "become_exe",
    "become_flags",
    "become_method",
    "become_user",
    "block",
    "changed_when",
    "check_mode",
    "collections",
    "connection",
    "debugger",
    "delay",
    "delegate_facts",
    "delegate_to",
    "diff",
    "environment",
    "failed_when",
    "ignore_errors",
    "ignore_unreachable",
    "listen",
    "local_action",
    "loop",
    "loop_control",
    "module_defaults",
    "name",
    "no_log",
    "notify",
    "poll",
    "port",
    "register",
    "remote_user",
    "rescue",
    "retries",
    "run_once",
    "tags",
    "throttle",
    "timeout",
    "until",
    "vars",
    "when",
];

/// Whether `key` is a task keyword (including any `with_<lookup>` loop).
pub fn is_task_keyword(key: &str) -> bool {
    TASK_KEYWORDS.contains(&key) || key.starts_with("with_")
}

/// The module a task calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// The name as written in the source (`apt`, `ansible.legacy.apt`, ...).
    pub written: String,
    /// The canonical FQCN (see [`module::normalize`]).
    pub fqcn: String,
    /// The last component of the FQCN (`apt`).
    pub short: String,
    /// Byte range of the module name in the source (the task key, or the word in `action:`).
    pub span: Range<usize>,
    /// What fleetpin knows about the module, if anything.
    pub info: Option<&'static ModuleInfo>,
}

impl Module {
    fn new(written: &str, span: Range<usize>) -> Self {
        let fqcn = module::normalize(written);
        let info = module::info(&fqcn);
        Module {
            written: written.to_string(),
            short: module::short_name(&fqcn).to_string(),
            fqcn,
            span,
            info,
        }
    }

    /// What the module does ([`ModuleKind::Other`] for unknown modules too).
    pub fn kind(&self) -> ModuleKind {
        self.info.map_or(ModuleKind::Other, |i| i.kind)
    }
}

/// Where an argument came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgOrigin {
    /// The module's mapping: `apt: {name: x}`.
    Dict,
    /// A free-form `key=value` string: `apt: name=x state=latest`.
    FreeForm,
    /// The task's `args:` mapping (overridden by the module's own arguments, as in Ansible).
    ArgsKeyword,
}

/// An argument value: a YAML node, or a piece of a free-form string.
#[derive(Debug, Clone, PartialEq)]
pub enum ArgValue<'a> {
    /// A value from a mapping.
    Node(&'a Node),
    /// A value from a `key=value` string.
    FreeForm {
        /// The value, unquoted.
        value: String,
        /// Byte range of the value in the source file, when the scalar is written verbatim
        /// (see [`fleetpin_yaml::Scalar::source_range`]); otherwise the scalar's span.
        span: Range<usize>,
        /// The scalar that holds the free-form string.
        scalar: &'a Node,
        /// Byte offset of the value within the scalar's value.
        offset: usize,
    },
}

impl<'a> ArgValue<'a> {
    /// The value as a string (scalars and free-form values; `None` for null, lists, maps).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            ArgValue::Node(n) => n.as_str(),
            ArgValue::FreeForm { value, .. } => Some(value),
        }
    }

    /// Ansible truthiness (see [`fleetpin_yaml::Node::as_bool`]).
    pub fn as_bool(&self) -> Option<bool> {
        self.as_str().and_then(fleetpin_yaml::parse_bool)
    }

    /// The node, for values from a mapping.
    pub fn node(&self) -> Option<&'a Node> {
        match self {
            ArgValue::Node(n) => Some(n),
            ArgValue::FreeForm { .. } => None,
        }
    }

    /// Byte range of the value in the source (without quotes for scalars).
    pub fn span(&self) -> Range<usize> {
        match self {
            ArgValue::Node(n) => n.value_span(),
            ArgValue::FreeForm { span, .. } => span.clone(),
        }
    }

    /// Whether the value is null (`name:` with nothing).
    pub fn is_null(&self) -> bool {
        matches!(self, ArgValue::Node(n) if n.is_null())
    }

    /// The list items of the value: a YAML sequence's items as strings with spans, or a
    /// comma-separated string split on commas (Ansible accepts `name: a,b` for list
    /// arguments). Non-string items are skipped.
    pub fn list_items(&self, src: &str) -> Vec<(String, Range<usize>)> {
        match self {
            ArgValue::Node(n) => match &n.kind {
                NodeKind::Seq(items) => items
                    .iter()
                    .filter_map(|i| i.as_str().map(|s| (s.to_string(), i.value_span())))
                    .collect(),
                NodeKind::Scalar(s) => split_commas(&s.value)
                    .map(|r| {
                        let span = map_range(n, src, 0, &r);
                        (s.value[r].trim().to_string(), span)
                    })
                    .collect(),
                _ => Vec::new(),
            },
            ArgValue::FreeForm {
                value,
                scalar,
                offset,
                ..
            } => split_commas(value)
                .map(|r| {
                    let span = map_range(scalar, src, *offset, &r);
                    (value[r].trim().to_string(), span)
                })
                .collect(),
        }
    }
}

/// Ranges of comma-separated, trimmed, non-empty parts — but a template (`{{ a, b }}`)
/// is never split.
fn split_commas(s: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut parts = Vec::new();
    if s.contains("{{") || s.contains("{%") {
        parts.push(0..s.len());
    } else {
        let mut start = 0;
        for (i, c) in s.char_indices() {
            if c == ',' {
                parts.push(start..i);
                start = i + 1;
            }
        }
        parts.push(start..s.len());
    }
    parts.into_iter().filter_map(move |r| {
        let part = &s[r.clone()];
        let lead = part.len() - part.trim_start().len();
        let trimmed = part.trim();
        (!trimmed.is_empty()).then(|| r.start + lead..r.start + lead + trimmed.len())
    })
}

/// Map a range of a scalar's value (offset by `base`) to a source range.
fn map_range(scalar: &Node, src: &str, base: usize, r: &Range<usize>) -> Range<usize> {
    match scalar.as_scalar() {
        Some(s) => s.source_range(src, base + r.start..base + r.end),
        None => scalar.span.clone(),
    }
}

/// One module argument.
#[derive(Debug, Clone, PartialEq)]
pub struct Arg<'a> {
    /// The argument name (`name`, `state`, `_raw_params` for a free-form command line).
    pub key: String,
    /// Byte range of the key in the source.
    pub key_span: Range<usize>,
    /// The value.
    pub value: ArgValue<'a>,
    /// Where it came from.
    pub origin: ArgOrigin,
}

/// A task's loop (`loop:` or `with_<lookup>:`).
#[derive(Debug, Clone, PartialEq)]
pub struct Loop<'a> {
    /// The keyword: `loop`, `with_items`, `with_list`, ...
    pub keyword: String,
    /// Byte range of the keyword.
    pub key_span: Range<usize>,
    /// The loop's value: a list literal or a template such as `"{{ packages }}"`.
    pub value: &'a Node,
    /// The loop variable (`loop_control.loop_var`, default `item`).
    pub loop_var: String,
}

impl<'a> Loop<'a> {
    /// The items of a literal list, as Ansible iterates them: `with_items` flattens one level
    /// of nested lists, `loop`/`with_list` do not. `None` when the value is not a list
    /// (a template, or a lookup this model does not expand).
    pub fn literal_items(&self) -> Option<Vec<&'a Node>> {
        let items = self.value.as_seq()?;
        if !matches!(self.keyword.as_str(), "loop" | "with_items" | "with_list") {
            return None;
        }
        if self.keyword == "with_items" {
            let mut out = Vec::new();
            for item in items {
                match item.as_seq() {
                    Some(inner) => out.extend(inner.iter()),
                    None => out.push(item),
                }
            }
            Some(out)
        } else {
            Some(items.iter().collect())
        }
    }

    /// Whether the loop iterates a plain list (so `{{ item }}` is each element).
    pub fn is_list_loop(&self) -> bool {
        matches!(
            self.keyword.as_str(),
            "loop" | "with_items" | "with_list" | "with_flattened"
        )
    }
}

/// Which section of a block a task sits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockSection {
    /// `block:`
    Block,
    /// `rescue:`
    Rescue,
    /// `always:`
    Always,
}

/// A block enclosing a task.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockFrame<'a> {
    /// The block's mapping (with its `vars`, `when`, `become`, ...).
    pub node: &'a Node,
    /// The section of the block the task (or inner block) is in.
    pub section: BlockSection,
}

/// A task, with the context it inherits from enclosing blocks.
#[derive(Debug, Clone, PartialEq)]
pub struct Task<'a> {
    /// The task's mapping.
    pub node: &'a Node,
    /// The task's `name`, if any.
    pub name: Option<&'a Node>,
    /// The module call; `None` when no module key was found (a task with only keywords).
    pub module: Option<Module>,
    /// The module key's value as written (`apt:`'s mapping or free-form string), or the
    /// `action:`/`local_action:` value.
    pub module_value: Option<&'a Node>,
    /// Arguments, merged like Ansible: `args:` first, overridden by the module's own
    /// mapping or free-form pairs. One entry per key.
    pub args: Vec<Arg<'a>>,
    /// The loop, if any.
    pub loop_: Option<Loop<'a>>,
    /// `when` conditions: the enclosing blocks' first (outermost first), then the task's.
    pub when: Vec<&'a Node>,
    /// The effective `become` (the task's, else the innermost block's).
    pub become_: Option<&'a Node>,
    /// The task's `notify`.
    pub notify: Option<&'a Node>,
    /// `vars` mappings in precedence order, lowest first: outer block vars, inner block vars,
    /// then the task's own vars.
    pub vars: Vec<&'a Node>,
    /// Enclosing blocks, outermost first.
    pub blocks: Vec<BlockFrame<'a>>,
    /// Whether the task runs via `local_action` or `delegate_to` (not on the play's hosts).
    pub delegated: bool,
}

impl<'a> Task<'a> {
    /// The task's span in the source.
    pub fn span(&self) -> Range<usize> {
        self.node.span.clone()
    }

    /// The task's name text.
    pub fn name_str(&self) -> Option<&'a str> {
        self.name.and_then(|n| n.as_str())
    }

    /// The argument named `key`.
    pub fn arg(&self, key: &str) -> Option<&Arg<'a>> {
        self.args.iter().find(|a| a.key == key)
    }

    /// The first argument present among `keys` (a name and its aliases).
    pub fn arg_any(&self, keys: &[&str]) -> Option<&Arg<'a>> {
        keys.iter().find_map(|k| self.arg(k))
    }

    /// What the module does ([`ModuleKind::Other`] without a known module).
    pub fn kind(&self) -> ModuleKind {
        self.module.as_ref().map_or(ModuleKind::Other, Module::kind)
    }

    /// The free-form command line of `shell`/`command`/`raw`/... (`_raw_params`, else
    /// `cmd`/`argv`/`command` as the module defines).
    pub fn command_line(&self) -> Option<&Arg<'a>> {
        if let Some(a) = self.arg("_raw_params") {
            return Some(a);
        }
        match self.kind() {
            ModuleKind::Shell(s) => self.arg_any(s.cmd_args),
            _ => None,
        }
    }

    /// Whether this task is in a `rescue` or `always` section of some block.
    pub fn in_rescue_or_always(&self) -> bool {
        self.blocks.iter().any(|b| b.section != BlockSection::Block)
    }

    /// If the task includes or imports something, what and where.
    pub fn include(&self) -> Option<Include<'a>> {
        let module = self.module.as_ref()?;
        let ModuleKind::Include(kind) = module.kind() else {
            return None;
        };
        let target_keys: &[&str] = match kind {
            IncludeKind::IncludeRole | IncludeKind::ImportRole => &["name"],
            IncludeKind::IncludeVars => &["file", "_raw_params", "dir"],
            _ => &["file", "_raw_params"],
        };
        let target = self.arg_any(target_keys)?;
        let tasks_from = self
            .arg("tasks_from")
            .and_then(|a| a.value.as_str())
            .map(str::to_string);
        let vars_from = self
            .arg("vars_from")
            .and_then(|a| a.value.as_str())
            .map(str::to_string);
        let defaults_from = self
            .arg("defaults_from")
            .and_then(|a| a.value.as_str())
            .map(str::to_string);
        Some(Include {
            kind,
            target: target.value.as_str()?.trim().to_string(),
            span: target.value.span(),
            tasks_from,
            vars_from,
            defaults_from,
            node: self.node,
        })
    }
}

/// An include/import found in a task.
#[derive(Debug, Clone, PartialEq)]
pub struct Include<'a> {
    /// What kind of include.
    pub kind: IncludeKind,
    /// The target as written: a file path, or a role name. May contain templates.
    pub target: String,
    /// Byte range of the target.
    pub span: Range<usize>,
    /// `include_role`/`import_role` `tasks_from`.
    pub tasks_from: Option<String>,
    /// `include_role`/`import_role` `vars_from`.
    pub vars_from: Option<String>,
    /// `include_role`/`import_role` `defaults_from`.
    pub defaults_from: Option<String>,
    /// The including task's node.
    pub node: &'a Node,
}

impl Include<'_> {
    /// Whether the target contains a template (`{{ }}`): not statically resolvable without
    /// variables.
    pub fn is_templated(&self) -> bool {
        self.target.contains("{{") || self.target.contains("{%")
    }
}

/// A problem in the task structure (not a YAML error): what Ansible would refuse to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Byte range of the offending node.
    pub span: Range<usize>,
    /// What is wrong.
    pub message: String,
}

/// Tasks of a task list, flattened through blocks, plus structural problems.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TaskList<'a> {
    /// Every task in source order, blocks flattened.
    pub tasks: Vec<Task<'a>>,
    /// Items that are not valid tasks (not a mapping, several modules, ...).
    pub problems: Vec<Problem>,
}

/// Flatten a task list (a YAML sequence of tasks and blocks). A null node is an empty list;
/// anything else that is not a sequence is a problem. `src` is the text the node was parsed
/// from (free-form argument spans are mapped into it).
pub fn task_list<'a>(node: &'a Node, src: &str) -> TaskList<'a> {
    let mut out = TaskList::default();
    let mut ctx = Vec::new();
    walk_list(node, src, &mut ctx, &mut out);
    out
}

fn walk_list<'a>(node: &'a Node, src: &str, ctx: &mut Vec<BlockFrame<'a>>, out: &mut TaskList<'a>) {
    match &node.kind {
        NodeKind::Null => {}
        NodeKind::Seq(items) => {
            for item in items {
                walk_item(item, src, ctx, out);
            }
        }
        _ => out.problems.push(Problem {
            span: node.span.clone(),
            message: format!("a task list must be a sequence, found {}", node.kind_name()),
        }),
    }
}

fn walk_item<'a>(item: &'a Node, src: &str, ctx: &mut Vec<BlockFrame<'a>>, out: &mut TaskList<'a>) {
    if item.is_null() {
        return;
    }
    if !item.is_map() {
        out.problems.push(Problem {
            span: item.span.clone(),
            message: format!("a task must be a mapping, found {}", item.kind_name()),
        });
        return;
    }
    if item.contains_key("block") {
        for (section, key) in [
            (BlockSection::Block, "block"),
            (BlockSection::Rescue, "rescue"),
            (BlockSection::Always, "always"),
        ] {
            if let Some(list) = item.get(key) {
                ctx.push(BlockFrame {
                    node: item,
                    section,
                });
                walk_list(list, src, ctx, out);
                ctx.pop();
            }
        }
        return;
    }
    match build_task(item, src, ctx) {
        Ok(task) => out.tasks.push(task),
        Err(problem) => out.problems.push(problem),
    }
}

/// Build one task (not a block) from its mapping, with the enclosing blocks `ctx`.
///
/// # Errors
/// A [`Problem`] when the mapping names two modules.
pub fn build_task<'a>(
    item: &'a Node,
    src: &str,
    ctx: &[BlockFrame<'a>],
) -> Result<Task<'a>, Problem> {
    let mut module = None;
    let mut module_value = None;
    let mut args: Vec<Arg<'a>> = Vec::new();
    let mut delegated = item.contains_key("delegate_to");

    // The module: `action`/`local_action`, else the one non-keyword key.
    let action = item
        .get_entry("action")
        .or_else(|| item.get_entry("local_action"));
    if let Some((key, value)) = action {
        delegated |= key.as_str() == Some("local_action");
        module_value = Some(value);
        match &value.kind {
            NodeKind::Scalar(s) => {
                // `action: apt name=x state=latest`
                let text = s.value.as_str();
                let trimmed_start = text.len() - text.trim_start().len();
                let word_end = text[trimmed_start..]
                    .find(char::is_whitespace)
                    .map_or(text.len(), |i| trimmed_start + i);
                let name = &text[trimmed_start..word_end];
                let span = s.source_range(src, trimmed_start..word_end);
                let m = Module::new(name, span);
                let raw = m.info.is_some_and(|i| i.free_form_raw);
                module = Some(m);
                free_form_args(value, src, word_end, raw, &mut args);
            }
            NodeKind::Map(_) => {
                // `action: {module: apt, name: x}`
                if let Some(mv) = value.get("module")
                    && let Some(name) = mv.as_str()
                {
                    module = Some(Module::new(name, mv.value_span()));
                }
                dict_args(value, &["module"], &mut args);
            }
            _ => {}
        }
    } else {
        let mut candidates = item
            .entries()
            .filter(|(k, _, _)| !is_task_keyword(k) && module::looks_like_module_name(k));
        if let Some((name, key, value)) = candidates.next() {
            if let Some((other, okey, _)) = candidates.next() {
                return Err(Problem {
                    span: okey.span.clone(),
                    message: format!(
                        "conflicting action statements: `{name}` and `{other}` (at {}..{})",
                        key.span.start, okey.span.start
                    ),
                });
            }
            let m = Module::new(name, key.span.clone());
            let raw = m.info.is_some_and(|i| i.free_form_raw);
            module = Some(m);
            module_value = Some(value);
            match &value.kind {
                NodeKind::Scalar(_) => free_form_args(value, src, 0, raw, &mut args),
                NodeKind::Map(_) => dict_args(value, &[], &mut args),
                _ => {}
            }
        }
    }

    // `args:` fills in what the module call did not set.
    if let Some(extra) = item.get("args") {
        for (k, key, v) in extra.entries() {
            if !args.iter().any(|a| a.key == k) {
                args.push(Arg {
                    key: k.to_string(),
                    key_span: key.span.clone(),
                    value: ArgValue::Node(v),
                    origin: ArgOrigin::ArgsKeyword,
                });
            }
        }
    }

    let loop_ = item
        .entries()
        .find(|(k, _, _)| *k == "loop" || (k.starts_with("with_") && k.len() > 5))
        .map(|(k, key, v)| Loop {
            keyword: k.to_string(),
            key_span: key.span.clone(),
            value: v,
            loop_var: item
                .get("loop_control")
                .and_then(|lc| lc.get("loop_var"))
                .and_then(Node::as_str)
                .unwrap_or("item")
                .to_string(),
        });

    let mut when = Vec::new();
    let mut vars = Vec::new();
    let mut become_ = None;
    for frame in ctx {
        if let Some(w) = frame.node.get("when") {
            when.push(w);
        }
        if let Some(v) = frame.node.get("vars") {
            vars.push(v);
        }
        if let Some(b) = frame.node.get("become") {
            become_ = Some(b);
        }
        delegated |= frame.node.contains_key("delegate_to");
    }
    if let Some(w) = item.get("when") {
        when.push(w);
    }
    if let Some(v) = item.get("vars") {
        vars.push(v);
    }
    if let Some(b) = item.get("become") {
        become_ = Some(b);
    }

    Ok(Task {
        node: item,
        name: item.get("name"),
        module,
        module_value,
        args,
        loop_,
        when,
        become_,
        notify: item.get("notify"),
        vars,
        blocks: ctx.to_vec(),
        delegated,
    })
}

fn dict_args<'a>(map: &'a Node, skip: &[&str], args: &mut Vec<Arg<'a>>) {
    for (k, key, v) in map.entries() {
        if skip.contains(&k) {
            continue;
        }
        args.retain(|a| a.key != k);
        args.push(Arg {
            key: k.to_string(),
            key_span: key.span.clone(),
            value: ArgValue::Node(v),
            origin: ArgOrigin::Dict,
        });
    }
}

fn free_form_args<'a>(
    scalar: &'a Node,
    src: &str,
    from: usize,
    raw: bool,
    args: &mut Vec<Arg<'a>>,
) {
    let Some(s) = scalar.as_scalar() else {
        return;
    };
    let text = &s.value[from..];
    for pair in kv::parse_kv(text, raw) {
        let value_range = from + pair.value_range.start..from + pair.value_range.end;
        let key_range = from + pair.key_range.start..from + pair.key_range.end;
        args.retain(|a| a.key != pair.key);
        args.push(Arg {
            key: pair.key,
            key_span: s.source_range(src, key_range),
            value: ArgValue::FreeForm {
                value: pair.value,
                span: s.source_range(src, value_range.clone()),
                scalar,
                offset: value_range.start,
            },
            origin: ArgOrigin::FreeForm,
        });
    }
}
