use super::*;

fn one(src: &str) -> Node {
    let mut docs = parse(src).unwrap_or_else(|e| panic!("{e}: {src:?}"));
    assert_eq!(docs.len(), 1, "{src:?}");
    docs.remove(0).root
}

/// Structure without spans, for comparisons.
#[derive(Debug, PartialEq)]
enum Shape {
    Null,
    Str(String),
    Seq(Vec<Shape>),
    Map(Vec<(Shape, Shape)>),
}

fn shape(node: &Node) -> Shape {
    match &node.kind {
        NodeKind::Null => Shape::Null,
        NodeKind::Scalar(s) => Shape::Str(s.value.clone()),
        NodeKind::Seq(items) => Shape::Seq(items.iter().map(shape).collect()),
        NodeKind::Map(entries) => {
            Shape::Map(entries.iter().map(|(k, v)| (shape(k), shape(v))).collect())
        }
    }
}

/// Every node's span, re-parsed at the same column, gives the same node: the text at a
/// node's span is the node's source. Scalars without escapes or folding also have
/// `src[value_span] == value`.
fn assert_spans_round_trip(src: &str) {
    for doc in parse(src).unwrap() {
        let mut stack = vec![&doc.root];
        while let Some(node) = stack.pop() {
            let text = &src[node.span.clone()];
            if let NodeKind::Scalar(s) = &node.kind {
                let raw = &src[s.value_span.clone()];
                if matches!(s.style, ScalarStyle::Plain | ScalarStyle::SingleQuoted)
                    && !raw.contains('\n')
                    && !raw.contains("''")
                {
                    assert_eq!(raw, s.value, "value_span of {node:?} in {src:?}");
                }
            }
            if !node.is_null() {
                let (_, col) = line_col(src, node.span.start);
                let reparsed = format!("{}{}", " ".repeat(col - 1), text);
                let again = one(&reparsed);
                assert_eq!(shape(&again), shape(node), "span text {text:?} in {src:?}");
            }
            match &node.kind {
                NodeKind::Seq(items) => stack.extend(items),
                NodeKind::Map(entries) => {
                    for (k, v) in entries {
                        stack.push(k);
                        stack.push(v);
                    }
                }
                _ => {}
            }
        }
    }
}

#[test]
fn spans_round_trip_on_ansible_shapes() {
    let samples = [
        "- hosts: all   # c\n  become: yes\n  tasks:\n    - apt: name=docker-ce state=latest\n    - name: x\n      apt:\n        name: [docker-ce, containerd.io]\n        state: \"latest\"\n",
        "a: 'single ''q'''\nb: \"dq \\\" x\"\nc: |\n  lit\n  block\n\nd: >-\n  folded\n  text\ne: [1, {x: y}, \"z\"]\nf: {}\ng: []\n",
        "key: plain\n  multi line\nother: !!str 1\nt: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6134\n",
        "- - a\n  - b\n- ? complex\n  : val\n- {a: 1, b: [2, 3]}\n",
        "é: \"☃ snow\"\nü: plain ☃\nlist:\n  - ä\n  - 'ö'\n",
        "a: |+\n  keep\n\nb: |-\n  strip\nc: >2\n   indented\n",
        "---\nfirst: 1\n---\nsecond: 2\n...\n",
    ];
    for src in samples {
        assert_spans_round_trip(src);
    }
}

#[test]
fn spans_are_bytes_not_chars() {
    let src = "é: \"☃ snow\"\nname: docker-ce\n";
    let root = one(src);
    let name = root.get("name").unwrap();
    assert_eq!(&src[name.span.clone()], "docker-ce");
    let snow = root.get("é").unwrap();
    assert_eq!(&src[snow.span.clone()], "\"☃ snow\"");
    assert_eq!(&src[snow.value_span()], "☃ snow");
}

#[test]
fn block_scalar_span_includes_header() {
    let src = "a: |-  # note\n  one\n  two\n\nb: >\n  x\nc: |\nd: 1\n";
    let root = one(src);
    let a = root.get("a").unwrap();
    assert_eq!(&src[a.span.clone()], "|-  # note\n  one\n  two");
    assert_eq!(&src[a.value_span()], "one\n  two");
    assert_eq!(a.as_str(), Some("one\ntwo"));
    let b = root.get("b").unwrap();
    assert_eq!(&src[b.span.clone()], ">\n  x");
    let c = root.get("c").unwrap();
    assert_eq!(&src[c.span.clone()], "|");
    assert_eq!(c.as_str(), Some(""));
}

