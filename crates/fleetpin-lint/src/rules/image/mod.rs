//! image rules.

pub mod image_floating_tag;
pub mod image_without_digest;

use fleetpin_ansible::{Module, Task, module::DockerModule};

use crate::checker::Checker;

/// Checks the image of an Ansible docker module task (IMG001/IMG002).
pub(crate) fn check_docker_module(
    checker: &mut Checker<'_>,
    task: &Task<'_>,
    module: &Module,
    dm: &DockerModule,
) {
    let _ = (checker, task, module, dm);
}
