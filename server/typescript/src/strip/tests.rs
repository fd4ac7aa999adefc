//! Unit tests of the type-blanking pass: the corpus's constructs, common TypeScript,
//! and syntax errors at the right line and UTF-16 column.

use super::*;

/// Strips `source`, asserts it had no errors and kept its layout, and returns the
/// JavaScript.
#[track_caller]
fn js(source: &str) -> String {
    let stripped = strip_types(source);
    assert_eq!(stripped.errors, vec![], "unexpected errors for {source:?}");
    assert_layout(source, &stripped.javascript);
    stripped.javascript
}

#[track_caller]
fn assert_layout(source: &str, javascript: &str) {
    assert_eq!(
        javascript.len(),
        source.len(),
        "byte length changed: {javascript:?}"
    );
    let breaks = |text: &str| -> Vec<usize> { text.match_indices('\n').map(|(i, _)| i).collect() };
    assert_eq!(
        breaks(javascript),
        breaks(source),
        "line structure changed: {javascript:?}"
    );
}

/// Errors as `(line, column, message)`.
fn errors(source: &str) -> Vec<(u32, u32, String)> {
    let stripped = strip_types(source);
    assert_layout(source, &stripped.javascript);
    stripped
        .errors
        .into_iter()
        .map(|error| (error.line, error.column, error.message))
        .collect()
}

#[test]
fn plain_javascript_is_unchanged() {
    let body = "let out = [];\nfor (var x of source.items) {\n  out.push({...x, [x.k]: x.v});\n}\nreturn out;";
    assert_eq!(js(body), body);
}

#[test]
fn corpus_non_null_assertions_are_blanked() {
    assert_eq!(js("return [register!];"), "return [register ];");
    assert_eq!(
        js("register.cartItems!.add!.push(1);\nreturn [register!];"),
        "register.cartItems .add .push(1);\nreturn [register ];"
    );
    assert_eq!(js("return [a!.b![c]!()];"), "return [a .b [c] ()];");
}

#[test]
fn negation_and_inequality_are_untouched() {
    let body = "if (a != b && c !== d && !e && !!f) { return [x! != y]; }\nreturn [];";
    assert_eq!(
        js(body),
        "if (a != b && c !== d && !e && !!f) { return [x  != y]; }\nreturn [];"
    );
}

#[test]
fn corpus_javascript_shapes_survive() {
    let body = "var out = [];\nfor (var x of source.xs) {\n  out.push({...previous, [x.k]: x.v, n: register!.n});\n}\nreturn out.slice(0, 2).join(\",\").split(\",\");";
    assert_eq!(
        js(body),
        "var out = [];\nfor (var x of source.xs) {\n  out.push({...previous, [x.k]: x.v, n: register .n});\n}\nreturn out.slice(0, 2).join(\",\").split(\",\");"
    );
}

#[test]
fn annotations_on_variables_are_blanked() {
    assert_eq!(js("let x: number = 1;"), "let x         = 1;");
    assert_eq!(
        js("const [a, b]: [number, string] = t;"),
        "const [a, b]                   = t;"
    );
    assert_eq!(js("let x!: number;\nx = 1;"), "let x         ;\nx = 1;");
    assert_eq!(
        js("try { f() } catch (e: unknown) { }"),
        "try { f() } catch (e         ) { }"
    );
}

#[test]
fn as_and_satisfies_are_blanked() {
    assert_eq!(js("return [source as any];"), "return [source       ];");
    assert_eq!(
        js("let a = b as unknown as string[];"),
        "let a = b                       ;"
    );
    assert_eq!(
        js("let c = {x: 1} satisfies T;"),
        "let c = {x: 1}            ;"
    );
    assert_eq!(js("let d = [1] as const;"), "let d = [1]         ;");
}

#[test]
fn generics_are_blanked() {
    assert_eq!(
        js("let m = new Map<string, number[]>();"),
        "let m = new Map                  ();"
    );
    assert_eq!(js("return f<string>(x);"), "return f        (x);");
    assert_eq!(
        js("function id<T>(x: T): T { return x; }"),
        "function id   (x   )    { return x; }"
    );
    assert_eq!(js("let g = f<string>;"), "let g = f        ;");
    assert_eq!(js("let h = <any>x;"), "let h =      x;");
}

