//! The Dockerfile parser and model: spans, continuations, heredocs, flags, scoping.

use fleetpin_dockerfile::{Args, Base, ImageUseKind, Keyword, ParseErrorKind, RunKind, parse};
use fleetpin_shell::PinStrength;

fn line_of(src: &str, offset: usize) -> usize {
    src[..offset].matches('\n').count() + 1
}

#[test]
fn instructions_and_spans() {
    let src = "FROM debian:12\n\nrun apt-get update\nCMD [\"nginx\", \"-g\", \"daemon off;\"]\nENTRYPOINT [not json\n";
    let df = parse(src);
    assert!(df.errors.is_empty(), "{:?}", df.errors);
    let kw: Vec<_> = df.instructions.iter().map(|i| i.keyword.clone()).collect();
    assert_eq!(
        kw,
        [
            Keyword::From,
            Keyword::Run,
            Keyword::Cmd,
            Keyword::Entrypoint
        ]
    );
    let run = &df.instructions[1];
    assert_eq!(run.line, 3);
    assert_eq!(&src[run.keyword_range.clone()], "run");
    assert_eq!(&src[run.range.clone()], "run apt-get update");
    match &df.instructions[2].args {
        Args::Exec(a) => {
            let v: Vec<_> = a.iter().map(|e| e.value.as_str()).collect();
            assert_eq!(v, ["nginx", "-g", "daemon off;"]);
            assert_eq!(&src[a[2].range.clone()], "\"daemon off;\"");
        }
        other => panic!("{other:?}"),
    }
    // Not valid JSON: shell form.
    assert!(matches!(df.instructions[3].args, Args::Shell(_)));
}

#[test]
fn continuations_with_comments_and_blank_lines() {
    let src = "# fleetpin: ignore[SH001]\nRUN apt-get update && \\\n    # a comment inside\n\n    apt-get install -y \\\n      curl=7.88.1-10   \\  \n      git\nRUN echo done\n";
    let df = parse(src);
    assert!(df.errors.is_empty(), "{:?}", df.errors);
    let run = &df.instructions[0];
    assert_eq!(run.line, 2);
    assert_eq!(run.end_line, 7);
    let comments: Vec<_> = run
        .comments
        .iter()
        .map(|c| (c.line, c.text.as_str()))
        .collect();
    assert_eq!(
        comments,
        [(1, "fleetpin: ignore[SH001]"), (3, "a comment inside")]
    );
    let text = &run.shell_text().unwrap().text;
    assert_eq!(
        text,
        "apt-get update &&     apt-get install -y       curl=7.88.1-10         git"
    );
    let m = df.model();
    let a = m.runs[0].analyze();
    let pkgs: Vec<_> = a.installs[0]
        .packages
        .iter()
        .map(|p| (&src[p.range.clone()], line_of(src, p.range.start)))
        .collect();
    assert_eq!(pkgs, [("curl=7.88.1-10", 6), ("git", 7)]);
    // A blank line ends the comment block that suppressions look at.
    let df = parse("# stale\n\nRUN x\n");
    assert!(df.instructions[0].comments.is_empty());
}

#[test]
fn escape_directive() {
    let src = "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN choco install -y git `\n    nodejs\nCOPY C:\\src C:\\dst\n";
    let df = parse(src);
    assert_eq!(df.escape, '`');
    assert!(df.errors.is_empty(), "{:?}", df.errors);
    assert_eq!(df.instructions.len(), 3);
    assert_eq!(
        df.instructions[1].shell_text().unwrap().text,
        "choco install -y git     nodejs"
    );
    assert_eq!(
        df.instructions[2].shell_text().unwrap().text,
        "C:\\src C:\\dst"
    );
    // Directives only count at the top.
    let df = parse("FROM x\n# escape=`\nRUN a `\n");
    assert_eq!(df.escape, '\\');
    let df = parse("# syntax=docker/dockerfile:1\n# escape=\\\nFROM x\n");
    assert_eq!(df.directives.len(), 2);
    let df = parse("# escape=x\nFROM x\n");
    assert!(matches!(
        df.errors[0].kind,
        ParseErrorKind::InvalidEscape(_)
    ));
}

