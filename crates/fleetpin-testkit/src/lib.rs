//! Test support shared by every fleetpin crate (a dev-dependency only).
//!
//! **One rule for a missing oracle.** fleetpin's tests use the real tools as oracles (dpkg,
//! apt, rpm, Ansible, sshd, a registry, journald, drain3, the SARIF validator). When one is
//! missing, a developer's run says so on stderr and the test passes without checking; CI sets
//! `FLEETPIN_REQUIRE_ORACLES=1` (`.ci/test`), and there the same test fails. Every test asks
//! through [`require`] or [`oracle`], so no test can pass in CI without checking anything.
//!
//! ```
//! // In a test: run the oracle, or skip with a note (fail under FLEETPIN_REQUIRE_ORACLES=1).
//! let Some(sh) = fleetpin_testkit::oracle(fleetpin_testkit::on_path("sh"), "sh (POSIX shell)")
//! else {
//!     return;
//! };
//! assert!(sh.is_absolute());
//! ```
//!
//! **Tests that need an unprivileged user.** Root reads files whatever their mode, so a test
//! of "unreadable file" checks nothing when run as root (CI containers run as root). Such a
//! test calls [`rerun_unprivileged`] first: as root it runs itself again as `nobody` and
//! checks that run passed.

use std::ffi::OsStr;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The variable that turns a missing oracle from a skip into a failure.
pub const REQUIRE_ORACLES: &str = "FLEETPIN_REQUIRE_ORACLES";

/// Whether a missing oracle fails the test: `FLEETPIN_REQUIRE_ORACLES` is set to anything but
/// empty or `0`, or `CI` is `true` or `1` (what CI services set).
pub fn oracles_required() -> bool {
    let set =
        |name: &str, ok: &dyn Fn(&str) -> bool| std::env::var(name).is_ok_and(|v| ok(v.trim()));
    set(REQUIRE_ORACLES, &|v| !v.is_empty() && v != "0") || set("CI", &|v| v == "true" || v == "1")
}

/// A note on the test's stderr, past libtest's capture (a skip must be visible).
pub fn skip_note(why: &str) {
    let _ = writeln!(std::io::stderr(), "note: skipped: {why}");
}

/// `true` when `available`. Otherwise the oracle `what` (say how to install it) is missing:
/// panics when oracles are required, else notes the skip and returns `false`.
///
/// # Panics
///
/// When `available` is false and [`oracles_required`].
#[track_caller]
pub fn require(available: bool, what: &str) -> bool {
    if available {
        return true;
    }
    assert!(
        !oracles_required(),
        "oracle missing: {what} ({REQUIRE_ORACLES}=1 or CI is set, so this is a failure; \
         `bash .ci/setup` installs every oracle)"
    );
    skip_note(&format!("{what} missing (in CI this test fails)"));
    false
}

/// [`require`] for an oracle found as a value (a path, a command line).
///
/// # Panics
///
/// When `found` is `None` and [`oracles_required`].
#[track_caller]
pub fn oracle<T>(found: Option<T>, what: &str) -> Option<T> {
    if require(found.is_some(), what) {
        found
    } else {
        None
    }
}

