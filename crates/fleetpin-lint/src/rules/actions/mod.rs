//! actions rules.

pub mod action_not_pinned_to_sha;

#[cfg(test)]
mod tests {
    use crate::test::rule_fixture;

    rule_fixture!(gha001, "actions/GHA001", ["GHA001"]);
}
