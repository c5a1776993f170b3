//! swarm rules.

pub mod stack_deploy_without_registry_auth;

#[cfg(test)]
mod tests {
    use crate::test::rule_fixture;

    rule_fixture!(swm001, "swarm/SWM001", ["SWM001"]);
}
