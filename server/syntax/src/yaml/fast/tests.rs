//! The fast path against saphyr on hand-written cases: every scalar style,
//! escapes, comments everywhere, CRLF, BOM, unicode, empty values, odd
//! indentation. Where the fast path accepts a text, its parse must equal
//! saphyr's; some cases must be accepted (they are what catalogs hold).

use crate::yaml::{Limits, differential};

/// Whether the fast path accepted `text`; panics when it accepted it and
/// built something other than saphyr's parse.
fn agrees(text: &str) -> bool {
    let reference = differential::reference(text, Limits::default());
    let Some(fast) = differential::fast(text, Limits::default()) else {
        return false;
    };
    if fast != reference {
        let nodes = |parse: &crate::Parse| {
            (0..parse.tree.len() as u32)
                .map(|id| format!("{:?}", parse.tree.node(crate::NodeId(id))))
                .collect::<Vec<_>>()
        };
        let (f, r) = (nodes(&fast), nodes(&reference));
        for (index, (f, r)) in f.iter().zip(&r).enumerate() {
            if f != r {
                panic!(
                    "{text:?}: node {index} differs:\n fast      {f}\n reference {r}\nerrors {:?} / {:?}",
                    fast.errors, reference.errors
                );
            }
        }
        panic!("{text:?}: fast {fast:#?}\nreference {reference:#?}");
    }
    true
}

/// Cases the fast path must take.
const ACCEPTED: &[&str] = &[
    "a: 1\n",
    "a: 1",
    "a: 1\nb:",
    "a:\n",
    "a:   # c\n  # d\nb: 2\n",
    "---\na: 1\n",
    "--- # doc\na: 1\n",
    "# head\n\n---\na: 1\n",
    "a: b c  # comment\nd: e#f\n",
    "url: http://x.y/z?q=1#frag\n",
    "a: 'it''s'\nb: \"x\\\"y\\n\\t\\u00e9\\x41\\/\"\nc: ''\nd: \"\"\n",
    "\"quoted key\": 1\n'single': 2\n\"esc\\tkey\": 3\n",
    "a:\n  b:\n    c: 1\n  d: [x, y]\n",
    "a: [x, 'y', \"z\", [1, 2], {k: v}]\n",
    "a: { type: string, enum: [a, b] }\n",
    "a: {b: [x] , c: [y]}\n",
    "a: [x]  # trailing\nb: {c: d}  \n",
    "b: []\nc: {}\nd: [ ]\ne: { }\n",
    "a:\n- 1\n- two\nb: 3\n",
    "a:\n  - 1\n  -\n  - # c\n  - [x]\n",
    "- a\n- b: 1\n  c:\n- x\n",
    "- a\n-\n\n  # x\n\n- b",
    "- name: x\n  key: [/id]\n- name: y\n",
    "-   name: x\n    key: 1\n",
    "a: |\n  line 1\n    indented\n\n  line 3\n",
    "a: |-\n  x  \n  \nb: 2",
    "a: |\n  x\n\n# c\nb: 1\n",
    "a: |  # comment\n  x\n",
    "a: |\n  x",
    "a: |-\n  x",
    "- |\n  in a sequence\n- b\n",
    "a:\n  |\n  x\n",
    "a:\n  b: |\n      deep\n  c: 1\n",
    "k: 5\nf: 5.0\nt: true\nn: null\nt2: ~\nneg: -3\nh: 0x1F\ne: 1e3\nbig: 18446744073709551615\n",
    "正岡: 大介\nkey: 'é'\n\"ü\": [ñ, \"ß\"]\n",
    "a: 1\nb: 2\na: 3\n",
    "<<: {a: 1}\nb: 2\n",
    "a:\n  <<: {x: 1}\n  x: 2\n",
    "  a: 1\n  b: 2\n",
    "a : 1\nb  :  2\n",
    "a: -90\nb: :x\nc: ?y\n",
    "a: x:y\nb: a,b\nc: [a#b]\n",
    "a:\n  - b: 1\n    c: 2\n  - d\n",
    "a: 1 # c\n# c\n  # c\nb: 2\n",
    "a:\n\n\n  b: 1\n",
    "5: a\ntrue: b\nnull: c\n",
    "a: \"\\\\\\\\\"\nb: \"x\\\\\"\n",
    "a: [\"x\\\"y\", 'a''b']\n",
    "a: { \"k\": 'v' }\n",
    "k: \"\\U0001F600\"\n",
    "- [x] \n",
    "a: {b: {c: d}  }  \n",
    "a: [[x] ]\n",
    "a: b\n\n\n",
    "a: b   \n",
    "a: \"x\"  # c\nb: 'y' ## c \t \nc: \"z\" # c\n",
    "- \"x\" # c\n- 'y'   \n",
    "a: &q \"x\"  # c\n",
    "a: \"x\\ty'z\"\nb: 'x''y\"z'\nc: \"\\u00e9'\"\n",
    "a: |\n  x\n",
    "- &d\n  a: 1\n- *d\n",
    "a: &x 1\nb: *x  # c\nc: [*x , *x]\n",
    "a: &x\n  - 1\nb: &y [1]  \nc: &z {k: 1}\nd: *z\ne: {k: *z}\n",
    "a: &x |\n  t\nb: &y 'q'\nc: &w \"q\"\n",
    "a: &x\n  k: 1\nb:\n  <<: *x\n  k: 2\n",
    "a:   &x    \n    k: 1\n",
    "a: &r 1\nb: *r\nc: &r 2\nd: *r\n",
    "a: &x [1, *x]\n",
    "a: &x\n  b: *x\n",
    "- bike_id: &bikeA 8675\n- *bikeA\n",
    "a: &a-b_1 x\nb: *a-b_1\n",
];

