//! `fleetpin --version`: the build's version and the versions of the knowledge databases built
//! into it (hazards: known-breaking upgrades; causes: root causes for `diagnose`), so a bug
//! report or an audit log says which knowledge a verdict came from.

use fleetpin_guard::Database;
use fleetpin_logs::CauseDb;

/// FNV-1a (64 bits) over `bytes`: a content fingerprint, not a security hash.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The text after `fleetpin ` for `--version`:
///
/// ```text
/// 0.1.0
/// hazards database: 1 entry, newest 2023-02-09 (FPH-2023-0001), digest 3f2a…
/// causes database: 3 entries, digest 9c1b…
/// ```
pub fn long_version() -> String {
    let (hazards, _) = Database::builtin();
    let (causes, _) = CauseDb::builtin();
    let newest = hazards
        .hazards()
        .iter()
        .max_by(|a, b| a.date.cmp(&b.date).then_with(|| a.id.cmp(&b.id)));
    let newest = newest.map_or_else(String::new, |h| format!(", newest {} ({})", h.date, h.id));
    let plural = |n: usize| if n == 1 { "entry" } else { "entries" };
    // The Debug rendering holds every field of every entry, so the digest moves with any edit.
    let hazards_digest = fnv1a(format!("{:?}", hazards.hazards()).as_bytes());
    let causes_digest = fnv1a(format!("{:?}", causes.causes()).as_bytes());
    format!(
        "{}\nhazards database: {} {}{newest}, digest {hazards_digest:016x}\n\
         causes database: {} {}, digest {causes_digest:016x}",
        env!("CARGO_PKG_VERSION"),
        hazards.hazards().len(),
        plural(hazards.hazards().len()),
        causes.causes().len(),
        plural(causes.causes().len()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        // From the FNV reference (draft-eastlake-fnv, test vectors for FNV-1a 64).
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }
}