#[test]
fn flags() {
    let src = "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nCOPY --from=build --chown=app:app /out /app\nRUN --mount=type=cache,target=/root/.cache --network=none go build\n";
    let df = parse(src);
    let from = &df.instructions[0];
    assert_eq!(
        from.flag("platform").unwrap().value.as_deref(),
        Some("$BUILDPLATFORM")
    );
    assert_eq!(
        &src[from.flag("platform").unwrap().value_range.clone().unwrap()],
        "$BUILDPLATFORM"
    );
    assert_eq!(from.shell_text().unwrap().text, "golang:1.22 AS build");
    let copy = &df.instructions[1];
    assert_eq!(copy.flags.len(), 2);
    assert_eq!(copy.flag("from").unwrap().value.as_deref(), Some("build"));
    let run = &df.instructions[2];
    assert_eq!(
        run.flags
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>(),
        ["mount", "network"]
    );
    assert_eq!(run.shell_text().unwrap().text, "go build");
}

#[test]
fn heredocs() {
    let src = "FROM debian:12\nRUN <<EOF\n# a comment right after the heredoc line (hadolint gives up here)\nset -e\napt-get update\napt-get install -y curl\nEOF\nRUN <<-'SCRIPT' bash\n\tpip install flask==3.0.0\n\tSCRIPT\nCOPY <<A <<B /etc/\nx\nA\ny\nB\nRUN python3 <<EOF\nimport os\nEOF\nRUN echo after\n";
    let df = parse(src);
    assert!(df.errors.is_empty(), "{:?}", df.errors);
    let kw: Vec<_> = df
        .instructions
        .iter()
        .map(|i| (i.keyword.as_str().to_owned(), i.line))
        .collect();
    assert_eq!(
        kw,
        [
            ("FROM".into(), 1),
            ("RUN".into(), 2),
            ("RUN".into(), 8),
            ("COPY".into(), 11),
            ("RUN".into(), 16),
            ("RUN".into(), 19)
        ]
    );
    let run = &df.instructions[1];
    assert_eq!(run.heredocs.len(), 1);
    assert!(run.heredocs[0].body.text.starts_with("# a comment"));
    let copy = &df.instructions[3];
    let bodies: Vec<_> = copy.heredocs.iter().map(|h| h.body.text.as_str()).collect();
    assert_eq!(bodies, ["x\n", "y\n"]);
    let m = df.model();
    let kinds: Vec<_> = m.runs.iter().map(|r| (r.instruction, r.kind)).collect();
    // The python heredoc body is data; its command line is still a shell command.
    assert_eq!(
        kinds,
        [
            (1, RunKind::Heredoc),
            (2, RunKind::Heredoc),
            (2, RunKind::Shell),
            (4, RunKind::Shell),
            (5, RunKind::Shell)
        ]
    );
    let a = m.runs[0].analyze();
    let p = &a.installs[0].packages[0];
    assert_eq!(
        (&src[p.range.clone()], line_of(src, p.range.start)),
        ("curl", 6)
    );
    let a = m.runs[1].analyze();
    let p = &a.installs[0].packages[0];
    assert_eq!(
        (&src[p.range.clone()], line_of(src, p.range.start)),
        ("flask==3.0.0", 9)
    );
    assert_eq!(p.strength, PinStrength::Exact);
}

