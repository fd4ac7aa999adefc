//! Unit tests of the QuickJS lambda host: calls, isolation between calls, async
//! bodies, errors with positions inside the body, limits, and dependencies.

use serde_json::{Value, json};

use super::*;

fn host() -> QuickJsHost {
    match QuickJsHost::new(QuickJsConfig::default()) {
        Ok(host) => host,
        Err(error) => panic!("host did not start: {error}"),
    }
}

fn source(kind: LambdaKind, body: &str) -> LambdaSource {
    LambdaSource {
        name: "acme/derived/fromThings".to_owned(),
        kind,
        body: body.to_owned(),
        dependencies: Vec::new(),
    }
}

#[track_caller]
fn compile(host: &mut QuickJsHost, kind: LambdaKind, body: &str) -> LambdaId {
    match host.compile(source(kind, body)) {
        Ok(id) => id,
        Err(error) => panic!("compile failed: {error:?}"),
    }
}

#[track_caller]
fn call_err(host: &mut QuickJsHost, id: LambdaId, args: &[&Value]) -> LambdaError {
    match host.call(id, args) {
        Ok(values) => panic!("expected an error, got {values:?}"),
        Err(error) => error,
    }
}

#[test]
fn update_lambda_returns_register_updates() {
    let mut host = host();
    let id = compile(
        &mut host,
        LambdaKind::Update,
        "return [{ count: source.n * 2, half: source.n / 2 }];",
    );
    let out = host.call(id, &[&json!({"n": 3})]).unwrap();
    assert_eq!(out, vec![json!({"count": 6, "half": 1.5})]);
    // Integral results are JSON integers.
    assert!(out[0]["count"].is_i64());
}

#[test]
fn publish_lambda_sees_register_and_previous() {
    let mut host = host();
    let id = compile(
        &mut host,
        LambdaKind::Publish,
        "if (register!.n !== previous.n) { return [{ id: source.id, from: previous.n, to: register!.n }]; }\nreturn [];",
    );
    let out = host
        .call(
            id,
            &[&json!({"id": "a"}), &json!({"n": 2}), &json!({"n": 1})],
        )
        .unwrap();
    assert_eq!(out, vec![json!({"id": "a", "from": 1, "to": 2})]);
    let out = host
        .call(
            id,
            &[&json!({"id": "a"}), &json!({"n": 1}), &json!({"n": 1})],
        )
        .unwrap();
    assert_eq!(out, Vec::<Value>::new());
}

#[test]
fn undefined_properties_disappear() {
    let mut host = host();
    let id = compile(
        &mut host,
        LambdaKind::Update,
        "return [{ a: undefined, b: 1 }, { ...source, c: source.missing }];",
    );
    let out = host.call(id, &[&json!({"x": true})]).unwrap();
    assert_eq!(out, vec![json!({"b": 1}), json!({"x": true})]);
}

#[test]
fn argument_mutation_does_not_leak_between_calls() {
    let mut host = host();
    let id = compile(
        &mut host,
        LambdaKind::Update,
        "const seen = source.list.length;\nsource.list.push(99);\nsource.src = { ip: 'rewritten' };\nreturn [{ seen }];",
    );
    let document = json!({"list": [1, 2], "src": {"ip": "1.2.3.4"}});
    for _ in 0..3 {
        assert_eq!(
            host.call(id, &[&document]).unwrap(),
            vec![json!({"seen": 2})]
        );
    }
    assert_eq!(document, json!({"list": [1, 2], "src": {"ip": "1.2.3.4"}}));
}

#[test]
fn async_body_with_await() {
    let mut host = host();
    let id = compile(
        &mut host,
        LambdaKind::Update,
        "const x: number = await Promise.resolve(source.n);\nconst y = await new Promise<number>((resolve) => resolve(x + 1));\nreturn [y];",
    );
    assert_eq!(
        host.call(id, &[&json!({"n": 41})]).unwrap(),
        vec![json!(42)]
    );
}

