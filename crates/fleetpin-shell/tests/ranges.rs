//! Every range the analyser reports must slice the input on character boundaries, for any
//! input: a deterministic token-soup generator stands in for the cargo-fuzz target in CI.

use fleetpin_shell::{NoVars, analyze};

const TOKENS: &[&str] = &[
    "apt-get",
    "install",
    "-y",
    "pip",
    "npm",
    "i",
    "-g",
    "curl",
    "wget",
    "-qO-",
    "|",
    "sh",
    "bash",
    "-c",
    "sudo",
    "-E",
    "env",
    "X=1",
    "&&",
    "||",
    ";",
    "\n",
    "\\\n",
    "'",
    "\"",
    "$(",
    ")",
    "(",
    "`",
    "${V:-1}",
    "$V",
    "<<EOF",
    "EOF",
    "<(",
    "#",
    "x=1.2*",
    "y>=1",
    "é",
    "日本",
    "docker",
    "stack",
    "deploy",
    "--with-registry-auth",
    "https://x/latest/y",
    "$'a\\'b'",
    " ",
    "\t",
    "xargs",
    "python3",
    "-m",
    "yum",
    "apk",
    "add",
    "=",
    "@latest",
    "{{",
    "}}",
    "{{ v }}",
    "${",
    "\u{656}",
    "\u{1F600}",
    "systemctl",
    "restart",
    "-o",
    "x.sh",
    "{",
    "}",
    "\\",
    "\r\n",
];

fn soup(seed: &mut u64, len: usize) -> String {
    let mut s = String::new();
    for _ in 0..len {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        s.push_str(TOKENS[(*seed % TOKENS.len() as u64) as usize]);
        if (*seed).is_multiple_of(3) {
            s.push(' ');
        }
    }
    s
}

#[test]
fn ranges_slice_the_input() {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    for n in 0..4000 {
        let cmd = soup(&mut seed, 1 + n % 40);
        let a = analyze(&cmd, &NoVars);
        let check = |r: &std::ops::Range<usize>, what: &str| {
            assert!(
                cmd.get(r.clone()).is_some(),
                "{what} range {r:?} in {cmd:?}"
            );
        };
        for i in &a.installs {
            check(&i.range, "install");
            check(&i.program.range, "program");
            for p in &i.packages {
                check(&p.range, "package");
            }
        }
        for u in &a.upgrades {
            check(&u.range, "upgrade");
        }
        for p in &a.pipe_to_shell {
            check(&p.range, "pipe");
            check(&p.shell.range, "shell");
        }
        for d in &a.downloads {
            check(&d.url.range, "url");
        }
        for s in &a.stack_deploys {
            check(&s.range, "stack");
        }
    }
}
