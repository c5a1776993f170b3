//! Parse arbitrary Dockerfiles, build the model and analyse every RUN: never panic, and every
//! reported range must slice the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else { return };
    let df = fleetpin_dockerfile::parse(src);
    for ins in &df.instructions {
        assert!(src.get(ins.range.clone()).is_some(), "instruction range {:?}", ins.range);
        assert!(src.get(ins.keyword_range.clone()).is_some());
        for f in &ins.flags {
            assert!(src.get(f.range.clone()).is_some(), "flag range {:?}", f.range);
        }
    }
    for e in &df.errors {
        assert!(src.get(e.range.clone()).is_some(), "error range {:?}", e.range);
    }
    let m = df.model();
    for i in &m.images {
        assert!(src.get(i.range.clone()).is_some(), "image range {:?}", i.range);
    }
    for r in &m.runs {
        let a = r.analyze();
        for (_, p) in a.packages() {
            assert!(src.get(p.range.clone()).is_some(), "package range {:?}", p.range);
        }
        for p in &a.pipe_to_shell {
            assert!(src.get(p.range.clone()).is_some());
        }
    }
});
