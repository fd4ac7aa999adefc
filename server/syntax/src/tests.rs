//! Tests of the YAML tree: ranges, aliases, merges, scalars and hostile input.

use super::*;
use serde_json::json;

fn slice(text: &str, range: text::TextRange) -> &str {
    &text[range.start as usize..range.end as usize]
}

#[test]
fn scalars_follow_the_core_schema() {
    let text = "a: 5\nb: 5.0\nc: '5'\nd: true\ne: ~\nf: yes\ng: 0x1F\nh: -3\ni: 1e3\nj: 18446744073709551615\nk: !!str 7\nl: .inf\n";
    let parse = parse(text);
    assert!(parse.errors.is_empty(), "{:?}", parse.errors);
    let doc = parse.tree.document_json().unwrap();
    assert_eq!(
        doc,
        json!({"a": 5, "b": 5.0, "c": "5", "d": true, "e": null, "f": "yes", "g": "0x1F", "h": -3, "i": 1000.0,
               "j": 18446744073709551615u64, "k": "7", "l": ".inf"})
    );
    assert!(doc["b"].is_f64() && doc["a"].is_u64());
}

#[test]
fn ranges_of_keys_and_values() {
    let text = "collections:\n  - name: \"acme/orders\"\n    key: [/id]\n    derivation:\n      transform: {}\n";
    let parse = parse(text);
    let tree = &parse.tree;
    let name = tree.locate("/collections/0/name").unwrap();
    assert_eq!(slice(text, name.range), "\"acme/orders\"");
    assert_eq!(slice(text, name.key_range.unwrap()), "name");
    let key0 = tree.locate("/collections/0/key/0").unwrap();
    assert_eq!(slice(text, key0.range), "/id");
    let key = tree.locate("/collections/0/key").unwrap();
    assert_eq!(slice(text, key.range), "[/id]");
    assert!(!key.is_block_collection);
    let derivation = tree.locate("/collections/0/derivation").unwrap();
    assert!(derivation.is_block_collection);
    assert_eq!(slice(text, derivation.key_range.unwrap()), "derivation");
    assert!(tree.locate("/collections/1").is_none());
    assert!(tree.locate("/nope").is_none());
    assert_eq!(
        tree.pointer_at(text.find("/id").unwrap() as u32).unwrap(),
        "/collections/0/key/0"
    );
}

#[test]
fn a_quoted_scalar_ends_at_its_closing_quote_before_a_comment() {
    let text = "a: \"x\\\" # y\" # note\nb: 'it''s' # note\nc: [\"d\" # note\n  ]\ne: 'f\n  g' # note\nh: &q \"i\" # note\n";
    let parse = parse(text);
    assert!(parse.errors.is_empty(), "{:?}", parse.errors);
    for (pointer, written) in [
        ("/a", "\"x\\\" # y\""),
        ("/b", "'it''s'"),
        ("/c/0", "\"d\""),
        ("/e", "'f\n  g'"),
        ("/h", "&q \"i\""),
    ] {
        let range = parse.tree.locate(pointer).unwrap().range;
        assert_eq!(slice(text, range), written, "{pointer}");
    }
}

#[test]
fn block_scalar_range_starts_at_indicator() {
    let text = "publish:\n  nodeJS: |\n    return [source];\n  other: 1\n";
    let parse = parse(text);
    let located = parse.tree.locate("/publish/nodeJS").unwrap();
    assert!(
        slice(text, located.range).starts_with('|')
            || slice(text, located.range).starts_with("return")
    );
    assert!(slice(text, located.range).ends_with("return [source];"));
    assert_eq!(
        parse.tree.scalar(located.node).unwrap().text,
        "return [source];\n"
    );
}