#[test]
fn corpus_typescript_is_stripped() {
    let mut host = host();
    let id = compile(
        &mut host,
        LambdaKind::Publish,
        "let items = register.cartItems!.add!;\nlet out: any[] = [];\nfor (var x of items) { out.push({...x, [x.k]: x.v != null, ok: !x.bad}); }\nreturn out as any[];",
    );
    let register = json!({"cartItems": {"add": [{"k": "a", "v": 1}]}});
    let out = host
        .call(id, &[&json!({}), &register, &json!(null)])
        .unwrap();
    assert_eq!(out, vec![json!({"k": "a", "v": 1, "a": true, "ok": true})]);
}

#[test]
fn thrown_error_reports_line_and_column_in_the_body() {
    let mut host = host();
    let id = compile(
        &mut host,
        LambdaKind::Update,
        "let a = 1;\nif (source.bad) {\n    throw new Error(\"bad source\");\n}\nreturn [];",
    );
    let error = call_err(&mut host, id, &[&json!({"bad": true})]);
    assert_eq!(error.kind, LambdaErrorKind::Thrown);
    assert_eq!(error.message, "Error: bad source");
    // QuickJS places a `new Error(…)` at the constructor name.
    assert_eq!((error.line, error.column), (Some(2), Some(14)));
    assert_eq!(
        error.to_string(),
        "transform acme/derived/fromThings update lambda failed: Error: bad source"
    );
    // The host still works.
    assert_eq!(host.call(id, &[&json!({})]).unwrap(), Vec::<Value>::new());
}

#[test]
fn type_errors_point_at_the_failing_expression() {
    let mut host = host();
    let id = compile(
        &mut host,
        LambdaKind::Update,
        "const s: string = \"é😀\";\nreturn [source.a.b];",
    );
    let error = call_err(&mut host, id, &[&json!({})]);
    assert_eq!(error.kind, LambdaErrorKind::Thrown);
    assert!(error.message.starts_with("TypeError"), "{}", error.message);
    assert_eq!(error.line, Some(1));
}

#[test]
fn columns_after_non_ascii_text_are_utf16() {
    let mut host = host();
    // "é😀" is 6 bytes and 3 UTF-16 units.
    let id = compile(
        &mut host,
        LambdaKind::Update,
        "let s = 'é😀'; throw new Error(s);",
    );
    let error = call_err(&mut host, id, &[&json!({})]);
    // QuickJS places this call at its argument `s`: byte 34, UTF-16 unit 31.
    assert_eq!((error.line, error.column), (Some(0), Some(31)));
}

#[test]
fn thrown_non_errors_are_described() {
    let mut host = host();
    let id = compile(&mut host, LambdaKind::Update, "throw 'plain text';");
    assert_eq!(call_err(&mut host, id, &[&json!({})]).message, "plain text");
    let id = compile(&mut host, LambdaKind::Update, "throw {code: 7};");
    assert_eq!(
        call_err(&mut host, id, &[&json!({})]).message,
        "{\"code\":7}"
    );
    let id = compile(
        &mut host,
        LambdaKind::Update,
        "await null;\nthrow new RangeError('late');",
    );
    let error = call_err(&mut host, id, &[&json!({})]);
    assert_eq!(
        (error.message.as_str(), error.line),
        ("RangeError: late", Some(1))
    );
}

#[test]
fn syntax_error_from_stripping_has_the_body_position() {
    let mut host = host();
    let error = host
        .compile(source(
            LambdaKind::Update,
            "let a = 1;\nlet b = (a;\nreturn [];",
        ))
        .unwrap_err();
    assert_eq!(error.kind, LambdaErrorKind::Syntax);
    assert_eq!((error.line, error.column), (Some(1), Some(8)));
    assert!(
        error
            .to_string()
            .starts_with("lambda acme/derived/fromThings update: "),
        "{error}"
    );
}

