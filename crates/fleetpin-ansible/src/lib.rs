//! Ansible front end of fleetpin lint: plays, tasks, module calls and their arguments, and
//! (in [`vars`]) variable resolution through role defaults, group_vars and play vars.
//!
//! Everything borrows from a [`fleetpin_yaml::Document`] so a file is parsed once and every
//! value keeps its byte span for diagnostics.
//!
//! ```
//! let src = "- hosts: all\n  tasks:\n    - apt: name=docker-ce state=latest\n";
//! let docs = fleetpin_yaml::parse(src).unwrap();
//! let book = fleetpin_ansible::playbook(&docs[0].root, src);
//! let play = book.plays().next().unwrap();
//! let task = &play.tasks.tasks[0];
//! assert_eq!(task.module.as_ref().unwrap().fqcn, "ansible.builtin.apt");
//! let state = task.arg("state").unwrap();
//! assert_eq!(state.value.as_str(), Some("latest"));
//! assert_eq!(&src[state.value.span()], "latest");
//! ```
//!
//! # Resolving variables
//!
//! Build one [`Project`] per run ([`Project::discover`] from the linted path) and share it
//! between threads. For each file, get a [`Scope`]: [`Project::play_scope`] for the tasks of
//! a play in a playbook, [`Project::file_scope`] for task, handler and role files; add the
//! task's block and task vars with [`Scope::with_task`]; then [`Scope::resolve_in_task`]
//! resolves an argument, expanding the loop when the string reads `item`:
//!
//! ```no_run
//! # use std::{path::Path, sync::Arc};
//! # use fleetpin_ansible::{Project, Resolution};
//! let path = Path::new("roles/docker/tasks/main.yml");
//! let project = Project::discover(path);
//! let src = std::fs::read_to_string(path).unwrap();
//! let docs = fleetpin_yaml::parse(&src).unwrap();
//! let file: Arc<Path> = Arc::from(path);
//! let scope = project.file_scope(path);
//! for task in fleetpin_ansible::task_list(&docs[0].root, &src).tasks {
//!     let scope = scope.with_task(&task, &file);
//!     if let Some(state) = task.arg("state").and_then(|a| a.value.as_str()) {
//!         for (res, _item_span) in scope.resolve_in_task(&task, state) {
//!             if let Resolution::Resolved { value, origins } = res {
//!                 // e.g. "latest", set at roles/docker/defaults/main.yml (origins[0].span)
//!                 let _ = (value, origins);
//!             }
//!         }
//!     }
//! }
//! ```
//!
//! A [`Resolution::Unresolved`] value (facts, extra vars, unsupported Jinja) is never pinned;
//! [`Resolution::Multiple`] lists every candidate (group_vars per group, inventories, plays).
//! `group_vars/<group>`, `host_vars/<host>` and inventory-file group and host variables are
//! candidates only for groups and hosts the play's `hosts:` pattern targets in the project's
//! inventories (see [`targets`]); where that is unknown, every one is.
//! A resolved [`Value::Omit`] (`{{ x | default(omit) }}` with `x` undefined) means the
//! argument is left out, so the module's default applies (`state` → `present`, no
//! `version`). Call [`Project::apply_include_vars`] after each task so static `include_vars`
//! files are visible to the tasks that follow.
//!
//! Sources, lowest precedence first ([`Level`]): role defaults (and dependencies'),
//! inventory-file group vars, inventory `group_vars/all`, playbook `group_vars/all`, inventory
//! `group_vars/*`, playbook `group_vars/*`, inventory-file host vars, inventory and playbook
//! `host_vars/*`, play `vars`, `vars_files`, role vars, block vars, task vars, `include_vars`,
//! `set_fact` (the role's own, as candidate values), role parameters, include parameters, loop
//! variables. Facts, registered results and extra vars are invisible statically: a variable
//! only they define is unresolved.

#![warn(missing_docs)]

pub mod kv;
pub mod module;
pub mod play;
pub mod task;

pub use module::{IncludeKind, ModuleInfo, ModuleKind, PackageManager, PackageModule};
pub use play::{
    Play, Playbook, PlaybookEntry, RoleRef, looks_like_playbook, looks_like_tasks, looks_like_vars,
    play, playbook,
};
pub use task::{Arg, ArgOrigin, ArgValue, Include, Loop, Module, Task, TaskList, task_list};
pub mod config;
pub mod inventory;
pub mod jinja;
pub mod project;
pub mod targets;
pub mod vars;

pub use jinja::Value;
pub use project::{LoadError, LoadedFile, Project};
pub use vars::{Binding, Level, Origin, Resolution, Scope};