#[test]
fn arrow_functions_with_typed_parameters() {
    assert_eq!(
        js("const f = async (a: number, b?: string): Promise<number> => a;"),
        "const f = async (a        , b         )                  => a;"
    );
    assert_eq!(
        js("const g = <T,>(x: T) => x;"),
        "const g =     (x   ) => x;"
    );
    assert_eq!(
        js("xs.map((x: X): boolean => !x.ok);"),
        "xs.map((x   )          => !x.ok);"
    );
    assert_eq!(
        js("const p = (x): x is string => true;"),
        "const p = (x)              => true;"
    );
}

#[test]
fn multi_line_arrow_return_type_moves_the_paren() {
    let body = "const f = (a: number): Promise<\n  number> => a;";
    assert_eq!(js(body), "const f = (a                   \n        ) => a;");
}

#[test]
fn type_only_declarations_leave_a_semicolon() {
    assert_eq!(
        js("type A = {a: 1};\nreturn [];"),
        ";               \nreturn [];"
    );
    assert_eq!(
        js("interface I {\n  x: number\n}\nreturn [];"),
        ";            \n           \n \nreturn [];"
    );
    assert_eq!(js("declare const q: number;"), ";                       ");
    assert_eq!(
        js("function o(a: string): void;\nfunction o(a) {}"),
        ";                           \nfunction o(a) {}"
    );
}

#[test]
fn class_members_and_modifiers_are_blanked() {
    let body = "class K<T> extends B<T> implements I {\n  private x?: number;\n  readonly y!: string;\n  declare z: number;\n  [k: string]: any;\n  m(): void;\n  public m(this: K, a?: T): void {}\n  static n = 1;\n}";
    let expected = "class K    extends B                 {\n          x         ;\n           y         ;\n  ;                ;\n  ;               ;\n  ;        ;\n         m(         a    )       {}\n  static n = 1;\n}";
    assert_eq!(js(body), expected);
    assert_eq!(
        js("abstract class A { abstract m(): void; override n() {} }"),
        "         class A { ;                 ;          n() {} }"
    );
}

#[test]
fn non_ascii_types_keep_byte_offsets() {
    let body = "let s: \"é😀\" = \"é😀\";";
    let out = js(body);
    assert_eq!(
        out,
        format!("let s{} = \"é😀\";", " ".repeat(": \"é😀\"".len()))
    );
}

#[test]
fn syntax_error_positions_are_inside_the_body() {
    assert_eq!(
        errors("let a = 1;\nlet x = ;"),
        vec![(1, 6, "unexpected \"=\"".to_owned())]
    );
}

#[test]
fn unclosed_and_unexpected_brackets() {
    assert_eq!(
        errors("let a = 1;\nif (x { y() }\nreturn [];"),
        vec![(1, 3, "\"(\" is never closed (expected \")\")".to_owned())]
    );
    assert_eq!(
        errors("return [1];\n}"),
        vec![(
            1,
            0,
            "unexpected \"}\": there is no \"{\" for it to close in the lambda body".to_owned()
        )]
    );
    assert_eq!(
        errors("f(a, [b);"),
        vec![(0, 7, "unexpected \")\", expected \"]\"".to_owned())]
    );
    assert_eq!(
        errors("let s = \"abc\nreturn [];"),
        vec![(0, 8, "unterminated string".to_owned())]
    );
    assert_eq!(
        errors("let s = `abc ${x\nreturn [];"),
        vec![(0, 13, "\"${\" is never closed (expected \"}\")".to_owned())]
    );
    // Inside a type the blanking leaves alone, brackets still count.
    assert_eq!(
        errors("let f = (a: { b: [number ) => a;"),
        vec![(0, 25, "unexpected \")\", expected \"]\"".to_owned())]
    );
}

#[test]
fn wrapper_cannot_be_escaped() {
    let found = errors("return [1] }; evil(); function x() {");
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].0, found[0].1), (0, 11));
}

