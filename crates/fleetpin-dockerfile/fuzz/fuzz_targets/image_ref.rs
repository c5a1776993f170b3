//! Parse arbitrary image references: never panic; a parsed reference's parts slice the input
//! and print back to it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(r) = fleetpin_dockerfile::ImageRef::parse(s) {
        assert!(s.get(r.name_range.clone()).is_some());
        if let Some(t) = &r.tag_range {
            assert_eq!(&s[t.clone()], r.tag.as_deref().unwrap());
        }
        if let Some(d) = &r.digest_range {
            assert_eq!(&s[d.clone()], r.digest.as_deref().unwrap());
        }
        assert_eq!(r.to_string(), s);
        let _ = r.status(fleetpin_dockerfile::DEFAULT_FLOATING_TAGS);
    }
});