#[test]
fn aliases_report_use_site_and_anchor() {
    let text = "a: &x\n  k: 1\nb: *x\nc:\n  <<: *x\n  own: 2\n";
    let parse = parse(text);
    assert!(parse.errors.is_empty());
    let tree = &parse.tree;
    assert_eq!(
        tree.document_json().unwrap(),
        json!({"a": {"k": 1}, "b": {"k": 1}, "c": {"own": 2, "k": 1}})
    );
    let through_alias = tree.locate("/b/k").unwrap();
    assert_eq!(slice(text, through_alias.range), "*x");
    assert_eq!(slice(text, through_alias.anchor_range.unwrap()), "1");
    let merged = tree.locate("/c/k").unwrap();
    assert_eq!(slice(text, merged.range), "*x");
    assert_eq!(slice(text, merged.anchor_range.unwrap()), "1");
    let direct = tree.locate("/a/k").unwrap();
    assert_eq!(slice(text, direct.range), "1");
    assert!(direct.anchor_range.is_none());
}

#[test]
fn merge_keys_explicit_wins_and_earlier_merge_wins() {
    let text = "base1: &a {x: 1, y: 1}\nbase2: &b {x: 2, z: 2}\nm:\n  x: 0\n  <<: [*a, *b]\nn:\n  <<: *a\n  y: 9\n";
    let doc = parse(text).tree.document_json().unwrap();
    assert_eq!(doc["m"], json!({"x": 0, "y": 1, "z": 2}));
    assert_eq!(doc["n"], json!({"y": 9, "x": 1}));
}

#[test]
fn anchors_may_be_redefined() {
    let text = "a: &r 1\nb: *r\nc: &r 2\nd: *r\n";
    let doc = parse(text).tree.document_json().unwrap();
    assert_eq!(doc, json!({"a": 1, "b": 1, "c": 2, "d": 2}));
}

#[test]
fn complex_keys_and_unicode() {
    let text = "? \"a long test name\"\n: [1]\n正岡大介: 1\n";
    let parse = parse(text);
    assert!(parse.errors.is_empty(), "{:?}", parse.errors);
    assert_eq!(
        parse.tree.document_json().unwrap(),
        json!({"a long test name": [1], "正岡大介": 1})
    );
    let located = parse.tree.locate("/正岡大介").unwrap();
    assert_eq!(slice(text, located.key_range.unwrap()), "正岡大介");
}

#[test]
fn duplicate_keys_are_errors_at_the_second() {
    let text = "a: 1\nb: 2\na: 3\n";
    let parse = parse(text);
    assert_eq!(parse.errors.len(), 1);
    assert_eq!(parse.errors[0].message, "duplicate key \"a\"");
    assert_eq!(
        parse.errors[0].range.start as usize,
        text.rfind('a').unwrap()
    );
    assert_eq!(parse.tree.document_json().unwrap(), json!({"a": 1, "b": 2}));
}

#[test]
fn undefined_alias_and_multiple_documents_are_errors() {
    assert_eq!(parse("a: *nope\n").errors.len(), 1);
    let multi = parse("a: 1\n---\nb: 2\n");
    assert!(
        multi.errors[0].message.contains("one YAML document"),
        "{:?}",
        multi.errors
    );
}

#[test]
fn empty_file_is_null() {
    let parse = parse("");
    assert!(parse.errors.is_empty());
    assert_eq!(parse.tree.document_json().unwrap(), json!(null));
    assert_eq!(
        super::parse("# only a comment\n")
            .tree
            .document_json()
            .unwrap(),
        json!(null)
    );
}

#[test]
fn syntax_errors_have_positions() {
    let text = "a: [1, 2\nb: 3\n";
    let parse = parse(text);
    assert_eq!(parse.errors.len(), 1);
    let tabs = super::parse("a:\n\tb: 1\n");
    assert!(!tabs.errors.is_empty());
}

#[test]
fn alias_bombs_are_bounded() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..12 {
        let prev = level - 1;
        text.push_str(&format!(
            "a{level}: &a{level} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
        ));
    }
    let start = std::time::Instant::now();
    let parse = parse(&text);
    assert!(parse.errors.is_empty());
    let error = parse.tree.document_json().unwrap_err();
    assert!(error.message.contains("alias bomb"));
    assert!(start.elapsed().as_secs() < 5);
}