#[test]
fn nulls_and_quoted_nulls() {
    let root = one("a:\nb: ~\nc: null\nd: 'null'\ne: !!str\nf: NULL\n");
    assert!(root.get("a").unwrap().is_null());
    assert!(root.get("b").unwrap().is_null());
    assert!(root.get("c").unwrap().is_null());
    assert_eq!(root.get("d").unwrap().as_str(), Some("null"));
    assert_eq!(root.get("e").unwrap().as_str(), Some(""));
    assert!(root.get("f").unwrap().is_null());
    assert!(root.get("missing").is_none());
}

#[test]
fn ansible_truthiness() {
    let root = one(
        "a: yes\nb: No\nc: 'true'\nd: ON\ne: off\nf: 1\ng: \"{{ x }}\"\nh: maybe\ni: False\nj: y\n",
    );
    let b = |k| root.get(k).unwrap().as_bool();
    assert_eq!(b("a"), Some(true));
    assert_eq!(b("b"), Some(false));
    assert_eq!(b("c"), Some(true));
    assert_eq!(b("d"), Some(true));
    assert_eq!(b("e"), Some(false));
    assert_eq!(b("f"), Some(true));
    assert_eq!(b("g"), None);
    assert_eq!(b("h"), None);
    assert_eq!(b("i"), Some(false));
    assert_eq!(b("j"), Some(true));
}

#[test]
fn integers() {
    let root = one("a: 3\nb: -2\nc: 0x1f\nd: 1_000\ne: 100%\n");
    assert_eq!(root.get("a").unwrap().as_i64(), Some(3));
    assert_eq!(root.get("b").unwrap().as_i64(), Some(-2));
    assert_eq!(root.get("c").unwrap().as_i64(), Some(31));
    assert_eq!(root.get("d").unwrap().as_i64(), Some(1000));
    assert_eq!(root.get("e").unwrap().as_i64(), None);
}

#[test]
fn duplicate_keys_last_wins_at_first_position() {
    let src = "state: present\nname: x\nstate: latest\n";
    let root = one(src);
    let keys: Vec<_> = root.entries().map(|(k, _, _)| k).collect();
    assert_eq!(keys, ["state", "name"]);
    let state = root.get("state").unwrap();
    assert_eq!(state.as_str(), Some("latest"));
    assert_eq!(&src[state.span.clone()], "latest");
    assert_eq!(line_col(src, state.span.start), (3, 8));
}

#[test]
fn aliases_expand_with_anchor_spans() {
    let src = "base: &b latest\nstate: *b\nlist: &l [a, b]\nagain: *l\n";
    let root = one(src);
    let state = root.get("state").unwrap();
    assert_eq!(state.as_str(), Some("latest"));
    // Points at where the value was written.
    assert_eq!(&src[state.value_span()], "latest");
    assert_eq!(
        shape(root.get("again").unwrap()),
        shape(root.get("list").unwrap())
    );
}

#[test]
fn merge_keys_follow_pyyaml() {
    let src = "\
defaults: &d {state: latest, name: a}
extra: &e {name: b, update_cache: yes}
one:
  <<: *d
  name: own
two:
  <<: [*e, *d]
";
    let root = one(src);
    let one_ = root.get("one").unwrap();
    assert_eq!(one_.get("state").unwrap().as_str(), Some("latest"));
    assert_eq!(one_.get("name").unwrap().as_str(), Some("own"));
    assert!(!one_.contains_key("<<"));
    let two = root.get("two").unwrap();
    // Earlier maps in the merge list win.
    assert_eq!(two.get("name").unwrap().as_str(), Some("b"));
    assert_eq!(two.get("state").unwrap().as_str(), Some("latest"));
    assert_eq!(two.get("update_cache").unwrap().as_bool(), Some(true));
    assert!(parse("a: &x 1\nb:\n  <<: *x\n").is_err());
    // A quoted "<<" is an ordinary key.
    let quoted = one("'<<': 1\n");
    assert_eq!(quoted.get("<<").unwrap().as_str(), Some("1"));
}