/// The path of `program` on `PATH` (or `program` itself if it has a `/` and is a file).
pub fn on_path(program: impl AsRef<OsStr>) -> Option<PathBuf> {
    let program = Path::new(program.as_ref());
    if program.components().count() > 1 {
        return program.is_file().then(|| program.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// The effective user id of this process (Linux `/proc/self/status`), if known.
pub fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

/// Whether this process runs as root (file modes do not restrict it).
pub fn is_root() -> bool {
    effective_uid() == Some(0)
}

/// For a test that needs file permissions to apply. Not root: returns `false`, and the test
/// runs its body. Root: runs the test named `test` (its full path, `module::name`, as libtest
/// lists it) of the current test binary again as user `nobody` through `setpriv`
/// (util-linux), asserts that exactly that test ran and passed, and returns `true`: the
/// caller returns, checked.
///
/// # Panics
///
/// As root, when `setpriv` cannot run or the unprivileged run fails.
#[track_caller]
pub fn rerun_unprivileged(test: &str) -> bool {
    if !is_root() {
        return false;
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let out = Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--reset-env",
        ])
        .arg(&exe)
        .args([test, "--exact", "--test-threads=1", "--nocapture"])
        .env_remove("RUST_TEST_THREADS")
        .output()
        .expect("run setpriv (util-linux) to drop root for this test");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "the unprivileged run of `{test}` failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    true
}

/// A dpkg admin directory at `dir` holding `status` (and the empty `available`, `info/` and
/// `updates/` dpkg-query expects), for the real `dpkg-query --admindir` as oracle.
pub fn dpkg_admindir(dir: &Path, status: &str) -> PathBuf {
    for sub in ["info", "updates"] {
        std::fs::create_dir_all(dir.join(sub)).expect("create the dpkg admin directory");
    }
    std::fs::write(dir.join("status"), status).expect("write the dpkg status file");
    std::fs::write(dir.join("available"), "").expect("write the dpkg available file");
    dir.to_path_buf()
}

/// What the real `dpkg-query --admindir=ADMIN -W [-f FORMAT]` prints (dpkg-query expands `\t`
/// and `\n` in the format itself).
///
/// # Panics
///
/// When dpkg-query cannot run or fails (it is installed by `.ci/setup`).
pub fn dpkg_query(admin: &Path, format: Option<&str>) -> String {
    let mut cmd = Command::new("dpkg-query");
    cmd.arg(format!("--admindir={}", admin.display())).arg("-W");
    if let Some(f) = format {
        cmd.args(["-f", f]);
    }
    let out = cmd
        .output()
        .expect("run dpkg-query (Debian's dpkg package; .ci/setup installs it)");
    assert!(
        out.status.success(),
        "dpkg-query failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("dpkg-query prints UTF-8 here")
}

/// The Python that runs the Python oracles (ansible-core, PyYAML, packaging): the tools venv's
/// interpreter from `FLEETPIN_ANSIBLE_PYTHON`, else `python3` from `PATH` — when it can run
/// `import_check` (e.g. `"import yaml"`). Pass the result to [`oracle`].
pub fn python_with(import_check: &str) -> Option<String> {
    let python = std::env::var("FLEETPIN_ANSIBLE_PYTHON").unwrap_or_else(|_| "python3".into());
    std::process::Command::new(&python)
        .args(["-c", import_check])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
        .then_some(python)
}

/// `ansible-playbook`: `$FLEETPIN_ANSIBLE_PLAYBOOK` (the tools venv's, set by `.ci/test`), else
/// the first on `PATH`. Pass the result to [`oracle`].
pub fn ansible_playbook() -> Option<PathBuf> {
    std::env::var_os("FLEETPIN_ANSIBLE_PLAYBOOK")
        .map(PathBuf::from)
        .or_else(|| on_path("ansible-playbook"))
}

/// A collections directory holding `ansible.posix` (for its `json` stdout callback): one of
/// `$ANSIBLE_COLLECTIONS_PATH`, else the tools cache's `collections` (`.ci/setup`).
pub fn ansible_posix_collections() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("ANSIBLE_COLLECTIONS_PATH")
        .map(|v| std::env::split_paths(&v).collect())
        .unwrap_or_default();
    let tools = std::env::var_os("FLEETPIN_TOOLS")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/fleetpin-tools")));
    dirs.extend(tools.map(|t| t.join("collections")));
    dirs.into_iter().find(|d| {
        d.join("ansible_collections/ansible/posix/plugins/callback/json.py")
            .is_file()
    })
}

/// Whether the system Python (`/usr/bin/python3`, the one Ansible's apt module runs on a
/// Debian host) has python3-apt.
pub fn system_python_has_apt() -> bool {
    Command::new("/usr/bin/python3")
        .args(["-c", "import apt, apt_pkg"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_path_finds_the_shell() {
        let sh = on_path("sh").expect("sh on PATH");
        assert!(sh.is_absolute() && sh.ends_with("sh"), "{}", sh.display());
        assert_eq!(on_path(&sh), Some(sh.clone()));
        assert_eq!(on_path("fleetpin-no-such-program-anywhere"), None);
    }

    #[test]
    fn effective_uid_matches_id() {
        let out = Command::new("id").arg("-u").output().expect("id runs");
        let id: u32 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
        assert_eq!(effective_uid(), Some(id));
    }

    /// The rule itself, in child processes with each environment (the variables are
    /// process-wide, so they are never set in this process).
    #[test]
    fn a_missing_oracle_fails_only_when_required() {
        if let Some(v) = std::env::var_os("FLEETPIN_TESTKIT_PROBE") {
            // Child: report what the rule says.
            let required = oracles_required();
            assert_eq!(v == "expect-required", required);
            if !required {
                assert!(!require(false, "probe"));
            }
            assert!(require(true, "probe"));
            return;
        }
        let exe = std::env::current_exe().unwrap();
        for (vars, expect) in [
            (&[][..], false),
            (&[(REQUIRE_ORACLES, "1")][..], true),
            (&[(REQUIRE_ORACLES, "0")][..], false),
            (&[(REQUIRE_ORACLES, "")][..], false),
            (&[("CI", "true")][..], true),
            (&[("CI", "false")][..], false),
        ] {
            let mut cmd = Command::new(&exe);
            cmd.args([
                "tests::a_missing_oracle_fails_only_when_required",
                "--exact",
                "--quiet",
            ])
            .env_remove(REQUIRE_ORACLES)
            .env_remove("CI")
            .env(
                "FLEETPIN_TESTKIT_PROBE",
                if expect {
                    "expect-required"
                } else {
                    "expect-optional"
                },
            );
            for (k, v) in vars {
                cmd.env(k, v);
            }
            let out = cmd.output().unwrap();
            assert!(
                out.status.success(),
                "{vars:?}: {}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
    }

    #[test]
    fn require_panics_when_required() {
        if std::env::var_os("FLEETPIN_TESTKIT_PANIC_PROBE").is_some() {
            require(false, "an oracle that is not there");
            return;
        }
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["tests::require_panics_when_required", "--exact"])
            .env("FLEETPIN_TESTKIT_PANIC_PROBE", "1")
            .env(REQUIRE_ORACLES, "1")
            .output()
            .unwrap();
        assert!(!out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("oracle missing: an oracle that is not there"),
            "{text}"
        );
    }

    /// Runs as root in CI containers: then the body below runs as `nobody`.
    #[test]
    fn rerun_unprivileged_drops_root() {
        if rerun_unprivileged("tests::rerun_unprivileged_drops_root") {
            return;
        }
        assert_ne!(effective_uid(), Some(0));
        let dir = std::env::temp_dir().join(format!("fleetpin-testkit-{}", std::process::id()));
        std::fs::write(&dir, "x").unwrap();
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o000)).unwrap();
        let denied = std::fs::read(&dir).is_err();
        std::fs::remove_file(&dir).unwrap();
        assert!(denied, "mode 000 must keep an unprivileged user out");
    }
}