/// Cases it may decline (saphyr's behaviour or errors), checked for equality
/// when taken.
const OTHERS: &[&str] = &[
    "",
    "# only a comment\n",
    "a: 1\r\nb: 2\r\n",
    "\u{feff}a: 1\n",
    "a:\tb\n",
    "a: &x 1\nb: *x\n",
    "a: !!str 5\n",
    "%YAML 1.2\n---\na: 1\n",
    "a: 1\n---\nb: 2\n",
    "a: 1\n...\n",
    "? a\n: b\n",
    "a: b\n  c\n",
    "a: 'x\n  y'\n",
    "a: [x,\n  y]\n",
    "a: >\n  folded\n  text\n",
    "a: |+\n  keep\n\n",
    "a: |2\n   x\n",
    "a: |\n\n  x\n",
    "a: |\n  x\n   \n",
    "a: b: c\n",
    "a:\n  b: 1\n c: 2\n",
    "- a\n  - b\n",
    "a: 1\n  # deeper comment\nb: 2\n",
    "a:\n  b: 1\n    # deeper\n  c: 2\n",
    "[a, b]\n",
    "scalar\n",
    "a: [a: b]\n",
    "a: {b}\n",
    "a: \"\\q\"\n",
    "a: \"\\ud800\"\n",
    "a: 'x'y\n",
    "a: \"x\"#c\n",
    "a:b\n",
    "a: @x\n",
    "a: `x`\n",
    "a: x\u{85}y\n",
    "a: x\u{2028}y\n",
    "- - a\n  - b\n",
    "a:\n-\n- b\n",
    "a:\n  -\n    b: 1\n",
    "a: \"x\"\n  : y\n",
    "a:\n  - b\n  c: 1\n",
    "a: [x] y\n",
    "a: 1\n\tb: 2\n",
    "a: |\n\tx\n",
    "a: |\n  \tx\n",
    "key with spaces : value with: colon\n",
    "'a': \"b\": c\n",
    "a: {b: }\n",
    "a: [, x]\n",
    "a: x\n- b\n",
    "d: -\n",
    "a: |\n  x\n  ",
    "a: [x,]\n",
    "a: { b: c ,}\n",
    "a:\n- { b: 1 }\n- [c]\n",
    "a:\n- [c]\n",
    "a:\n- &x [c]\n",
    "a:\n- &x\n  - c\n",
    "a: |\n  x\n    ",
    "a: |\n  x\n ",
    "a: 1\nb: *x\n",
    "a: &x\nb: 1\n",
    "a: &x\n- 1\n",
    "- &x a: 1\n",
    "a: &x *y\n",
    "a: &x: 1\n",
    "a: &x\n  plain\n",
    "a: [&x 1]\n",
    "a: *x:\n",
];

#[test]
fn fast_path_agrees_with_saphyr() {
    let declined: Vec<_> = ACCEPTED.iter().filter(|text| !agrees(text)).collect();
    assert!(declined.is_empty(), "declined {declined:#?}");
    for text in OTHERS {
        agrees(text);
    }
}

#[test]
fn fast_path_respects_a_small_depth_limit() {
    let limits = Limits {
        max_depth: 2,
        ..Limits::default()
    };
    let text = "a:\n  b:\n    c: 1\n";
    assert!(differential::fast(text, limits).is_none());
    let text = "a:\n  b: 1\n";
    assert_eq!(
        differential::fast(text, limits),
        Some(differential::reference(text, limits))
    );
}

#[test]
fn hostile_nesting_is_declined_without_deep_recursion() {
    let deep = "[".repeat(100_000);
    assert!(differential::fast(format!("a: {deep}"), Limits::default()).is_none());
    let mut nested = String::new();
    for depth in 0..10_000 {
        nested.push_str(&" ".repeat(depth));
        nested.push_str("a:\n");
    }
    assert!(differential::fast(nested, Limits::default()).is_none());
    let long = format!("a: {}\n", "x".repeat(10_000_000));
    assert!(agrees(&long));
}

#[test]
fn prescan_declines_what_saphyr_treats_apart() {
    for bad in [
        "\r", "\u{1}", "\u{7f}", "\u{85}", "\u{9f}", "\u{2028}", "\u{2029}", "\u{feff}",
        "\u{fffe}", "\u{ffff}",
    ] {
        for at in 0..17 {
            let text = format!("a: {}{bad}{}\n", "x".repeat(at), "y".repeat(17 - at));
            assert!(
                differential::fast(&text, Limits::default()).is_none(),
                "{text:?}"
            );
        }
    }
    for good in ["\u{a0}", "é", "\u{2027}", "\u{fffd}", "😀"] {
        for at in 0..17 {
            let text = format!("a: {}{good}{}\n", "x".repeat(at), "y".repeat(17 - at));
            assert!(agrees(&text), "{text:?}");
        }
    }
}

#[test]
fn comment_lines_after_deep_nesting_are_read_once() {
    // 90 levels, then a megabyte of comments, then a key at the top: each
    // level closing must not read the comments again (this would take
    // seconds in a debug build if it did).
    let mut text = String::new();
    for depth in 0..90 {
        text.push_str(&" ".repeat(depth));
        text.push_str("a:\n");
    }
    text.push_str(&" ".repeat(90));
    text.push_str("b: 1\n");
    for _ in 0..20_000 {
        text.push_str("# a comment line of some fifty bytes, and more.\n");
    }
    text.push_str("c: 2\n");
    assert!(agrees(&text));
}
