//! The Ansible model (plays, tasks, free-form arguments, Jinja resolution) never panics on
//! any YAML, and argument spans stay inside the input.
#![no_main]

use fleetpin_ansible::{Scope, playbook, task_list};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let _ = fleetpin_ansible::kv::parse_kv(src, false);
    let _ = fleetpin_ansible::kv::parse_kv(src, true);
    let _ = Scope::new().resolve(src);
    for name in ["hosts", "inventory.yml"] {
        let path: std::sync::Arc<std::path::Path> =
            std::sync::Arc::from(std::path::Path::new(name));
        for (_, vars) in fleetpin_ansible::inventory::inventory_vars(&path, src) {
            for node in vars.vars.values() {
                let span = node.value_span();
                assert!(span.start <= span.end && span.end <= src.len());
                assert!(src.is_char_boundary(span.start) && src.is_char_boundary(span.end));
            }
        }
    }
    let Ok(docs) = fleetpin_yaml::parse(src) else {
        return;
    };
    let scope = Scope::new();
    for d in &docs {
        let book = playbook(&d.root, src);
        let list = task_list(&d.root, src);
        for task in book.plays().flat_map(|p| p.all_tasks()).chain(&list.tasks) {
            for arg in &task.args {
                let span = arg.value.span();
                assert!(span.start <= span.end && span.end <= src.len());
                let _ = arg.value.list_items(src);
                if let Some(s) = arg.value.as_str() {
                    let _ = scope.resolve_in_task(task, s);
                }
            }
            let _ = task.include();
        }
        // Play `hosts:` patterns, evaluated against an inventory parsed from the same input.
        let inv = fleetpin_inventory::Inventory::parse_ini(src, "hosts").ok();
        for p in book.plays() {
            if let (Some(hosts), Some(inv)) = (fleetpin_ansible::targets::play_hosts(p.hosts), &inv) {
                let _ = hosts.pattern.evaluate(inv);
            }
        }
        let _ = fleetpin_ansible::looks_like_playbook(&d.root);
        let _ = fleetpin_ansible::looks_like_tasks(&d.root);
    }
});