#[test]
fn syntax_error_from_quickjs_has_the_body_position() {
    let mut host = host();
    // Valid to tree-sitter, rejected by the engine: `register` is not in scope of
    // an update lambda, but that is a runtime error; redeclaring a parameter is not.
    let error = host
        .compile(source(LambdaKind::Update, "return [];\n  let source = 1;"))
        .unwrap_err();
    assert_eq!(error.kind, LambdaErrorKind::Syntax, "{error:?}");
    assert_eq!(error.line, Some(1));
    assert!(
        !error.message.starts_with("SyntaxError"),
        "{}",
        error.message
    );
}

#[test]
fn update_lambda_cannot_see_register() {
    let mut host = host();
    let id = compile(&mut host, LambdaKind::Update, "return [register];");
    let error = call_err(&mut host, id, &[&json!({})]);
    assert_eq!(error.kind, LambdaErrorKind::Thrown);
    assert!(error.message.contains("register"), "{}", error.message);
}

#[test]
fn non_array_results_are_errors() {
    let mut host = host();
    let id = compile(
        &mut host,
        LambdaKind::Update,
        "if (source.n) { return {n: source.n}; }",
    );
    let error = call_err(&mut host, id, &[&json!({"n": 1})]);
    assert_eq!(error.kind, LambdaErrorKind::NotAnArray);
    assert_eq!(error.message, "lambda must return an array, got {\"n\":1}");
    assert_eq!(
        error.to_string(),
        "transform acme/derived/fromThings update lambda must return an array, got {\"n\":1}"
    );
    let error = call_err(&mut host, id, &[&json!({})]);
    assert_eq!(error.message, "lambda must return an array, got undefined");
}

#[test]
fn endless_loop_times_out_and_the_host_keeps_working() {
    let config = QuickJsConfig {
        time_limit: std::time::Duration::from_millis(100),
        ..QuickJsConfig::default()
    };
    let mut host = QuickJsHost::new(config).unwrap();
    let spin = compile(
        &mut host,
        LambdaKind::Update,
        "let i = 0;\nwhile (true) { try { i++; } catch (e) {} }",
    );
    let fine = compile(&mut host, LambdaKind::Update, "return [source];");
    let error = call_err(&mut host, spin, &[&json!({})]);
    assert_eq!(error.kind, LambdaErrorKind::Timeout, "{error:?}");
    assert_eq!(host.call(fine, &[&json!(1)]).unwrap(), vec![json!(1)]);
    // An endless loop after an await runs inside a job; it is stopped too.
    let spin_later = compile(&mut host, LambdaKind::Update, "await 1;\nfor (;;) {}");
    assert_eq!(
        call_err(&mut host, spin_later, &[&json!({})]).kind,
        LambdaErrorKind::Timeout
    );
    assert_eq!(host.call(fine, &[&json!(2)]).unwrap(), vec![json!(2)]);
}

#[test]
fn a_stop_flag_set_by_another_thread_stops_an_endless_loop() {
    // A limit no test run reaches: only the flag can end the loop.
    let stop = super::StopFlag::default();
    let config = QuickJsConfig {
        time_limit: std::time::Duration::from_secs(600),
        stop: stop.clone(),
        ..QuickJsConfig::default()
    };
    let mut host = QuickJsHost::new(config).unwrap();
    let spin = compile(
        &mut host,
        LambdaKind::Update,
        "console.log('spinning');\nfor (;;) {}",
    );
    let fine = compile(&mut host, LambdaKind::Update, "return [source];");
    let (started, spinning) = std::sync::mpsc::channel::<()>();
    let setter = std::thread::spawn({
        let stop = stop.clone();
        move || {
            // Set about when the call starts (before or during it: both stop it).
            let _ = spinning.recv();
            stop.set(true);
        }
    });
    let _ = started.send(());
    let error = call_err(&mut host, spin, &[&json!({})]);
    setter.join().unwrap();
    assert_eq!(error.kind, LambdaErrorKind::Timeout, "{error:?}");
    assert_eq!(
        error.message,
        "the lambda was stopped: the run was cancelled"
    );
    stop.set(false);
    assert_eq!(host.call(fine, &[&json!(3)]).unwrap(), vec![json!(3)]);
}

