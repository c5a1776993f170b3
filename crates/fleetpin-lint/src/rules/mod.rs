//! Every rule, one file per rule, grouped by family.

pub mod actions;
pub mod ansible;
pub mod common;
pub mod galaxy;
pub mod image;
pub mod input;
pub mod shell;
pub mod suppression;
pub mod swarm;

use fleetpin_yaml::Document;

use crate::checker::Checker;

/// Runs the rules for a non-YAML file (Dockerfile, INI inventory).
pub(crate) fn check_text(checker: &mut Checker<'_>) {
    if checker.kind == crate::kind::FileKind::Dockerfile {
        image::check_dockerfile(checker);
    }
}

/// Runs the rules for a parsed YAML file.
pub(crate) fn check_yaml(checker: &mut Checker<'_>, docs: &[Document]) {
    use crate::kind::FileKind;
    match checker.kind {
        FileKind::Workflow | FileKind::Action => {
            actions::action_not_pinned_to_sha::check(checker, docs);
            image::check_workflow(checker, docs);
        }
        FileKind::Compose => image::check_compose(checker, docs),
        FileKind::Playbook | FileKind::Tasks | FileKind::Handlers => {
            ansible::check(checker, docs);
        }
        FileKind::GalaxyRequirements | FileKind::GalaxyCollection | FileKind::RoleMeta => {
            galaxy::galaxy_requirement_unpinned::check(checker, docs);
        }
        _ => {}
    }
}