#[test]
fn deep_nesting_is_bounded() {
    let depth = 10_000;
    let text = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    let parse = parse(&text);
    assert!(
        parse
            .errors
            .iter()
            .any(|error| error.message.contains("nesting is deeper")
                || error.message.contains("recursion limit")),
        "{:?}",
        parse.errors
    );
    assert!(parse.errors[0].range.len() <= 80);
    let block: String = (0..depth)
        .map(|level| format!("{}k:\n", " ".repeat(level)))
        .collect();
    let parse = super::parse(&block);
    assert!(!parse.errors.is_empty());
}

#[test]
fn binary_garbage_does_not_panic() {
    let garbage: String = (0..4096u32)
        .map(|i| char::from_u32((i * 7919) % 0xD7FF).unwrap_or('x'))
        .collect();
    let _ = parse(&garbage);
    let _ = parse("\u{0}\u{1}{[}]:::\"\\");
    let _ = parse("a: &x [*x]\n");
}

#[test]
fn self_referencing_alias_is_a_cycle_error() {
    let parse = parse("a: &x [1, *x]\n");
    assert!(
        parse.errors.iter().any(
            |error| error.message.contains("cycle") || error.message.contains("unknown anchor")
        ),
        "{:?}",
        parse.errors
    );
}

#[test]
fn every_corpus_file_parses() {
    let files = test_utils::corpus::yaml_files(&test_utils::corpus::corpus_dir());
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let parse = parse(&text);
        assert!(
            parse.errors.is_empty(),
            "{}: {:?}",
            path.display(),
            parse.errors
        );
        parse.tree.document_json().unwrap();
    }
    let count = files.len();
    assert!(count >= 40, "found only {count} corpus files");
}

#[test]
fn anchored_flow_collections_are_flow() {
    let parse = parse("a: &x {b: 1}\nc: &y [1]\nd: &z\n  e: 1\n");
    assert!(parse.errors.is_empty(), "{:?}", parse.errors);
    let tree = &parse.tree;
    for (pointer, flow) in [("/a", true), ("/c", true), ("/d", false)] {
        let node = tree.locate(pointer).unwrap().node;
        assert_eq!(tree.node(node).flow, flow, "{pointer}");
    }
}

#[test]
fn chained_aliases_are_expanded_without_recursion_and_bounded_in_depth() {
    // Each anchor nests the previous alias 150 levels deeper: 40 of them
    // expand to 6,000 levels.
    let mut text = format!("a0: &a0 {}x{}\n", "[".repeat(150), "]".repeat(150));
    for level in 1..40 {
        text.push_str(&format!(
            "a{level}: &a{level} {}*a{}{}\n",
            "[".repeat(150),
            level - 1,
            "]".repeat(150)
        ));
    }
    let parse = parse(&text);
    assert!(parse.errors.is_empty(), "{:?}", parse.errors);
    let error = parse.tree.document_json().unwrap_err();
    assert!(
        error.message.contains("deeper than 200 levels"),
        "{error:?}"
    );
    assert_eq!(
        &text[error.range.start as usize..error.range.end as usize],
        "*a0"
    );
    // Within the bound, the same construction expands.
    let shallow = "a: &a [[1]]\nb: &b [[*a]]\nc: [[*b]]\n";
    assert_eq!(
        super::parse(shallow).tree.document_json().unwrap(),
        json!({"a": [[1]], "b": [[[[1]]]], "c": [[[[[[1]]]]]]})
    );
}