#[test]
fn memory_bomb_fails_cleanly_and_the_host_keeps_working() {
    // A generous time limit: only the memory limit may stop the bomb, even on
    // a loaded machine.
    let config = QuickJsConfig {
        memory_limit: 32 * 1024 * 1024,
        time_limit: std::time::Duration::from_secs(120),
        ..QuickJsConfig::default()
    };
    let mut host = QuickJsHost::new(config).unwrap();
    let fine = compile(&mut host, LambdaKind::Update, "return [source];");
    let bomb = compile(
        &mut host,
        LambdaKind::Update,
        "let xs = [];\nwhile (true) { xs.push('x'.repeat(1024) + xs.length); }",
    );
    let error = call_err(&mut host, bomb, &[&json!({})]);
    assert_eq!(error.kind, LambdaErrorKind::OutOfMemory, "{error:?}");
    assert_eq!(host.call(fine, &[&json!(1)]).unwrap(), vec![json!(1)]);
    let error = call_err(&mut host, bomb, &[&json!({})]);
    assert_eq!(error.kind, LambdaErrorKind::OutOfMemory, "{error:?}");
    assert_eq!(host.call(fine, &[&json!(2)]).unwrap(), vec![json!(2)]);
}

#[test]
fn deep_recursion_is_a_range_error() {
    let mut host = host();
    let id = compile(
        &mut host,
        LambdaKind::Update,
        "function f(n: number): number { return f(n + 1) + 1; }\nreturn [f(0)];",
    );
    let error = call_err(&mut host, id, &[&json!({})]);
    assert_eq!(error.kind, LambdaErrorKind::Thrown);
    assert!(error.message.contains("stack"), "{}", error.message);
    let ok = compile(&mut host, LambdaKind::Update, "return [1];");
    assert_eq!(host.call(ok, &[&json!({})]).unwrap(), vec![json!(1)]);
}

#[test]
fn dependencies_compile_but_fail_clearly_when_used() {
    let mut host = host();
    let mut lambda = source(
        LambdaKind::Update,
        "if (!source.when) { return []; }\nreturn [{ t: moment(source.when).unix() }];",
    );
    lambda.dependencies = vec![
        "moment".to_owned(),
        "@scope/pkg".to_owned(),
        "lodash.merge".to_owned(),
    ];
    let id = host.compile(lambda).unwrap();
    // Not touching the package works.
    assert_eq!(host.call(id, &[&json!({})]).unwrap(), Vec::<Value>::new());
    let error = call_err(&mut host, id, &[&json!({"when": "2020-01-01"})]);
    assert_eq!(error.kind, LambdaErrorKind::Dependency);
    assert_eq!(
        error.message,
        "package \"moment\" is not available in the in-process runtime"
    );
    // QuickJS places a call at its first argument.
    assert_eq!((error.line, error.column), (Some(1), Some(20)));

    let mut lambda = source(LambdaKind::Update, "return [scope_pkg.x, lodash_merge];");
    lambda.dependencies = vec!["@scope/pkg".to_owned(), "lodash.merge".to_owned()];
    let id = host.compile(lambda).unwrap();
    let error = call_err(&mut host, id, &[&json!({})]);
    assert_eq!(
        error.message,
        "package \"@scope/pkg\" is not available in the in-process runtime"
    );
}

#[test]
fn dependency_identifiers_follow_the_spec_mapping() {
    assert_eq!(dependency_identifier("moment"), "moment");
    assert_eq!(dependency_identifier("@scope/pkg"), "scope_pkg");
    assert_eq!(dependency_identifier("lodash.merge"), "lodash_merge");
    assert_eq!(dependency_identifier("9lives"), "_lives");
}

