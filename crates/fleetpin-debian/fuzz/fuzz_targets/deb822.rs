//! deb822 and everything built on it: arbitrary bytes never panic the parser, the record
//! extraction, relation parsing, Release/InRelease, preferences, sources or apt-get -s parsing,
//! and the streaming reader agrees with whole-text parsing.
#![no_main]

use std::path::Path;

use fleetpin_debian::{aptsim, control, deb822, policy, relation, release, sources};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = fleetpin_debian::compress::decompress(data.to_vec(), Path::new("fuzz"));
    let Ok(text) = deb822::to_text(data) else {
        let r = control::stream_packages(data, 4096, |_| {}, |_| {});
        assert!(r.is_err());
        return;
    };
    for p in deb822::Parser::new(text).flatten() {
        for f in p.fields() {
            let _ = relation::Relations::parse(f.value);
            let _ = f.lines().count();
        }
    }
    let (recs, errs) = control::parse_packages(text);
    let mut streamed = 0usize;
    let mut stream_errs = 0usize;
    control::stream_packages(text.as_bytes(), 4096, |_| streamed += 1, |_| stream_errs += 1)
        .unwrap();
    // Chunking only at blank lines must not change what is found.
    if !text.contains('\r') {
        assert_eq!((streamed, stream_errs), (recs.len(), errs.len()));
    }
    for r in &recs {
        let _ = r.parse_version();
        for f in control::DepField::ALL {
            let _ = r.relations(f);
        }
    }
    let _ = release::Release::parse(text);
    let _ = policy::parse_preferences(text, Path::new("prefs"));
    let _ = sources::parse_list(text, Path::new("sources.list"));
    let _ = sources::parse_deb822(text, Path::new("x.sources"));
    let _ = aptsim::parse(text);
    let _ = control::parse_sources_index(text);
    let _ = deb822::strip_clearsign(text);
});