#[test]
fn error_columns_count_utf16_units() {
    // "😀" is two UTF-16 units and four bytes.
    let found = errors("let s = \"😀\"; let t = ;");
    assert_eq!(found, vec![(0, 20, "unexpected \"=\"".to_owned())]);
}

#[test]
fn other_tree_errors_are_reported() {
    assert_eq!(
        errors("let o = {a: 1 b: 2};"),
        vec![(0, 14, "unexpected \"b\"".to_owned())]
    );
    assert_eq!(errors("let x = 1 +* 2;")[0].0, 0);
    assert!(!errors("return source.a.;").is_empty());
}

#[test]
fn namespaces_are_errors() {
    let found = errors("namespace N { export const a = 1; }\nreturn [];");
    assert_eq!(found.len(), 1);
    assert!(found[0].2.contains("namespaces are not supported"));
}

/// Strips a body that is rewritten (not only blanked): no errors, and every
/// line break where it was.
#[track_caller]
fn rewritten(source: &str) -> String {
    let stripped = strip_types(source);
    assert_eq!(stripped.errors, vec![], "unexpected errors for {source:?}");
    let breaks = |text: &str| text.matches('\n').count();
    assert_eq!(breaks(&stripped.javascript), breaks(source));
    stripped.javascript
}

#[test]
fn enums_are_emitted_as_tsc_does_keeping_lines() {
    let body =
        "const enum Color {\n  Red,\n  Green = 5,\n  Blue,\n  Name = 'n',\n}\nreturn [Color.Blue];";
    let javascript = rewritten(body);
    let lines: Vec<&str> = javascript.lines().collect();
    assert_eq!(lines[0], "var Color; (function (Color) {");
    assert_eq!(
        lines[1],
        "  Color[\"Red\"] = 0; if (typeof Color[\"Red\"] !== \"string\") Color[Color[\"Red\"]] = \"Red\"; const Red = Color[\"Red\"]; "
    );
    assert!(
        lines[2].starts_with("  Color[\"Green\"] = (5);"),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].starts_with("  Color[\"Blue\"] = Color[\"Green\"] + 1;"),
        "{}",
        lines[3]
    );
    assert!(
        lines[4].starts_with("  Color[\"Name\"] = ('n');"),
        "{}",
        lines[4]
    );
    assert_eq!(lines[5], "})(Color || (Color = {}));");
    assert_eq!(lines[6], "return [Color.Blue];");
    // Types inside initializers are blanked too.
    assert!(rewritten("enum E { A = (1 as number) }").contains("(1          )"));
}

#[test]
fn parameter_properties_become_assignments() {
    let javascript = rewritten(
        "class P {\n  constructor(public x: number, private readonly y = 2, z?: string) {\n    this.z = z;\n  }\n}",
    );
    let lines: Vec<&str> = javascript.lines().collect();
    assert_eq!(
        lines[1],
        "  constructor(       x        ,                  y = 2, z         ) { this.x = x; this.y = y;"
    );
    assert_eq!(lines[2], "    this.z = z;");
    let derived = rewritten(
        "class Q extends P {\n  constructor(protected w: number) {\n    super(w, 1);\n    go();\n  }\n}",
    );
    assert!(
        derived.contains("super(w, 1); this.w = w;\n    go();"),
        "{derived}"
    );
}

#[test]
fn empty_and_comment_only_bodies() {
    assert_eq!(js(""), "");
    assert_eq!(js("// nothing\n"), "// nothing\n");
    assert_eq!(js("return [1] // done"), "return [1] // done");
}

#[test]
fn await_and_return_at_top_level() {
    let body = "const x: number = await Promise.resolve(1);\nreturn [x];";
    assert_eq!(
        js(body),
        "const x         = await Promise.resolve(1);\nreturn [x];"
    );
}

