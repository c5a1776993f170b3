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
pub mod jinja;
pub mod project;
pub mod vars;

pub use jinja::Value;
pub use project::{LoadError, LoadedFile, Project};
pub use vars::{Binding, Level, Origin, Resolution, Scope};
