//! The YAML front end never panics, and every node's span is a valid range of the input
//! whose value span lies inside it.
#![no_main]

use fleetpin_yaml::{Node, NodeKind, parse};
use libfuzzer_sys::fuzz_target;

fn check(src: &str, node: &Node) {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        assert!(
            n.span.start <= n.span.end && n.span.end <= src.len(),
            "span {:?}",
            n.span
        );
        assert!(src.is_char_boundary(n.span.start) && src.is_char_boundary(n.span.end));
        if let NodeKind::Scalar(s) = &n.kind {
            let v = &s.value_span;
            assert!(v.start <= v.end && v.end <= src.len(), "value span {v:?}");
            assert!(src.is_char_boundary(v.start) && src.is_char_boundary(v.end));
            // Mapping offsets back never leaves the value span.
            for i in [0, s.value.len() / 2, s.value.len()] {
                let o = s.source_offset(src, i);
                assert!(
                    o >= v.start && o <= v.end.max(v.start),
                    "offset {o} outside {v:?}"
                );
            }
        }
        match &n.kind {
            NodeKind::Seq(items) => stack.extend(items),
            NodeKind::Map(entries) => {
                for (k, v) in entries {
                    stack.push(k);
                    stack.push(v);
                }
            }
            _ => {}
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(docs) = parse(src) {
        for d in &docs {
            check(src, &d.root);
        }
    }
});
