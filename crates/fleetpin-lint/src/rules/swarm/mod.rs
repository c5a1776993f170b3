//! swarm rules.

pub mod stack_deploy_without_registry_auth;