#[test]
fn hostile_input_keeps_layout_and_never_panics() {
    let deep = format!("return [{}1{}];", "(".repeat(5000), ")".repeat(5000));
    let cases = [
        "}",
        "{",
        "`${`${`",
        "'",
        "\"\\",
        "/* unterminated",
        "let x = /re",
        "é😀: number } )",
        "return <",
        "x!!!!!",
        "\r\nlet a: number\r\n= 1;",
        "type",
        "as as as",
        deep.as_str(),
    ];
    for case in cases {
        let stripped = strip_types(case);
        assert_layout(case, &stripped.javascript);
        for error in &stripped.errors {
            let lines = case.split('\n').count() as u32;
            assert!(
                error.line < lines && error.end_line < lines,
                "{case:?}: {error:?}"
            );
        }
    }
    assert!(strip_types(&deep).errors.is_empty());
}

/// Bodies with statements that a cut could change: `else` and `while` after
/// a `;`, templates, comments and strings holding `;` and line breaks,
/// declarations the pass removes or rewrites, generics, ASI.
const SPLIT_BODIES: &[&str] = &[
    "let a: number = 1;\nif (a > 0) a = 2;\nelse a = 3;\nreturn [a];\n",
    "let a = 0;\ndo a++;\nwhile (a < 3);\nreturn [a];\n",
    "const t = `x;\ny;${1 + 1};\n`;\nreturn [t];\n",
    "/* a;\nb; */\nlet x = 1;\n// c;\nreturn [x];\n",
    "let s = 'a;\\\nb';\nlet r = /;/;\nreturn [s, r.source];\n",
    "outer: for (let i = 0; i < 2; i++) { if (i) break outer; }\nreturn [];\n",
    "enum Color { Red, Green = 4, Blue }\nconst enum K { A = 1 }\nfunction f(a: string): string;\nfunction f(a: number): number;\nfunction f(a: any): any { return a; }\nclass P { constructor(private x: number, public y?: string) { } get(): number { return this.x; } }\nconst g = <T,>(v: T): T => v;\nlet h = f<number>(1) as number;\ntype Alias = { a: number; b: string; };\ninterface I { x: number; }\ndeclare const d: number;\nlet b = 1, c = 2;\nlet q = h < b > (c);\nreturn [Color.Green, new P(1).get(), g(2), h!, q];\n",
    "let a = 1\n(a)\nlet b = 2;\n[b]\nlet c = (x: number):\n  number => x;\nreturn [a, b, c(1)];\n",
    "let x = (1;\nlet y = 2;\nreturn [y];\n",
    "let x = 1;\n}\nlet y = 2;\nreturn [y];\n",
];

/// Cut anywhere, two halves are either refused or stripped exactly as the
/// whole body: the same JavaScript, the same (no) errors.
#[test]
fn halves_are_the_whole_or_refused() {
    for body in SPLIT_BODIES {
        let whole = strip_whole(body).0;
        let mut accepted = 0;
        for split in (1..body.len()).filter(|&at| body.is_char_boundary(at)) {
            if let Some(halves) = strip_in_halves(body, split) {
                accepted += 1;
                assert_eq!(halves, whole, "{body:?} cut at {split}");
            }
        }
        if whole.errors.is_empty() {
            assert!(accepted > 0, "no cut of {body:?} was usable");
        } else {
            assert_eq!(accepted, 0, "{body:?} has errors");
        }
    }
}

/// A large body is stripped in halves, to the same result as in one piece.
#[test]
fn a_large_body_is_stripped_in_halves() {
    let body = format!(
        "let x: number = 0;\n{}return [{{ x }}];\n",
        "x = x + 1;\n".repeat(30_000)
    );
    assert!(body.len() >= SPLIT_BYTES);
    let split = split_point(&body).expect("a line ending with `;` near the middle");
    assert!(split.abs_diff(body.len() / 2) < 16);
    let halves = strip_in_halves(&body, split).expect("clean halves");
    assert_eq!(halves, strip_whole(&body).0);
    assert_eq!(strip_types(&body), halves);
    // With a mistake in either half, the whole body's errors are reported.
    let broken = body.replacen("x = x + 1;", "x = x + ;", 1);
    assert_eq!(strip_types(&broken).errors.len(), 1);
    assert_eq!(strip_types(&broken), strip_whole(&broken).0);
}