#[test]
fn tags_are_resolved() {
    let root = one("a: !!str 1\nb: !vault |\n  $ANSIBLE_VAULT\nc: !unsafe '{{ x }}'\n");
    assert_eq!(root.get("a").unwrap().tag.as_deref(), Some(TAG_STR));
    assert_eq!(root.get("b").unwrap().tag.as_deref(), Some("!vault"));
    let c = root.get("c").unwrap();
    assert_eq!(c.tag.as_deref(), Some("!unsafe"));
    assert_eq!(c.as_str(), Some("{{ x }}"));
}

#[test]
fn multi_document_and_empty_streams() {
    assert!(parse("").unwrap().is_empty());
    assert!(parse("# only a comment\n").unwrap().is_empty());
    let docs = parse("a: 1\n---\nb: 2\n").unwrap();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[1].root.get("b").unwrap().as_str(), Some("2"));
    // Anchors do not leak between documents.
    assert!(parse("a: &x 1\n---\nb: *x\n").is_err());
}

#[test]
fn errors_carry_line_and_column() {
    let err = parse("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
    assert!(err.line >= 2, "{err}");
    let err = parse("a: 1\n b: 2\n").unwrap_err();
    assert_eq!(err.line, 2, "{err}");
    let err = parse("x: *nope\n").unwrap_err();
    assert_eq!((err.line, err.column), (1, 4), "{err}");
    assert!(err.to_string().starts_with("line 1 column 4: "), "{err}");
}

#[test]
fn billion_laughs_is_an_error() {
    let mut src = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let prev = (b'a' + i - 1) as char;
        let cur = (b'a' + i) as char;
        src.push_str(&format!(
            "{cur}: &{cur} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
        ));
    }
    let err = parse(&src).unwrap_err();
    assert!(err.message.contains("alias expansion"), "{err}");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let flow = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(parse(&flow).is_err());
    let mut block = String::new();
    for depth in 0..2000 {
        block.push_str(&" ".repeat(depth));
        block.push_str("k:\n");
    }
    let err = parse(&block).unwrap_err();
    assert!(err.message.contains("nesting"), "{err}");
    // Within the limit is fine.
    let ok = format!("{}{}", "[".repeat(100), "]".repeat(100));
    assert!(parse(&ok).is_ok());
}

#[test]
fn odd_inputs_do_not_panic() {
    for src in [
        "\u{feff}a: 1\n",
        "a: \"unterminated\n",
        "- |\n",
        "? \n",
        ":",
        "!<tag:yaml.org,2002:str> x",
        "&a a: *a",
        "a:\r\n  - b\r\n",
        "\t- x",
        "%YAML 1.2\n---\nx\n",
        "[a, b]: c\n",
        "- >\n\n\n",
    ] {
        let _ = parse(src);
    }
}

#[test]
fn line_col_counts_chars() {
    let src = "é: x\nab☃c\n";
    assert_eq!(line_col(src, 0), (1, 1));
    assert_eq!(line_col(src, 4), (1, 4));
    let snow = src.find('☃').unwrap();
    assert_eq!(line_col(src, snow), (2, 3));
    assert_eq!(line_col(src, snow + 1), (2, 3));
    assert_eq!(line_col(src, 1000), (3, 1));
}

mod generated {
    //! Property test: random trees emitted in random YAML styles parse back to the same tree,
    //! and every node's span round-trips (see `assert_spans_round_trip`).
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Tree {
        Str(String),
        Seq(Vec<Tree>),
        Map(Vec<(String, Tree)>),
    }

