//! The conventions every command shares: a closed pipe, `--format` refusals, the JSON schema
//! marker, control characters from files, short flags, `fleetpin rule` without argument,
//! `fleetpin lint -`, summary counts and `-v`.

mod common;
use common::{fleetpin, piped_into_head, write};

/// Many findings in several files, one clean file.
fn repo(findings_files: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..findings_files {
        let tasks: String = (0..50)
            .map(|j| format!("- name: t{j}\n  apt:\n    name: pkg{i}x{j}\n    state: latest\n"))
            .collect();
        write(dir.path(), &format!("roles/r{i}/tasks/main.yml"), &tasks);
    }
    write(
        dir.path(),
        "roles/clean/tasks/main.yml",
        "- name: pinned\n  apt:\n    name: nginx=1.22.1-9\n",
    );
    dir
}

#[test]
fn a_closed_pipe_ends_quietly_with_the_status_of_the_work() {
    // Enough output (~1 MB of SARIF) that it cannot all sit in the pipe's buffer.
    let dir = repo(40);
    for format in ["full", "concise", "json", "sarif", "github"] {
        let (code, stderr) = piped_into_head(dir.path(), &["lint", "--format", format]);
        assert_eq!(code, 1, "{format}: findings were written: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{format}: {stderr}");
        assert!(!stderr.contains("error:"), "{format}: {stderr}");
    }
    let (code, stderr) = piped_into_head(dir.path(), &["lint", "--exit-zero"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr) = piped_into_head(dir.path(), &["completions", "bash"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr) = piped_into_head(dir.path(), &["rule"]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn summary_counts_files_with_findings() {
    let dir = repo(2);
    let r = fleetpin(dir.path(), &["lint", "--format", "concise"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("Found 100 findings (100 errors, 0 warnings) in 2 files (of 3 linted)."),
        "{}",
        r.stderr
    );
    let r = fleetpin(dir.path(), &["lint", "-q", "--format", "concise"]);
    assert_eq!(r.stderr, "", "-q prints no summary");
    assert_eq!(r.stdout.lines().count(), 100);
    let r = fleetpin(dir.path(), &["lint", "-v", "--format", "concise"]);
    assert!(r.stderr.contains("linted 3 files with "), "{}", r.stderr);
}

#[test]
fn lint_stdin_is_refused_not_clean() {
    let dir = repo(1);
    let r = fleetpin(dir.path(), &["lint", "-"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr.contains("`fleetpin lint -` is not supported"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("No findings"), "{}", r.stderr);
}

#[test]
fn listings_refuse_formats_they_cannot_print() {
    let dir = repo(1);
    for option in ["--statistics", "--list-files", "--list-packages"] {
        for format in ["sarif", "github"] {
            let r = fleetpin(dir.path(), &["lint", option, "--format", format]);
            assert_eq!(r.code, 2, "{option} {format}: {}", r.stdout);
            assert!(r.stdout.is_empty());
            assert!(
                r.stderr.contains(&format!(
                    "`{option}` prints text or JSON, not `--format {format}`"
                )),
                "{}",
                r.stderr
            );
        }
    }
    let r = fleetpin(dir.path(), &["lint", "--statistics", "--format", "json"]);
    assert_eq!(r.code, 1);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["statistics"][0]["code"], "ANS001");
    assert_eq!(v["statistics"][0]["count"], 50);
    // `text` is a name of the default format, as in every other command.
    let text = fleetpin(dir.path(), &["lint", "--format", "text"]);
    let full = fleetpin(dir.path(), &["lint", "--format", "full"]);
    assert_eq!(text.stdout, full.stdout);
    // A format a command does not have is a usage error, never ignored.
    let r = fleetpin(dir.path(), &["rule", "--format", "json"]);
    assert_eq!(r.code, 2);
}

#[test]
fn every_json_document_has_the_same_schema_marker() {
    let dir = repo(1);
    let cases: [(&[&str], &str); 4] = [
        (&["lint", "--format", "json"], "fleetpin-diagnostics"),
        (
            &["lint", "--statistics", "--format", "json"],
            "fleetpin-statistics",
        ),
        (
            &["lint", "--list-files", "--format", "json"],
            "fleetpin-files",
        ),
        (
            &["lint", "--list-packages", "--format", "json"],
            "fleetpin-packages",
        ),
    ];
    for (args, name) in cases {
        let r = fleetpin(dir.path(), args);
        let v: serde_json::Value = serde_json::from_str(&r.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", r.stdout));
        assert_eq!(
            v["schema"],
            serde_json::json!({"name": name, "version": 1}),
            "{args:?}"
        );
    }
}

#[test]
fn control_characters_from_files_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let evil = "\u{1b}]0;pwned\u{7}\u{1b}[2J";
    write(
        dir.path(),
        &format!("roles/x{evil}/tasks/main.yml"),
        &format!("- apt:\n    name: nginx{evil}\n    state: latest\n"),
    );
    // An input error whose path reaches stderr through the printer's warnings.
    write(
        dir.path(),
        &format!("roles/x{evil}/tasks/broken.yml"),
        "- hosts: all\n  tasks: [\n",
    );
    for args in [
        &["lint"][..],
        &["lint", "--format", "concise"],
        &["lint", "--format", "github"],
        &["lint", "--list-files"],
        &["lint", "--list-packages"],
        &["lint", "--select", "NOPE"],
    ] {
        let r = fleetpin(dir.path(), args);
        for out in [&r.stdout, &r.stderr] {
            assert!(
                !out.contains('\u{1b}') && !out.contains('\u{7}'),
                "{args:?}: {out:?}"
            );
        }
        if args.len() == 1 {
            assert!(
                r.stdout.contains("nginx\\u{1b}]0;pwned\\u{7}"),
                "{}",
                r.stdout
            );
        }
    }
    // JSON keeps the exact text (escaped by JSON itself).
    let r = fleetpin(dir.path(), &["lint", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let messages: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["message"].as_str())
        .collect();
    assert!(messages.iter().any(|m| m.contains(evil)), "{messages:?}");
    assert!(
        v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["kind"] == "input-error"),
        "{}",
        r.stdout
    );
}

#[test]
fn rule_without_argument_lists_every_rule() {
    let dir = tempfile::tempdir().unwrap();
    let bare = fleetpin(dir.path(), &["rule"]);
    let all = fleetpin(dir.path(), &["rule", "--all"]);
    assert_eq!(bare.code, 0, "{}", bare.stderr);
    assert_eq!(bare.stdout, all.stdout);
    assert!(bare.stdout.lines().any(|l| l.starts_with("ANS001 ")));
    assert!(bare.stdout.lines().any(|l| l.starts_with("E001 ")));
    let r = fleetpin(dir.path(), &["rule", "NOPE"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("`fleetpin rule` lists every rule"));
}

/// Every command and subcommand, found by reading the `Commands:` section of each `--help`
/// (so a command added later is checked without being listed here).
fn every_command(dir: &std::path::Path) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut queue: Vec<Vec<String>> = vec![Vec::new()];
    while let Some(cmd) = queue.pop() {
        let mut args: Vec<&str> = cmd.iter().map(String::as_str).collect();
        args.push("--help");
        let r = fleetpin(dir, &args);
        assert_eq!(r.code, 0, "{cmd:?}: {}", r.stderr);
        let mut in_commands = false;
        for line in r.stdout.lines() {
            if line == "Commands:" {
                in_commands = true;
                continue;
            }
            if !in_commands {
                continue;
            }
            // `  name  description`; the section ends at the first line that is not indented.
            let Some(entry) = line.strip_prefix("  ") else {
                break;
            };
            let name = entry.split_whitespace().next().unwrap_or_default();
            if name.is_empty() || name == "help" || entry.starts_with(' ') {
                continue;
            }
            let mut sub = cmd.clone();
            sub.push(name.to_string());
            queue.push(sub);
        }
        if !cmd.is_empty() {
            out.push(cmd);
        }
    }
    out.sort();
    out
}

/// No short flag means two things across the commands (`-o` was `--output-file` in `lint`
/// and `--ssh-option` in `gather`).
#[test]
fn short_flags_mean_one_thing_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let mut seen: std::collections::BTreeMap<char, String> = Default::default();
    let commands = every_command(dir.path());
    assert!(
        commands.len() > 15 && commands.iter().any(|c| c == &["lock", "export"]),
        "{commands:?}"
    );
    for cmd in commands {
        let mut args: Vec<&str> = cmd.iter().map(String::as_str).collect();
        args.push("--help");
        let r = fleetpin(dir.path(), &args);
        assert_eq!(r.code, 0, "{cmd:?}: {}", r.stderr);
        for line in r.stdout.lines() {
            let line = line.trim_start();
            // `-x, --long-name ...`
            let Some((short, rest)) = line.split_once(", --") else {
                continue;
            };
            let Some(c) = short.strip_prefix('-').and_then(|s| s.chars().next()) else {
                continue;
            };
            if short.len() != 2 {
                continue;
            }
            let long: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            let previous = seen.entry(c).or_insert_with(|| long.clone());
            assert_eq!(*previous, long, "-{c} in {cmd:?}");
        }
    }
    assert_eq!(seen.get(&'q').map(String::as_str), Some("quiet"));
    assert_eq!(seen.get(&'o').map(String::as_str), Some("ssh-option"));
}
