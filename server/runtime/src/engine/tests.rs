//! Engine unit tests over small in-memory catalogs: read-delay gating and the
//! (effective time, seq, transform index) order, `register` vs `previous`,
//! deep copies of lambda arguments, ingest combining, partition selectors, and
//! that a failed run writes nothing; registers carried between engines.

use load::MemoryFetch;
use serde_json::{Value, json};
use url::Url;

use super::*;

/// Loads a one-file catalog (no diagnostics allowed) and plans it.
pub(crate) fn plan(yaml: &str) -> (model::Catalog, Plan) {
    let url = Url::parse("file:///p/flow.yaml").expect("valid URL");
    let mut fetch = MemoryFetch::new();
    fetch.insert(url.clone(), yaml);
    let loaded = load::load(&url, &fetch);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    let plan = Plan::build(&loaded.catalog, &loaded.schemas).expect("QuickJS starts");
    (loaded.catalog, plan)
}

/// A QuickJS lambda host with default limits.
pub(crate) fn lambdas() -> Lambdas {
    Lambdas::quickjs(crate::lambda::QuickJsConfig::default()).expect("QuickJS starts")
}

#[track_caller]
fn ok<T>(result: Result<T, RuntimeError>) -> T {
    match result {
        Ok(value) => value,
        Err(error) => panic!("unexpected runtime error: {error}"),
    }
}

const ORDERING: &str = r#"
collections:
  - name: ints
    schema: {type: object, properties: {k: {type: integer}, n: {type: integer}}, required: [k, n]}
    key: [/k]
  - name: seen
    schema:
      type: object
      properties: {k: {type: string}, log: {type: array, reduce: {strategy: append}}}
      required: [k]
      reduce: {strategy: merge}
    key: [/k]
    derivation:
      transform:
        b_now:
          source: {name: ints}
          publish: {nodeJS: "return [{k: 'all', log: ['now' + source.n]}];"}
        a_late:
          source: {name: ints}
          readDelay: 10s
          publish: {nodeJS: "return [{k: 'all', log: ['late' + source.n]}];"}
        c_tie:
          source: {name: ints}
          publish: {nodeJS: "return [{k: 'all', log: ['tie' + source.n]}];"}
"#;

fn seen_log(engine: &Engine<'_>) -> Value {
    let documents = ok(engine.reduced_documents("seen", 0, None));
    documents
        .first()
        .map(|document| document["log"].clone())
        .unwrap_or(Value::Null)
}

#[test]
fn read_delay_gates_documents_until_the_clock_reaches_them() {
    let (_, plan) = plan(ORDERING);
    let mut lambdas = lambdas();
    let mut engine = Engine::new(&plan, &mut lambdas);
    ok(engine.ingest("ints", &[json!({"k": 1, "n": 1})]));
    ok(engine.settle());
    // Undelayed transforms ran, in transform (name) order for the same document.
    assert_eq!(seen_log(&engine), json!(["now1", "tie1"]));
    assert_eq!(engine.clock(), 0);
    ok(engine.ingest("ints", &[json!({"k": 2, "n": 2})]));
    ok(engine.settle());
    assert_eq!(seen_log(&engine), json!(["now1", "tie1", "now2", "tie2"]));
    // Advancing moves the clock to the first pending effective time, 0 + 10s:
    // both delayed documents become ready together and run in seq order.
    ok(engine.advance_for("seen"));
    assert_eq!(engine.clock(), 10);
    assert_eq!(
        seen_log(&engine),
        json!(["now1", "tie1", "now2", "tie2", "late1", "late2"])
    );
    // Documents written now get time 10, so their delayed reads wait for 20.
    ok(engine.ingest("ints", &[json!({"k": 3, "n": 3})]));
    ok(engine.settle());
    assert_eq!(engine.clock(), 10);
    ok(engine.advance_all());
    assert_eq!(engine.clock(), 20);
    assert_eq!(
        seen_log(&engine),
        json!([
            "now1", "tie1", "now2", "tie2", "late1", "late2", "now3", "tie3", "late3"
        ])
    );
    let times: Vec<u64> = engine
        .log("ints")
        .unwrap_or_default()
        .iter()
        .map(|entry| entry.time)
        .collect();
    assert_eq!(times, [0, 0, 10]);
}

