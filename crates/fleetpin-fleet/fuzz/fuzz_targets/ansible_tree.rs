//! Differential fuzzing of the package_facts reader: the byte scanner (and its template path
//! for Ansible's own layout) must give exactly serde_json's entries wherever it answers, and
//! decline wherever serde_json fails. Seeds in Ansible's own layout (one trimmed from a real
//! ansible-core 2.19 `package_facts --tree` file), compact, pretty, rpm and unreachable:
//!
//! ```sh
//! cd crates/fleetpin-fleet/fuzz
//! cargo +nightly fuzz run ansible_tree corpus/ansible_tree seeds/ansible_tree -- -dict=ansible.dict
//! ```
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    fleetpin_fleet::ansible::fuzz_scan_against_serde(data);
});