#[test]
fn wrong_argument_count_and_unknown_id_are_errors() {
    let mut host = host();
    let id = compile(&mut host, LambdaKind::Publish, "return [];");
    assert!(host.call(id, &[&json!({})]).is_err());
    assert!(host.call(LambdaId(99), &[&json!({})]).is_err());
}

#[test]
fn many_calls_reuse_one_compiled_lambda() {
    let mut host = host();
    let id = compile(
        &mut host,
        LambdaKind::Update,
        "return [{ key: source.key, n: source.n + 1 }];",
    );
    for n in 0..2000 {
        let out = host.call(id, &[&json!({"key": "k", "n": n})]).unwrap();
        assert_eq!(out, vec![json!({"key": "k", "n": n + 1})]);
    }
}

#[test]
fn results_follow_json_stringify_semantics() {
    let mut host = host();
    let id = compile(
        &mut host,
        LambdaKind::Update,
        "return [0/0, 1/0, -0, 1.5, 2 ** 60, 1e300, [undefined, () => 1], {f() {}, s: Symbol('x'), d: new Date(0)}, 'é😀'];",
    );
    let out = host.call(id, &[&json!({})]).unwrap();
    assert_eq!(
        out,
        vec![
            json!(null),
            json!(null),
            json!(0),
            json!(1.5),
            json!(1_152_921_504_606_846_976_i64),
            json!(1e300),
            json!([null, null]),
            json!({"d": "1970-01-01T00:00:00.000Z"}),
            json!("é😀"),
        ]
    );
    assert!(out[2].is_i64());
}

#[test]
fn unrepresentable_results_are_errors() {
    let mut host = host();
    let id = compile(
        &mut host,
        LambdaKind::Update,
        "const a: any = {}; a.self = a; return [a];",
    );
    let error = call_err(&mut host, id, &[&json!({})]);
    assert_eq!(error.kind, LambdaErrorKind::Thrown);
    assert!(error.message.contains("cyclic"), "{}", error.message);
    let id = compile(&mut host, LambdaKind::Update, "return [10n];");
    assert!(
        call_err(&mut host, id, &[&json!({})])
            .message
            .contains("BigInt")
    );
}