#[test]
fn delayed_and_undelayed_reads_interleave_by_effective_time() {
    // One run over documents that became ready at once: ordered by effective
    // time (time + delay), then seq, then transform index.
    let (_, plan) = plan(ORDERING);
    let mut lambdas = lambdas();
    let mut engine = Engine::new(&plan, &mut lambdas);
    ok(engine.ingest("ints", &[json!({"k": 1, "n": 1})]));
    // No settle: advance straight to the delayed read's time; the first run at
    // clock 0 takes only the undelayed reads.
    ok(engine.advance_all());
    assert_eq!(seen_log(&engine), json!(["now1", "tie1", "late1"]));
}

const REGISTERS: &str = r#"
collections:
  - name: ints
    schema: {type: object, properties: {k: {type: integer}, n: {type: integer}}, required: [k, n]}
    key: [/k, /n]
  - name: views
    schema:
      type: object
      properties: {k: {type: integer}, log: {type: array, reduce: {strategy: append}}}
      required: [k]
      reduce: {strategy: merge}
    key: [/k]
    derivation:
      register:
        schema: {type: integer, reduce: {strategy: sum}}
        initial: 100
      transform:
        add:
          source: {name: ints}
          shuffle: [/k]
          update: {nodeJS: "return source.n === 0 ? [] : [source.n, source.n];"}
          publish:
            nodeJS: |
              const entry = ['add', source.n, previous, register];
              source.n = 1000;
              return [{k: source.k, log: [entry]}];
        peek:
          source: {name: ints}
          shuffle: [/k]
          publish: {nodeJS: "return [{k: source.k, log: [['peek', source.n, previous, register]]}];"}
"#;

#[test]
fn register_and_previous_follow_the_table() {
    let (_, plan) = plan(REGISTERS);
    let mut lambdas = lambdas();
    let mut engine = Engine::new(&plan, &mut lambdas);
    for n in [5, 0, -2] {
        ok(engine.ingest("ints", &[json!({"k": 1, "n": n})]));
        ok(engine.settle());
    }
    let documents = ok(engine.reduced_documents("views", 0, None));
    assert_eq!(
        documents,
        vec![json!({"k": 1, "log": [
            // Updates are reduced in order (sum) into `initial`: previous 100, register 110.
            ["add", 5, 100, 110],
            // No update lambda: register equals previous. The publish lambda's
            // mutation of `source` did not leak into this call.
            ["peek", 5, 110, 110],
            // The update returned []: register equals previous.
            ["add", 0, 110, 110],
            ["peek", 0, 110, 110],
            ["add", -2, 110, 106],
            ["peek", -2, 106, 106],
        ]})]
    );
    assert_eq!(engine.register("views", &[json!(1)]), Some(json!(106)));
    // 1.0 selects the same register as 1; other keys read `initial`.
    assert_eq!(engine.register("views", &[json!(1.0)]), Some(json!(106)));
    assert_eq!(engine.register("views", &[json!(2)]), Some(json!(100)));
    // Mutations inside lambdas never reach the stored log.
    let ns: Vec<Value> = engine
        .log("ints")
        .unwrap_or_default()
        .iter()
        .map(|entry| entry.document["n"].clone())
        .collect();
    assert_eq!(ns, [json!(5), json!(0), json!(-2)]);
}

#[test]
fn ingest_combines_per_key_and_appends_in_key_order() {
    let (_, plan) = plan(REGISTERS);
    let mut lambdas = lambdas();
    let mut engine = Engine::new(&plan, &mut lambdas);
    let written = ok(engine.ingest(
        "ints",
        &[
            json!({"k": 2, "n": 1}),
            json!({"k": 1, "n": 1, "x": "a"}),
            json!({"k": 1, "n": 1.0, "x": "b"}),
        ],
    ));
    assert_eq!(written, 2);
    let documents: Vec<Value> = engine
        .log("ints")
        .unwrap_or_default()
        .iter()
        .map(|entry| entry.document.clone())
        .collect();
    assert_eq!(
        documents,
        [json!({"k": 1, "n": 1.0, "x": "b"}), json!({"k": 2, "n": 1})]
    );
    let seqs: Vec<u64> = engine
        .log("ints")
        .unwrap_or_default()
        .iter()
        .map(|entry| entry.seq)
        .collect();
    assert_eq!(seqs, [0, 1]);
}

