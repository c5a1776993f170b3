//! Developer tools: generate rule docs and check generated files.
fn main() {}