/// Every node of `text`'s tree, one line each: id, range, and the scalar's
/// style and text, the sequence's items or the mapping's key/value pairs.
fn dump(text: &str) -> String {
    let tree = parse(text).tree;
    let mut out = String::new();
    for index in 0..tree.len() as u32 {
        let node = tree.node(NodeId(index));
        let (range, flow) = (node.range, node.flow);
        let line = match &node.kind {
            NodeKind::Scalar(scalar) => format!("{:?} {:?}", scalar.style, scalar.text),
            NodeKind::Sequence(items) => format!("seq {items:?}"),
            NodeKind::Mapping(entries) => {
                let pairs: Vec<(u32, u32)> = entries
                    .iter()
                    .map(|entry| (entry.key.0, entry.value.0))
                    .collect();
                format!("map {pairs:?}")
            }
            NodeKind::Alias(target) => format!("alias {target:?}"),
        };
        out.push_str(&format!(
            "{index} {}..{} {flow} {line}\n",
            range.start, range.end
        ));
    }
    out
}

#[test]
fn texts_ranges_and_json_of_every_scalar_style() {
    // Escapes, folded and literal blocks, multi-line plain and quoted scalars,
    // non-ASCII text, an anchored scalar, aliases and merges.
    let text = "plain: hello world\nmulti: first\n  second line\nsq: 'it''s'\ndq: \"tab\\there \\u00e9\"\nsqok: 'as is'\ndqok: \"as is\"\nfolded: >\n  one\n  two\n\n  three\nliteral: |-\n  keep\n    this\nlit2: |+\n  x\n\ndqmulti: \"a\n  b\"\nnums: [1, -2, +3, 1.5, 18446744073709551616, -9223372036854775809, 1e2, !!str 4]\nnon-ascii: été \u{2014} ok\nbase: &b {x: 1, 'y': \"2\"}\nanchored: &s scalar text\nuse: *s\nm:\n  <<: *b\n  x: 0\nempty:\nnull: ~\n";
    let parse = parse(text);
    assert!(parse.errors.is_empty(), "{:?}", parse.errors);
    assert_eq!(
        parse.tree.document_json().unwrap().to_string(),
        r#"{"plain":"hello world","multi":"first second line","sq":"it's","dq":"tab\there é","sqok":"as is","dqok":"as is","folded":"one two\nthree\n","literal":"keep\n  this","lit2":"x\n\n","dqmulti":"a b","nums":[1,-2,3,1.5,1.8446744073709552e+19,-9.223372036854776e+18,100.0,"4"],"non-ascii":"été — ok","base":{"x":1,"y":"2"},"anchored":"scalar text","use":"scalar text","m":{"x":0,"y":"2"},"empty":null,"null":null}"#
    );
    let merged = parse.tree.locate("/m/y").unwrap();
    assert_eq!(slice(text, merged.range), "*b");
    assert_eq!(slice(text, merged.anchor_range.unwrap()), "\"2\"");
    assert_eq!(dump(text), DUMP);
}

/// [`dump`] of the test above, as the tree before compact nodes gave it.
const DUMP: &str = r#"0 0..5 false Plain "plain"
1 7..18 false Plain "hello world"
2 19..24 false Plain "multi"
3 26..45 false Plain "first second line"
4 46..48 false Plain "sq"
5 50..57 false SingleQuoted "it's"
6 58..60 false Plain "dq"
7 62..80 false DoubleQuoted "tab\there é"
8 81..85 false Plain "sqok"
9 87..94 false SingleQuoted "as is"
10 95..99 false Plain "dqok"
11 101..108 false DoubleQuoted "as is"
12 109..115 false Plain "folded"
13 121..139 false Folded "one two\nthree\n"
14 140..147 false Plain "literal"
15 154..167 false Literal "keep\n  this"
16 168..172 false Plain "lit2"
17 179..180 false Literal "x\n\n"
18 182..189 false Plain "dqmulti"
19 191..198 false DoubleQuoted "a b"
20 199..203 false Plain "nums"
21 206..207 false Plain "1"
22 209..211 false Plain "-2"
23 213..215 false Plain "+3"
24 217..220 false Plain "1.5"
25 222..242 false Plain "18446744073709551616"
26 244..264 false Plain "-9223372036854775809"
27 266..269 false Plain "1e2"
28 271..278 false Plain "4"
29 205..279 true seq [NodeId(21), NodeId(22), NodeId(23), NodeId(24), NodeId(25), NodeId(26), NodeId(27), NodeId(28)]
30 280..289 false Plain "non-ascii"
31 291..303 false Plain "été — ok"
32 304..308 false Plain "base"
33 314..315 false Plain "x"
34 317..318 false Plain "1"
35 320..323 false SingleQuoted "y"
36 325..328 false DoubleQuoted "2"
37 310..329 true map [(33, 34), (35, 36)]
38 330..338 false Plain "anchored"
39 340..354 false Plain "scalar text"
40 355..358 false Plain "use"
41 360..362 false alias NodeId(39)
42 363..364 false Plain "m"
43 368..370 false Plain "<<"
44 372..374 false alias NodeId(37)
45 377..378 false Plain "x"
46 380..381 false Plain "0"
47 368..381 false map [(45, 46), (35, 36)]
48 382..387 false Plain "empty"
49 387..387 false Plain ""
50 389..393 false Plain "null"
51 395..396 false Plain "~"
52 0..396 false map [(0, 1), (2, 3), (4, 5), (6, 7), (8, 9), (10, 11), (12, 13), (14, 15), (16, 17), (18, 19), (20, 29), (30, 31), (32, 37), (38, 39), (40, 41), (42, 47), (48, 49), (50, 51)]
"#;

