//! `fleetpin completions SHELL` prints scripts the real shells load and complete with.

use std::process::Command;

fn fleetpin(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_fleetpin"))
        .args(args)
        .output()
        .expect("fleetpin runs")
}

/// Asks real bash for the completions of a command line, as bash-completion would.
fn bash_complete(script: &std::path::Path, line: &[&str]) -> Vec<String> {
    let words: Vec<String> = line.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_LINE='{}'\nCOMP_POINT=${{#COMP_LINE}}\n_fleetpin fleetpin '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        script.display(),
        words.join(" "),
        line.len() - 1,
        line.join(" "),
        line[line.len() - 1],
        line[line.len().saturating_sub(2)],
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn bash_completes_commands_and_options() {
    let out = fleetpin(&["completions", "bash"]);
    assert!(out.status.success());
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("fleetpin.bash");
    std::fs::write(&script, &out.stdout).unwrap();

    let commands = bash_complete(&script, &["fleetpin", "l"]);
    assert_eq!(commands, ["lint", "lock", "logs"], "{commands:?}");
    let options = bash_complete(&script, &["fleetpin", "lock", "--pre"]);
    assert_eq!(options, ["--prefer"], "{options:?}");
    let shells = bash_complete(&script, &["fleetpin", "completions", "z"]);
    assert_eq!(shells, ["zsh"], "{shells:?}");
}

#[test]
fn every_shell_gets_a_script_and_bad_shells_are_usage_errors() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = fleetpin(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("fleetpin"), "{shell}");
        assert!(
            text.contains("drift"),
            "{shell}: every command is completed"
        );
    }
    let out = fleetpin(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("tcsh"));
}