#[test]
fn errors_keep_the_partial_tree() {
    let df = parse("FROM debian\nRUN apt-get install -y \\\n");
    assert_eq!(df.instructions.len(), 2);
    assert_eq!(df.errors.len(), 1);
    assert_eq!(df.errors[0].kind, ParseErrorKind::UnterminatedContinuation);
    assert_eq!(df.errors[0].line, 2);
    assert_eq!(
        df.errors[0].to_string(),
        "line 2: unterminated line continuation at end of file"
    );

    let df = parse("FROM debian\nRUN <<EOF\napt-get install -y x\n");
    assert_eq!(
        df.errors[0].kind,
        ParseErrorKind::UnterminatedHeredoc("EOF".into())
    );
    assert_eq!(df.errors[0].line, 2);
    assert!(!df.instructions[1].heredocs[0].terminated);
    // The body read so far is still analysed.
    let a = df.model().runs[0].analyze();
    assert_eq!(a.installs[0].packages[0].name, "x");

    let df = parse("FORM debian\nRUN x\nRUN\n");
    let kinds: Vec<_> = df.errors.iter().map(|e| (e.line, e.kind.clone())).collect();
    assert_eq!(
        kinds,
        [
            (1, ParseErrorKind::UnknownInstruction("FORM".into())),
            (3, ParseErrorKind::MissingArguments("RUN".into()))
        ]
    );
    assert_eq!(df.instructions.len(), 3);
}

#[test]
fn model_stages_args_and_images() {
    let src = "\
ARG REGISTRY=ghcr.io/acme
ARG BASE_TAG=1.22
ARG UNSET
FROM --platform=linux/amd64 golang:${BASE_TAG} AS build
ARG BASE_TAG
ENV GOFLAGS=-mod=vendor APP_VERSION=2.1.0
RUN echo $BASE_TAG
FROM build AS test
RUN echo $APP_VERSION
FROM ${REGISTRY}/runtime:latest
COPY --from=build /out /app
COPY --from=busybox:1.36 /bin/busybox /bin/
COPY --from=0 /x /y
RUN --mount=type=bind,from=alpine:3.19,target=/mnt true
FROM scratch
FROM nginx
FROM app:${UNSET}
";
    let df = parse(src);
    assert!(df.errors.is_empty(), "{:?}", df.errors);
    let m = df.model();
    let bases: Vec<_> = m.stages.iter().map(|s| s.base.clone()).collect();
    assert_eq!(
        bases,
        [
            Base::Image(0),
            Base::Stage(0),
            Base::Image(1),
            Base::Scratch,
            Base::Image(4),
            Base::Image(5)
        ]
    );
    assert_eq!(m.stages[0].alias.as_deref(), Some("build"));
    assert_eq!(m.stages[0].platform.as_deref(), Some("linux/amd64"));
    let images: Vec<_> = m
        .images
        .iter()
        .map(|i| (i.kind, i.written.as_str(), i.resolved.as_str()))
        .collect();
    assert_eq!(
        images,
        [
            (ImageUseKind::From, "golang:${BASE_TAG}", "golang:1.22"),
            (
                ImageUseKind::From,
                "${REGISTRY}/runtime:latest",
                "ghcr.io/acme/runtime:latest"
            ),
            (ImageUseKind::CopyFrom, "busybox:1.36", "busybox:1.36"),
            (ImageUseKind::MountFrom, "alpine:3.19", "alpine:3.19"),
            (ImageUseKind::From, "nginx", "nginx"),
            (ImageUseKind::From, "app:${UNSET}", "app:${UNSET}"),
        ]
    );
    // Where the substituted value was set (for a secondary label).
    let s = &m.images[0].substitutions[0];
    assert_eq!((s.name.as_str(), s.value.as_str()), ("BASE_TAG", "1.22"));
    assert_eq!(&src[s.defined_at.clone().unwrap()], "BASE_TAG=1.22");
    assert_eq!(&src[m.images[3].range.clone()], "alpine:3.19");
    assert_eq!(&src[m.images[2].range.clone()], "busybox:1.36");
    assert_eq!(m.images[5].unresolved, ["UNSET"]);
    let f = fleetpin_dockerfile::DEFAULT_FLOATING_TAGS;
    let st: Vec<_> = m
        .images
        .iter()
        .map(|i| i.reference.as_ref().unwrap().pin_strength(f))
        .collect();
    // `golang:1.22`, `busybox:1.36`, `alpine:3.19` give major.minor only: ranges.
    use PinStrength::{Floating, Range, Unresolved};
    assert_eq!(st, [Range, Floating, Range, Range, Floating, Unresolved]);
    // The reference's ranges are the file's when nothing was substituted.
    let tag = m.images[2]
        .reference
        .as_ref()
        .unwrap()
        .tag_range
        .clone()
        .unwrap();
    assert_eq!(&src[m.images[2].file_range(tag).unwrap()], "1.36");
    assert_eq!(m.images[0].file_range(0..1), None);
    // Scopes: the redeclared global ARG and ENV in stage 0; ENV inherited by `FROM build`.
    assert_eq!(m.runs[0].scope.get("BASE_TAG"), Some("1.22"));
    assert_eq!(m.runs[0].scope.get("APP_VERSION"), Some("2.1.0"));
    assert_eq!(m.runs[1].scope.get("APP_VERSION"), Some("2.1.0"));
    assert_eq!(m.runs[1].scope.get("BASE_TAG"), None);
}