    fn to_shape(t: &Tree) -> Shape {
        match t {
            Tree::Str(s) => Shape::Str(s.clone()),
            Tree::Seq(items) => Shape::Seq(items.iter().map(to_shape).collect()),
            Tree::Map(entries) => Shape::Map(
                entries
                    .iter()
                    .map(|(k, v)| (Shape::Str(k.clone()), to_shape(v)))
                    .collect(),
            ),
        }
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z][a-z0-9_.-]{0,10}",
            "[a-zA-Z0-9 :#'\"{}\\[\\],&*!|>%@`=~é☃-]{0,12}",
            "[a-z]{1,5}( [a-z]{1,5}){0,3}(\n[a-z]{1,5}( [a-z]{1,5}){0,2}){0,3}",
        ]
    }

    fn tree() -> impl Strategy<Value = Tree> {
        let leaf = text().prop_map(Tree::Str);
        leaf.prop_recursive(4, 40, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Tree::Seq),
                prop::collection::vec(("[a-z][a-z0-9_]{0,6}", inner), 0..5).prop_map(|entries| {
                    let mut seen = std::collections::HashSet::new();
                    Tree::Map(
                        entries
                            .into_iter()
                            .filter(|(k, _)| seen.insert(k.clone()))
                            .collect(),
                    )
                }),
            ]
        })
    }

    fn is_plain_safe(s: &str) -> bool {
        let ok_chars = s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '_' | '.' | '-'));
        ok_chars
            && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            && !s.ends_with(' ')
            && !matches!(s, "null" | "Null" | "NULL")
    }

    fn double_quoted(s: &str) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    /// Emit a scalar inline; `style` picks among the styles that can represent it.
    fn scalar(s: &str, style: u8, flow: bool) -> String {
        match style % 3 {
            0 if is_plain_safe(s) => s.to_string(),
            1 if !s.contains('\n') => format!("'{}'", s.replace('\'', "''")),
            _ => {
                let _ = flow;
                double_quoted(s)
            }
        }
    }

    fn is_literal_safe(s: &str) -> bool {
        !s.is_empty()
            && s.lines().count() == s.split('\n').count()
            && s.split('\n').all(|l| {
                !l.is_empty()
                    && l.chars().all(|c| c.is_ascii_lowercase() || c == ' ')
                    && !l.starts_with(' ')
                    && !l.ends_with(' ')
            })
    }

    fn flow(t: &Tree, styles: &mut impl Iterator<Item = u8>) -> String {
        match t {
            Tree::Str(s) => scalar(s, styles.next().unwrap_or(2), true),
            Tree::Seq(items) => format!(
                "[{}]",
                items
                    .iter()
                    .map(|i| flow(i, styles))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Tree::Map(entries) => format!(
                "{{{}}}",
                entries
                    .iter()
                    .map(|(k, v)| format!("{}: {}", double_quoted(k), flow(v, styles)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// Emit `t` as the value after `key: ` or `- ` at indentation `indent`.
    fn block_value(
        t: &Tree,
        indent: usize,
        styles: &mut impl Iterator<Item = u8>,
        out: &mut String,
    ) {
        let style = styles.next().unwrap_or(0);
        match t {
            Tree::Str(s) if style % 4 == 3 && is_literal_safe(s) => {
                out.push_str("|-\n");
                for line in s.split('\n') {
                    out.push_str(&" ".repeat(indent + 2));
                    out.push_str(line);
                    out.push('\n');
                }
            }
            Tree::Str(s) => {
                out.push_str(&scalar(s, style, false));
                out.push('\n');
            }
            Tree::Seq(items) if items.is_empty() || style % 2 == 1 => {
                out.push_str(&flow(t, styles));
                out.push('\n');
            }
            Tree::Map(entries) if entries.is_empty() || style % 2 == 1 => {
                out.push_str(&flow(t, styles));
                out.push('\n');
            }
            _ => {
                out.push('\n');
                block(t, indent + 2, styles, out);
            }
        }
    }

    fn block(t: &Tree, indent: usize, styles: &mut impl Iterator<Item = u8>, out: &mut String) {
        match t {
            Tree::Seq(items) if !items.is_empty() => {
                for item in items {
                    out.push_str(&" ".repeat(indent));
                    out.push_str("- ");
                    block_value(item, indent, styles, out);
                }
            }
            Tree::Map(entries) if !entries.is_empty() => {
                for (k, v) in entries {
                    out.push_str(&" ".repeat(indent));
                    out.push_str(&scalar(k, styles.next().unwrap_or(0), false));
                    out.push_str(": ");
                    block_value(v, indent, styles, out);
                }
            }
            other => {
                out.push_str(&" ".repeat(indent));
                block_value(other, indent, styles, out);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn emitted_trees_parse_back_with_round_tripping_spans(
            t in tree(),
            styles in prop::collection::vec(any::<u8>(), 64),
        ) {
            let mut it = styles.into_iter().cycle();
            let mut src = String::new();
            block(&t, 0, &mut it, &mut src);
            let docs = parse(&src).map_err(|e| TestCaseError::fail(format!("{e}\n{src}")))?;
            prop_assert_eq!(docs.len(), 1, "{}", src);
            prop_assert_eq!(shape(&docs[0].root), to_shape(&t), "{}", src);
            assert_spans_round_trip(&src);
        }
    }
}

/// Regression (fuzz crash-778d618d): an offset inside a multi-byte character of the value.
#[test]
fn source_offsets_inside_characters() {
    for src in ["k: \"\\t܇x\"\nl: ܇܇\n", "a:X''''0''x܇ߤ{ d}t\n }x\"\n"] {
        let docs = parse(src).unwrap();
        let mut scalars = 0;
        let mut stack: Vec<&Node> = docs.iter().map(|d| &d.root).collect();
        while let Some(node) = stack.pop() {
            match &node.kind {
                NodeKind::Scalar(s) => {
                    scalars += 1;
                    for i in 0..=s.value.len() + 2 {
                        let o = s.source_offset(src, i);
                        assert!(src.is_char_boundary(o), "{i} -> {o}");
                        for j in i..=s.value.len() + 2 {
                            let r = s.source_range(src, i..j);
                            assert!(src.is_char_boundary(r.start) && src.is_char_boundary(r.end));
                            assert!(r.start <= r.end && r.end <= src.len());
                        }
                    }
                }
                NodeKind::Seq(items) => stack.extend(items),
                NodeKind::Map(entries) => {
                    for (k, v) in entries {
                        stack.push(k);
                        stack.push(v);
                    }
                }
                NodeKind::Null => {}
            }
        }
        assert!(scalars > 0, "{src:?}");
    }
}

/// saphyr's span of a quoted scalar followed by a comment runs over the comment.
#[test]
fn quoted_scalar_spans_stop_at_the_closing_quote() {
    let src = "- docker-ce   # c\n- \"containerd.io\"  # d\n- 'it''s'   # e\n- \"a\\\"b\" # f\n- k: \"v\"  # g\n";
    let root = one(src);
    let items = root.as_seq().unwrap();
    assert_eq!(&src[items[1].span.clone()], "\"containerd.io\"");
    assert_eq!(&src[items[1].value_span()], "containerd.io");
    assert_eq!(&src[items[2].span.clone()], "'it''s'");
    assert_eq!(&src[items[3].span.clone()], "\"a\\\"b\"");
    assert_eq!(&src[items[4].get("k").unwrap().span.clone()], "\"v\"");
    assert_spans_round_trip(src);
}

/// Aliases nest their node where used: a chain of aliases must not build a tree deeper than
/// the depth limit (dropping or cloning it would recurse that deep).
#[test]
fn alias_chains_respect_the_depth_limit() {
    let mut src = String::from("a0: &a0 [x]\n");
    for i in 1..400 {
        src.push_str(&format!("a{i}: &a{i} [*a{}]\n", i - 1));
    }
    let err = parse(&src).unwrap_err();
    assert!(err.message.contains("nesting"), "{err}");
    // A short chain is fine.
    assert!(parse("a: &a [x]\nb: &b [*a]\nc: [*b, *b]\n").is_ok());
}

/// Real files from Ansible collections that PyYAML loads and strict YAML 1.2 rejects: a quoted
/// scalar continued at its key's indentation, and a flow sequence closed there.
#[test]
fn pyyaml_lenient_indentation_is_accepted() {
    let src = "\
- name: x
  set_fact:
    a: \"{{
      (b | list)
    }}\"
    c: ok
  cmd:
    command: [
      \"one\",
      \"two\"
    ]
    after: \"é\"
";
    let root = one(src);
    let task = &root.as_seq().unwrap()[0];
    let a = task.get("set_fact").unwrap().get("a").unwrap();
    assert_eq!(a.as_str(), Some("{{ (b | list) }}"));
    assert_eq!(&src[a.span.clone()], "\"{{\n      (b | list)\n    }}\"");
    let c = task.get("set_fact").unwrap().get("c").unwrap();
    assert_eq!(&src[c.span.clone()], "ok");
    let cmd = task.get("cmd").unwrap();
    let items: Vec<_> = cmd
        .get("command")
        .unwrap()
        .as_seq()
        .unwrap()
        .iter()
        .map(|i| &src[i.value_span()])
        .collect();
    assert_eq!(items, ["one", "two"]);
    assert_eq!(&src[cmd.get("after").unwrap().value_span()], "é");
    // Still an error when indenting cannot help.
    assert!(parse("a: \"unterminated\n").is_err());
}
