//! Every range the parser and model report must slice the input, for any input: a
//! deterministic token-soup generator stands in for the cargo-fuzz target in CI.

use fleetpin_dockerfile::parse;

const TOKENS: &[&str] = &[
    "FROM ",
    "RUN ",
    "ARG ",
    "ENV ",
    "COPY ",
    "ONBUILD ",
    "run ",
    "\n",
    "\\\n",
    "\\",
    "`",
    "# escape=`\n",
    "# c\n",
    "<<EOF",
    "<<-'E'",
    "\nEOF\n",
    "\tE\n",
    "EOF",
    "--from=",
    "--mount=type=bind,from=",
    "--platform=",
    "x:1",
    "${A:-b}",
    "$A",
    "A=1 ",
    "AS b ",
    "scratch",
    "[\"a\", \"b\"]",
    "[\"",
    "apt-get install -y ",
    "p=1.2* ",
    "curl -s https://x | sh",
    "é",
    "日本",
    " ",
    "\r\n",
    "=",
    "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "'",
    "\"",
];

fn soup(seed: &mut u64, len: usize) -> String {
    let mut s = String::new();
    for _ in 0..len {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        s.push_str(TOKENS[(*seed % TOKENS.len() as u64) as usize]);
    }
    s
}

#[test]
fn ranges_slice_the_input() {
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    for n in 0..3000 {
        let src = soup(&mut seed, 1 + n % 60);
        let df = parse(&src);
        let check = |r: &std::ops::Range<usize>, what: &str| {
            assert!(
                src.get(r.clone()).is_some(),
                "{what} range {r:?} in {src:?}"
            );
        };
        for i in &df.instructions {
            check(&i.range, "instruction");
            check(&i.keyword_range, "keyword");
            for f in &i.flags {
                check(&f.range, "flag");
            }
            for c in &i.comments {
                check(&c.range, "comment");
            }
        }
        for e in &df.errors {
            check(&e.range, "error");
        }
        let m = df.model();
        for i in &m.images {
            check(&i.range, "image");
        }
        for r in &m.runs {
            let a = r.analyze();
            for (i, p) in a.packages() {
                check(&i.range, "install");
                check(&p.range, "package");
            }
            for p in &a.pipe_to_shell {
                check(&p.range, "pipe");
            }
        }
    }
}