#[test]
fn invalid_ingest_writes_nothing_and_names_the_document() {
    let (_, plan) = plan(REGISTERS);
    let mut lambdas = lambdas();
    let mut engine = Engine::new(&plan, &mut lambdas);
    let error = engine
        .ingest(
            "ints",
            &[json!({"k": 1, "n": 1}), json!({"k": "one", "n": 1})],
        )
        .expect_err("invalid");
    assert_eq!(error.kind, RuntimeErrorKind::Invalid);
    assert!(
        error
            .message
            .starts_with("document 1 of ingest into \"ints\" is invalid: /k: "),
        "{error}"
    );
    assert!(
        error.message.ends_with("document: {\"k\":\"one\",\"n\":1}"),
        "{error}"
    );
    assert_eq!(engine.log("ints").map(<[LogEntry]>::len), Some(0));
    let error = engine
        .ingest("views", &[json!({"k": 1})])
        .expect_err("derived");
    assert!(error.message.contains("is a derived collection"), "{error}");
}

#[test]
fn a_failed_run_writes_nothing_and_keeps_registers() {
    let (_, plan) = plan(&REGISTERS.replace(
        "return source.n === 0 ? [] : [source.n, source.n];",
        "return source.n === 7 ? ['seven'] : [source.n];",
    ));
    let mut lambdas = lambdas();
    let mut engine = Engine::new(&plan, &mut lambdas);
    ok(engine.ingest("ints", &[json!({"k": 1, "n": 5})]));
    ok(engine.settle());
    ok(engine.ingest("ints", &[json!({"k": 1, "n": 6}), json!({"k": 1, "n": 7})]));
    let error = engine
        .settle()
        .expect_err("register update is not an integer");
    assert_eq!(
        error.message,
        "transform views/add: register update 0 is invalid: (root): \"seven\" is not of type \"integer\"\n  \
         register update: \"seven\"\n  source document: {\"k\":1,\"n\":7}"
    );
    assert_eq!(
        (error.derivation.as_deref(), error.transform.as_deref()),
        (Some("views"), Some("add"))
    );
    // The run that also processed n = 6 was rolled back.
    assert_eq!(engine.register("views", &[json!(1)]), Some(json!(105)));
    assert_eq!(engine.log("views").map(<[LogEntry]>::len), Some(1));
}

#[test]
fn partition_selectors_filter_transform_sources() {
    let (_, plan) = plan(
        r#"
collections:
  - name: edits
    schema: {type: object, properties: {id: {type: integer}, channel: {type: string}}, required: [id, channel]}
    key: [/id]
    projections: {chan: {location: /channel, partition: true}}
  - name: english
    schema: {type: object, properties: {id: {type: integer}}, required: [id]}
    key: [/id]
    derivation:
      transform:
        fromEdits:
          source: {name: edits, partitions: {include: {chan: [en, fr]}, exclude: {chan: [fr]}}}
          publish: {nodeJS: "return [{id: source.id}];"}
"#,
    );
    let mut lambdas = lambdas();
    let mut engine = Engine::new(&plan, &mut lambdas);
    let edits = [
        json!({"id": 1, "channel": "en"}),
        json!({"id": 2, "channel": "fr"}),
        json!({"id": 3, "channel": "de"}),
    ];
    ok(engine.ingest("edits", &edits));
    ok(engine.settle());
    assert_eq!(
        ok(engine.reduced_documents("english", 0, None)),
        vec![json!({"id": 1})]
    );
    let selector: PartitionSelectorSpec =
        serde_json::from_value(json!({"exclude": {"chan": ["en"]}})).expect("selector");
    let verified = ok(engine.reduced_documents("edits", 0, Some(&selector)));
    assert_eq!(verified, vec![edits[1].clone(), edits[2].clone()]);
}

/// A host that counts compilations, around the QuickJS host.
struct CountingHost {
    inner: crate::lambda::QuickJsHost,
    compiled: std::rc::Rc<std::cell::Cell<usize>>,
}

impl crate::lambda::LambdaHost for CountingHost {
    fn compile(
        &mut self,
        lambda: crate::lambda::LambdaSource,
    ) -> Result<crate::lambda::LambdaId, crate::lambda::LambdaError> {
        self.compiled.set(self.compiled.get() + 1);
        self.inner.compile(lambda)
    }

    fn call(
        &mut self,
        id: crate::lambda::LambdaId,
        args: &[&Value],
    ) -> Result<Vec<Value>, crate::lambda::LambdaError> {
        self.inner.call(id, args)
    }
}