#[test]
fn arguments_keep_their_json_shape() {
    let mut host = host();
    let id = compile(
        &mut host,
        LambdaKind::Update,
        "return [Object.keys(source), Object.getPrototypeOf(source) === Object.prototype, typeof source.big, source];",
    );
    let document: Value = serde_json::from_str(r#"{"__proto__": {"x": 1}, "2": "two", "b": [1, 2.5, "s", null, true], "big": 18446744073709551615}"#).unwrap();
    let out = host.call(id, &[&document]).unwrap();
    assert_eq!(out[0], json!(["2", "__proto__", "b", "big"]));
    assert_eq!(out[1], json!(true));
    assert_eq!(out[2], json!("number"));
    assert_eq!(out[3]["__proto__"], json!({"x": 1}));
    assert_eq!(out[3]["b"], json!([1, 2.5, "s", null, true]));
}

#[test]
fn timeout_message_names_the_limit() {
    let config = QuickJsConfig {
        time_limit: std::time::Duration::from_millis(50),
        ..QuickJsConfig::default()
    };
    let mut host = QuickJsHost::new(config).unwrap();
    let id = compile(&mut host, LambdaKind::Update, "while (true) {}");
    let error = call_err(&mut host, id, &[&json!({})]);
    assert_eq!(error.kind, LambdaErrorKind::Timeout);
    assert!(error.message.contains("50 ms"), "{}", error.message);
}

#[test]
fn a_body_that_closes_its_wrapper_is_refused_before_anything_runs() {
    let mut host = host();
    // tree-sitter reads `<!--` as code, QuickJS as a comment: without the
    // containment check the second line would run at compile time (and loop).
    let body = "x <!--x /*\n}; })(); globalThis.pwned = 1; while (true) {} (function () { return function () { //*/\nreturn [source];";
    let error = host.compile(source(LambdaKind::Update, body)).unwrap_err();
    assert_eq!(error.kind, LambdaErrorKind::Syntax, "{error:?}");
    // Plain closing braces are refused the same way.
    for body in [
        "}); globalThis.pwned = 1; ((function () {",
        "} globalThis.pwned = 1; {",
    ] {
        let error = host.compile(source(LambdaKind::Update, body)).unwrap_err();
        assert_eq!(error.kind, LambdaErrorKind::Syntax, "{body}: {error:?}");
    }
    let witness = compile(
        &mut host,
        LambdaKind::Update,
        "return [typeof globalThis.pwned];",
    );
    assert_eq!(
        host.call(witness, &[&json!({})]).unwrap(),
        vec![json!("undefined")]
    );
}

#[test]
fn bodies_are_strict_and_blocks_and_labels_still_work() {
    let mut host = host();
    let id = compile(
        &mut host,
        LambdaKind::Update,
        "outer: for (const x of [1, 2]) { for (;;) { break outer; } }\nreturn [f(source.n), (function () { return this === undefined; })()];\nfunction f(n) { return n + 1; }",
    );
    assert_eq!(
        host.call(id, &[&json!({"n": 1})]).unwrap(),
        vec![json!(2), json!(true)]
    );
    let error = host
        .compile(source(LambdaKind::Update, "undeclared = 1; return [];"))
        .map(|id| host.call(id, &[&json!({})]));
    assert!(matches!(error, Ok(Err(_))), "{error:?}");
}

#[test]
fn reset_gives_fresh_globals() {
    let mut host = host();
    let id = compile(
        &mut host,
        LambdaKind::Update,
        "globalThis.count = (globalThis.count || 0) + 1; return [globalThis.count];",
    );
    assert_eq!(host.call(id, &[&json!({})]).unwrap(), vec![json!(1)]);
    assert_eq!(host.call(id, &[&json!({})]).unwrap(), vec![json!(2)]);
    host.reset();
    assert_eq!(host.call(id, &[&json!({})]).unwrap(), vec![json!(1)]);
}

/// A lambda first compiled after a reset gets its own slot: the earlier
/// lambdas (recompiled lazily in the new context) still run their own code.
/// (Parallel test workers compile lambdas in whatever order their tests
/// reach them, so this once ran the wrong lambda now and then.)
#[test]
fn lambdas_compiled_after_a_reset_keep_their_own_ids() {
    let mut host = host();
    let first = compile(&mut host, LambdaKind::Update, "return ['first'];");
    assert_eq!(
        host.call(first, &[&json!({})]).unwrap(),
        vec![json!("first")]
    );
    host.reset();
    let second = compile(&mut host, LambdaKind::Update, "return ['second'];");
    assert_eq!(
        host.call(first, &[&json!({})]).unwrap(),
        vec![json!("first")]
    );
    assert_eq!(
        host.call(second, &[&json!({})]).unwrap(),
        vec![json!("second")]
    );
}

#[test]
fn console_is_captured_per_call_and_bounded() {
    let mut host = host();
    let id = compile(
        &mut host,
        LambdaKind::Update,
        "console.log('n is', source.n, {a: [1]}, undefined);\nconsole.warn('careful');\nif (source.n > 1) { for (let i = 0; i < 1000; i++) console.error('x'.repeat(5000)); }\nreturn [];",
    );
    host.call(id, &[&json!({"n": 1})]).unwrap();
    assert_eq!(
        host.take_console(),
        vec![
            ConsoleLine {
                level: ConsoleLevel::Log,
                text: "n is 1 {\"a\":[1]} undefined".to_owned()
            },
            ConsoleLine {
                level: ConsoleLevel::Warn,
                text: "careful".to_owned()
            },
        ]
    );
    assert!(host.take_console().is_empty());
    host.call(id, &[&json!({"n": 2})]).unwrap();
    let lines = host.take_console();
    assert!(lines.len() <= 101, "{}", lines.len());
    let bytes: usize = lines.iter().map(|line| line.text.len()).sum();
    assert!(bytes < 64 * 1024, "{bytes}");
    assert!(lines.iter().all(|line| line.text.chars().count() <= 2_001));
    assert!(
        lines
            .last()
            .is_some_and(|line| line.text.contains("were dropped")),
        "{:?}",
        lines.last()
    );
}

#[test]
fn huge_results_are_refused_naming_the_limit() {
    let config = QuickJsConfig {
        max_documents: 1_000,
        max_output_bytes: 1024 * 1024,
        ..QuickJsConfig::default()
    };
    let mut host = QuickJsHost::new(config).unwrap();
    let cases = [
        (
            "return new Array(1e9);",
            "returned 1000000000 documents; one call may return at most 1000",
        ),
        (
            "return Array(1e7).fill(source);",
            "one call may return at most 1000",
        ),
        (
            "return [new Array(1e9)];",
            "larger than the 1 MiB one call may return",
        ),
        (
            "const s = 'x'.repeat(1 << 21); return [s];",
            "larger than the 1 MiB",
        ),
        (
            "const s = 'x'.repeat(100000); return Array(20).fill({s});",
            "larger than the 1 MiB",
        ),
    ];
    for (body, wanted) in cases {
        let id = compile(&mut host, LambdaKind::Update, body);
        let error = call_err(&mut host, id, &[&json!({"a": 1})]);
        assert_eq!(error.kind, LambdaErrorKind::TooLarge, "{body}: {error:?}");
        assert!(error.message.contains(wanted), "{body}: {}", error.message);
    }
    // Within the limits, the same shapes convert.
    let id = compile(
        &mut host,
        LambdaKind::Update,
        "return Array(1000).fill(source);",
    );
    assert_eq!(host.call(id, &[&json!({"a": 1})]).unwrap().len(), 1000);
}

#[test]
fn converting_the_result_runs_under_the_call_deadline() {
    let config = QuickJsConfig {
        time_limit: std::time::Duration::from_millis(100),
        ..QuickJsConfig::default()
    };
    let mut host = QuickJsHost::new(config).unwrap();
    // The loop runs only when the host reads the result's keys.
    let id = compile(
        &mut host,
        LambdaKind::Update,
        "return [new Proxy({}, { ownKeys() { for (;;) {} } })];",
    );
    let error = call_err(&mut host, id, &[&json!({})]);
    assert_eq!(error.kind, LambdaErrorKind::Timeout, "{error:?}");
    let ok = compile(&mut host, LambdaKind::Update, "return [1];");
    assert_eq!(host.call(ok, &[&json!({})]).unwrap(), vec![json!(1)]);
}

#[test]
fn nothing_outside_the_sandbox_is_reachable() {
    let mut host = host();
    let id = compile(
        &mut host,
        LambdaKind::Update,
        "const out = [];\nfor (const name of ['std', 'os', 'require', 'process', 'fetch', 'scriptArgs', 'print', 'setTimeout']) out.push(name + ':' + typeof globalThis[name]);\nfor (const spec of ['os', 'std', '/etc/passwd', 'file:///etc/passwd', 'https://example.com/x.js']) {\n  try { await import(spec); out.push(spec + ':loaded'); } catch (e) { out.push(spec + ':refused'); }\n}\nreturn out;",
    );
    let out = host.call(id, &[&json!({})]).unwrap();
    for item in &out {
        let text = item.as_str().unwrap();
        assert!(
            text.ends_with(":undefined") || text.ends_with(":refused"),
            "{text}"
        );
    }
    assert_eq!(out.len(), 13);
}

#[test]
fn enums_and_parameter_properties_run_as_tsc_emits_them() {
    let mut host = host();
    let id = compile(
        &mut host,
        LambdaKind::Update,
        "enum Level { Low, High = Low + 10, Top }\nconst enum Mode { On = 'on' }\nclass Box { constructor(public readonly value: number, private label = 'b') {} show(): string { return this.label + this.value; } }\nreturn [Level.High, Level.Top, Level[11], Mode.On, new Box(source.n).show()];",
    );
    assert_eq!(
        host.call(id, &[&json!({"n": 7})]).unwrap(),
        vec![json!(10), json!(11), json!("Top"), json!("on"), json!("b7")]
    );
}

/// A large body's two parses run on two threads (`check_syntax`); the
/// verdict is the one the two give in order on one host: the containment's
/// error when the body escapes (and nothing ran: an escaping endless loop
/// would have timed out), the wrapper's when only it fails, and a body
/// only the containment parse refuses is refused.
#[test]
fn large_bodies_get_the_same_verdict_from_two_threads() {
    let padding = "total = total + 1;\n".repeat(4_000);
    assert!(padding.len() >= super::PARALLEL_PARSE_BYTES);
    let cases = [
        // Compiles.
        ("let total: number = 0;\n", "return [total];", true),
        // Escapes its function: refused by the containment parse.
        (
            "let total = 0;\nx <!--x /*\n}; })(); while (true) {} (function () { return function () { //*/\n",
            "return [source];",
            false,
        ),
        // Contained, but redeclares a parameter: refused by the wrapper's parse.
        (
            "let total = 0;\nlet source = 1;\n",
            "return [total];",
            false,
        ),
        // Duplicate functions: in a block only the containment parse refuses them.
        (
            "let total = 0;\nfunction f() {}\nfunction f() {}\n",
            "return [total];",
            false,
        ),
    ];
    for (head, tail, compiles) in cases {
        let lambda = source(LambdaKind::Update, &format!("{head}{padding}{tail}"));
        let sequential = host().check_syntax(&lambda);
        let parallel = check_syntax(&lambda);
        assert_eq!(parallel.is_ok(), compiles, "{head}: {parallel:?}");
        if let Err(error) = &parallel {
            assert_eq!(error.kind, LambdaErrorKind::Syntax, "{head}: {error:?}");
        }
        assert_eq!(parallel, sequential, "{head}");
    }
}

/// After C29's check of a large body, a host compiling it reads the kept
/// bytecode instead of parsing the body again, and runs it exactly as a
/// parsed one: same results, errors at the same body positions.
#[test]
fn a_checked_large_body_is_read_from_its_bytecode() {
    let padding = "total = total + 1;\n".repeat(4_000);
    let body = format!(
        "let total: number = 0;\n{padding}if (source.fail) {{\n  throw new Error(\"no\");\n}}\nreturn [total];"
    );
    let lambda = source(LambdaKind::Update, &body);
    check_syntax(&lambda).expect("compiles");
    let reads = quickjs::BYTECODE_READS.load(std::sync::atomic::Ordering::Relaxed);
    let mut host = host();
    let id = host.compile(lambda.clone()).expect("compiles");
    assert!(
        quickjs::BYTECODE_READS.load(std::sync::atomic::Ordering::Relaxed) > reads,
        "read from the bytecode"
    );
    assert_eq!(host.call(id, &[&json!({})]).unwrap(), vec![json!(4_000)]);
    let error = call_err(&mut host, id, &[&json!({"fail": true})]);
    assert_eq!(error.kind, LambdaErrorKind::Thrown, "{error:?}");
    assert_eq!((error.line, error.column), (Some(4_002), Some(12)));
    // After a reset the lambda compiles again (from the bytecode) and runs.
    host.reset();
    assert_eq!(host.call(id, &[&json!({})]).unwrap(), vec![json!(4_000)]);
    // A host that parses the text gives the same error position.
    let mut parsed = QuickJsHost::new(QuickJsConfig::default()).unwrap();
    let mut other = lambda;
    other.dependencies = vec!["moment".to_owned()];
    let id = parsed.compile(other).expect("compiles");
    let error = call_err(&mut parsed, id, &[&json!({"fail": true})]);
    assert_eq!((error.line, error.column), (Some(4_002), Some(12)));
}
