//! Version parsing and ordering: never panics; Display round-trips; Ord is consistent with
//! Eq, Hash and the allocation-free `compare_str`; RPM versions likewise.
#![no_main]

use std::cmp::Ordering;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use fleetpin_debian::Version;
use fleetpin_debian::rpm::RpmVersion;
use libfuzzer_sys::fuzz_target;

fn h<T: Hash>(v: &T) -> u64 {
    let mut s = DefaultHasher::new();
    v.hash(&mut s);
    s.finish()
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let (a, b) = s.split_once('\t').unwrap_or((s, "1.0"));
    let (va, vb) = (Version::parse(a), Version::parse(b));
    if let (Ok(va), Ok(vb)) = (&va, &vb) {
        assert_eq!(Version::parse(&va.to_string()).unwrap().as_str(), va.as_str());
        assert_eq!(va.cmp(va), Ordering::Equal);
        let o = va.cmp(vb);
        assert_eq!(vb.cmp(va), o.reverse());
        assert_eq!(fleetpin_debian::version::compare_str(va.as_str(), vb.as_str()), o);
        if o == Ordering::Equal {
            assert_eq!(h(va), h(vb));
        }
        let _ = va.warning();
    }
    for op in ["lt", "le-nl", ">>", "="] {
        let _ = fleetpin_debian::CompareOp::parse(op).unwrap().eval(a, b);
    }
    if let (Ok(ra), Ok(rb)) = (RpmVersion::parse(a), RpmVersion::parse(b)) {
        let o = ra.cmp(&rb);
        assert_eq!(rb.cmp(&ra), o.reverse());
        if o == Ordering::Equal {
            assert_eq!(h(&ra), h(&rb));
        }
    }
});