#[test]
fn run_variables_resolve_from_arg_and_env() {
    let src = "FROM debian:12\nARG DOCKER_VERSION=5:24.0.7-1~debian.12~bookworm\nARG CLI_VERSION\nENV CONTAINERD=1.6.28-1\nRUN apt-get install -y docker-ce=${DOCKER_VERSION} docker-ce-cli=$CLI_VERSION containerd.io=$CONTAINERD\n";
    let m = parse(src).model();
    let a = m.runs[0].analyze();
    let s: Vec<_> = a
        .packages()
        .map(|(_, p)| (&src[p.range.clone()], p.strength))
        .collect();
    use PinStrength::{Exact, Unresolved};
    assert_eq!(
        s,
        [
            ("docker-ce=${DOCKER_VERSION}", Exact),
            ("docker-ce-cli=$CLI_VERSION", Unresolved),
            ("containerd.io=$CONTAINERD", Exact),
        ]
    );
}

#[test]
fn exec_form_and_onbuild_runs() {
    let src = "FROM x\nRUN [\"apt-get\", \"install\", \"-y\", \"curl\"]\nRUN [\"/bin/sh\", \"-c\", \"pip install flask\"]\nONBUILD RUN npm i -g pm2\n";
    let m = parse(src).model();
    assert_eq!(m.runs.len(), 3);
    let words: Vec<Vec<(String, usize)>> = m
        .runs
        .iter()
        .map(|r| {
            r.analyze()
                .packages()
                .map(|(_, p)| (src[p.range.clone()].to_owned(), line_of(src, p.range.start)))
                .collect()
        })
        .collect();
    assert_eq!(words[0], [("curl".to_owned(), 2)]);
    assert_eq!(words[1], [("flask".to_owned(), 3)]);
    assert_eq!(words[2], [("pm2".to_owned(), 4)]);
}

#[test]
fn jinja_templated_dockerfiles() {
    let src = "FROM {{ image }}\n{% if proxy %}\nENV http_proxy={{ proxy }}\n{% endif %}\n{# comment #}\nRUN apt-get install -y \\\n{% if extra %}\n    extra \\\n{% endif %}\n    curl\n";
    let df = parse(src);
    assert!(df.errors.is_empty(), "{:?}", df.errors);
    assert_eq!(df.instructions.len(), 3);
    let m = df.model();
    let a = m.runs[0].analyze();
    let names: Vec<_> = a.packages().map(|(_, p)| p.name.as_str()).collect();
    assert_eq!(names, ["extra", "curl"]);
    let r = m.images[0].reference.as_ref().unwrap();
    assert_eq!(
        r.status(fleetpin_dockerfile::DEFAULT_FLOATING_TAGS),
        fleetpin_dockerfile::TagStatus::Unresolved
    );
}

