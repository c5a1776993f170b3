//! galaxy rules.

pub mod galaxy_requirement_unpinned;

#[cfg(test)]
mod tests {
    use crate::test::rule_fixture;

    rule_fixture!(glx001, "galaxy/GLX001", ["GLX001"]);
}