/// A plan compiles nothing up front: a run compiles only the schemas and
/// lambdas it reaches, each once, and reuses what the index already compiled;
/// a collection is planned only when a run reaches it.
#[test]
fn plans_compile_lazily_what_runs_reach() {
    let mut yaml = String::from("collections:\n");
    for i in 0..20 {
        yaml.push_str(&format!(
            "  - name: c{i}\n    schema: {{type: object, properties: {{k: {{type: string}}, n: {{type: integer, reduce: {{strategy: sum}}}}}}, required: [k], reduce: {{strategy: merge}}}}\n    key: [/k]\n"
        ));
        if i % 2 == 1 {
            yaml.push_str(&format!(
                "    derivation:\n      transform:\n        from:\n          source: {{name: c{}}}\n          publish: {{nodeJS: \"return [source];\"}}\n",
                i - 1
            ));
        }
    }
    let url = Url::parse("file:///p/flow.yaml").expect("valid URL");
    let mut fetch = MemoryFetch::new();
    fetch.insert(url.clone(), yaml);
    let loaded = load::load(&url, &fetch);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    let compiled = std::rc::Rc::new(std::cell::Cell::new(0));
    let host = CountingHost {
        inner: crate::lambda::QuickJsHost::new(crate::lambda::QuickJsConfig::default())
            .expect("QuickJS starts"),
        compiled: compiled.clone(),
    };
    let plan = ok(Plan::build(&loaded.catalog, &loaded.schemas));
    let mut lambdas = super::Lambdas::new(Box::new(host));
    assert_eq!(loaded.schemas.stats().compilations, 0);
    assert_eq!(compiled.get(), 0);
    // Nothing is planned up front.
    let made = |plan: &Plan| -> Vec<usize> {
        (0..20)
            .filter(|&i| plan.collections[i].get().is_some())
            .collect()
    };
    assert_eq!(made(&plan), Vec::<usize>::new());
    for _ in 0..2 {
        let mut engine = Engine::new(&plan, &mut lambdas);
        ok(engine.ingest("c4", &[json!({"k": "a", "n": 1})]));
        ok(engine.advance_for("c5"));
        let documents = ok(engine.reduced_documents("c5", 0, None));
        assert_eq!(documents, vec![json!({"k": "a", "n": 1})]);
    }
    // c4's schema (ingest, and as c5's source), c5's (publish, verify): 2
    // schemas, 1 lambda, whatever the catalog's size and however many runs.
    assert_eq!(loaded.schemas.stats().compilations, 2);
    assert_eq!(compiled.get(), 1);
    // Only c4 (ingested, read by c5) and c5 (run, verified) were planned.
    assert_eq!(made(&plan), vec![4, 5]);
}

#[test]
fn registers_carry_from_engine_to_engine_and_a_failed_transaction_restores_them() {
    let (_, plan) = plan(REGISTERS);
    let mut lambdas = lambdas();
    let mut engine = Engine::new(&plan, &mut lambdas);
    ok(engine.ingest("ints", &[json!({"k": 1, "n": 5})]));
    ok(engine.settle());
    let changes: Vec<(String, OwnedKey, Value)> = engine
        .register_changes()
        .into_iter()
        .map(|(derivation, key, value)| (derivation.to_owned(), key.clone(), value.clone()))
        .collect();
    assert_eq!(
        changes,
        [(
            "views".to_owned(),
            OwnedKey(vec![Some(json!(1))]),
            json!(110)
        )]
    );
    // The next engine (fresh logs) starts from them.
    let registers = engine.into_registers(true);
    let mut engine = Engine::with_registers(&plan, &mut lambdas, registers);
    assert_eq!(engine.register("views", &[json!(1)]), Some(json!(110)));
    assert!(engine.register_changes().is_empty());
    ok(engine.ingest("ints", &[json!({"k": 1, "n": 1}), json!({"k": 2, "n": 1})]));
    ok(engine.settle());
    assert_eq!(engine.register("views", &[json!(1)]), Some(json!(112)));
    assert_eq!(engine.register("views", &[json!(2)]), Some(json!(102)));
    // A transaction that fails after its derivations ran gives them back
    // as they were before it.
    let mut registers = engine.into_registers(false);
    assert!(registers.set(&plan, "views", OwnedKey(vec![Some(json!(3))]), json!(7)));
    assert!(!registers.set(&plan, "ints", OwnedKey(vec![Some(json!(3))]), json!(7)));
    let engine = Engine::with_registers(&plan, &mut lambdas, registers);
    assert_eq!(engine.register("views", &[json!(1)]), Some(json!(110)));
    assert_eq!(engine.register("views", &[json!(2)]), Some(json!(100)));
    assert_eq!(engine.register("views", &[json!(3)]), Some(json!(7)));
}