#[test]
fn legacy_env_form() {
    let m =
        parse("FROM x\nENV PKGS \"ansible-core==2.16.3 jinja2\"\nRUN pip install $PKGS\n").model();
    assert_eq!(
        m.runs[0].scope.get("PKGS"),
        Some("ansible-core==2.16.3 jinja2")
    );
    let a = m.runs[0].analyze();
    let s: Vec<_> = a
        .packages()
        .map(|(_, p)| (p.name.as_str(), p.strength))
        .collect();
    assert_eq!(
        s,
        [
            ("ansible-core", PinStrength::Exact),
            ("jinja2", PinStrength::None)
        ]
    );
}

#[test]
fn remote_add_sources() {
    let src = "FROM x\nARG V=1.2.3\nADD https://github.com/o/r/releases/latest/download/r.tgz /opt/\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://x.io/r-${V}.tgz /opt/\nADD https://x.io/r-${V}.tgz local.txt /opt/\nADD https://github.com/moby/buildkit.git#v0.12.5 /src\nADD git@github.com:o/r.git#main:docs /docs\nADD [\"https://x.io/a b.tgz\", \"/opt/\"]\nADD ./local /opt/\nADD https://raw.githubusercontent.com/o/r/main/install.sh /i.sh\n";
    let m = parse(src).model();
    let got: Vec<_> = m
        .remote_sources
        .iter()
        .map(|r| {
            (
                r.kind,
                r.url.as_str(),
                r.git_ref.as_deref(),
                r.strength,
                r.latest,
            )
        })
        .collect();
    use PinStrength::{Digest, Exact, Floating, None as NoPin};
    use fleetpin_dockerfile::RemoteKind::{Git, Http};
    assert_eq!(
        got,
        [
            (
                Http,
                "https://github.com/o/r/releases/latest/download/r.tgz",
                None,
                Floating,
                true
            ),
            (Http, "https://x.io/r-1.2.3.tgz", None, Digest, false),
            (Http, "https://x.io/r-1.2.3.tgz", None, NoPin, false),
            (
                Git,
                "https://github.com/moby/buildkit.git#v0.12.5",
                Some("v0.12.5"),
                Exact,
                false
            ),
            (
                Git,
                "git@github.com:o/r.git#main:docs",
                Some("main"),
                Floating,
                false
            ),
            (Http, "https://x.io/a b.tgz", None, NoPin, false),
            (
                Http,
                "https://raw.githubusercontent.com/o/r/main/install.sh",
                None,
                Floating,
                false
            ),
        ]
    );
    assert_eq!(
        &src[m.remote_sources[3].range.clone()],
        "https://github.com/moby/buildkit.git#v0.12.5"
    );
}

#[test]
fn byte_order_mark_and_crlf() {
    let src = "\u{feff}FROM debian:12\r\nRUN apt-get install -y \\\r\n    curl\r\n";
    let df = parse(src);
    assert!(df.errors.is_empty(), "{:?}", df.errors);
    assert_eq!(df.instructions[0].keyword, Keyword::From);
    let a = df.model().runs[0].analyze();
    let p = &a.installs[0].packages[0];
    assert_eq!(&src[p.range.clone()], "curl");
}

#[test]
fn never_panics() {
    for src in [
        "",
        "\n",
        "\\",
        "RUN \\",
        "RUN <<",
        "RUN <<EOF",
        "FROM",
        "FROM ${",
        "FROM $",
        "# escape=`\n`",
        "ARG",
        "ARG =",
        "ENV",
        "ENV a",
        "COPY --from=",
        "RUN --mount=from=",
        "RUN [\"a\"",
        "RUN [\"\\u00e9\"]",
        "FROM x AS",
        "ONBUILD",
        "ONBUILD RUN",
        "\u{feff}FROM x",
        "RUN \u{e9}\u{e9} \\\r\n x\r\n",
        "RUN <<-\"E\"\n\tE",
        "FROM a\nFROM A\nCOPY --from=a x y",
        "RUN --mount=type=bind,from=${X} x",
    ] {
        let df = parse(src);
        let m = df.model();
        for r in &m.runs {
            let _ = r.analyze();
        }
    }
}
