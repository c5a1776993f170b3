//! Analyse arbitrary shell commands: never panic, every range slices the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(cmd) = std::str::from_utf8(data) else { return };
    let a = fleetpin_shell::analyze(cmd, &fleetpin_shell::NoVars);
    for i in &a.installs {
        assert!(cmd.get(i.range.clone()).is_some(), "install range {:?}", i.range);
        for p in &i.packages {
            assert!(cmd.get(p.range.clone()).is_some(), "package range {:?}", p.range);
        }
    }
    for u in &a.upgrades {
        assert!(cmd.get(u.range.clone()).is_some());
    }
    for p in &a.pipe_to_shell {
        assert!(cmd.get(p.range.clone()).is_some(), "pipe range {:?}", p.range);
    }
    for s in &a.stack_deploys {
        assert!(cmd.get(s.range.clone()).is_some());
    }
    for d in &a.downloads {
        assert!(cmd.get(d.url.range.clone()).is_some(), "url range {:?}", d.url.range);
    }
});
