//! Rules about fleetpin's own suppression comments.

pub mod unused_suppression;

#[cfg(test)]
mod tests {
    use crate::test::rule_fixture;

    rule_fixture!(
        sup001,
        "suppression/SUP001",
        ["SUP001", "ANS001", "ANS002", "IMG001"]
    );
}
