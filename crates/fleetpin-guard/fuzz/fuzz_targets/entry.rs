//! Hazard entries from contributors (or a downloaded database) never panic the parser, and an
//! entry that loads behaves: its ranges agree with themselves and its problems name real lines.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match fleetpin_guard::parse_entry(text, Some("docker-ce"), Some("FPH-2023-0001")) {
        Ok(h) => {
            for r in h.affected.iter().chain(&h.fixed) {
                // Each comparator's own version is decided without panicking, and a range
                // printed and parsed again is the same range.
                let again = fleetpin_guard::VersionRange::parse(h.ecosystem, &r.to_string())
                    .expect("a printed range parses");
                assert_eq!(&again, r);
                for c in r.comparators() {
                    assert_eq!(r.contains(&c.version), again.contains(&c.version));
                }
            }
        }
        Err(problems) => {
            assert!(!problems.is_empty());
            let lines = text.lines().count().max(1) + 1;
            for p in problems {
                assert!(p.line >= 1 && p.line <= lines, "line {} of {lines}", p.line);
            }
        }
    }
});
