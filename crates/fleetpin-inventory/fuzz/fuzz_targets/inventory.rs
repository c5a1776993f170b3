//! Hostile inventories and patterns must never panic: the first line of the input is a host
//! pattern (`--limit` syntax), the rest an inventory, parsed as INI and as YAML; every host
//! of a parsed inventory gets its groups, variables and connection, and the pattern is
//! evaluated against it.
//!
//! ```sh
//! cd crates/fleetpin-inventory/fuzz
//! cargo +nightly fuzz run inventory corpus/inventory seeds/inventory
//! ```
#![no_main]

use fleetpin_inventory::{Inventory, Pattern};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (pattern, inventory) = text.split_once('\n').unwrap_or((text, ""));
    let pattern = Pattern::parse(pattern).ok();
    for inv in [
        Inventory::parse_ini(inventory, "hosts"),
        Inventory::parse_yaml(inventory, "hosts.yml"),
    ]
    .into_iter()
    .flatten()
    {
        // The per-host queries of the first hosts (a range may legitimately expand to
        // hundreds of thousands; querying each is the harness's cost, not the parser's).
        for h in inv.hosts().iter().take(1000) {
            let _ = inv.host_groups(h.name());
            let _ = inv.host_vars(h.name());
            let _ = inv.connection(h.name());
        }
        if let Some(p) = &pattern {
            let _ = p.evaluate(&inv);
            let _ = inv.select(p);
            let _ = p.unmatched_terms(&inv);
        }
    }
});