#[test]
fn stored_nodes_stay_compact() {
    // A layout guard: trees are most of a build's memory (2 M nodes at the
    // 20 MB catalog), so a node holds no heap allocation and stays this small.
    assert_eq!(std::mem::size_of::<super::yaml::StoredNode>(), 20);
    assert_eq!(std::mem::size_of::<Entry>(), 12);
}

#[test]
fn a_tree_shares_an_arc_text_and_copies_none_of_its_plain_scalars() {
    let text: std::sync::Arc<str> = "a: plain\nb: 'quoted'\nc: \"esc\\n\"\n".into();
    let tree = parse(&text).tree;
    assert_eq!(
        tree.scalar(tree.locate("/a").unwrap().node).unwrap().text,
        "plain"
    );
    assert_eq!(
        tree.scalar(tree.locate("/b").unwrap().node).unwrap().text,
        "quoted"
    );
    assert_eq!(
        tree.scalar(tree.locate("/c").unwrap().node).unwrap().text,
        "esc\n"
    );
    // Only the escaped scalar's text is held apart from the source.
    assert_eq!(tree.cooked_len(), "esc\n".len());
    assert_eq!(std::sync::Arc::strong_count(&text), 2);
}

#[test]
fn duplicate_and_merged_keys_of_large_mappings_follow_the_same_rules() {
    // Past a few entries, a mapping's keys are looked up through an index:
    // the answers are those of the small mappings above.
    let keys = |prefix: &str| -> String {
        (0..40)
            .map(|i| format!("{prefix}k{i}: {i}\n"))
            .collect::<String>()
    };
    let text = format!(
        "base: &b\n{}  k5: twice\nm:\n  k39: own\n  <<: *b\n  extra: 1\n  k5: again\n",
        keys("  ")
    );
    let parse = parse(&text);
    assert_eq!(parse.errors.len(), 1, "{:?}", parse.errors);
    assert_eq!(parse.errors[0].message, "duplicate key \"k5\"");
    let first = parse.errors[0].related.as_ref().unwrap().0;
    assert_eq!(slice(&text, first), "k5");
    assert_eq!(first.start as usize, text.find("k5").unwrap());
    let doc = parse.tree.document_json().unwrap();
    let m = doc["m"].as_object().unwrap();
    assert_eq!(m.len(), 41);
    assert_eq!(m["k39"], json!("own"));
    assert_eq!(m["k5"], json!("again"));
    assert_eq!(m["k6"], json!(6));
    let keys: Vec<&String> = m.keys().collect();
    assert_eq!(keys[..4], ["k39", "extra", "k5", "k0"]);
    assert_eq!(doc["base"]["k5"], json!(5));
}
