// Routing of flowctl/testResults notifications to Testing-view runs.
import { test } from "node:test";
import assert from "node:assert/strict";

import type { TestResult, TestResultsParams } from "../src/protocol";
import { RunRouter } from "../src/runs";

const result = (name: string, status: TestResult["status"] = "passed"): TestResult => ({
  name,
  uri: "file:///w/flow.yaml",
  range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } },
  status,
  durationMs: 1,
});
const note = (runId: number, state: TestResultsParams["state"], results: TestResult[] = []): TestResultsParams => ({ runId, state, results });

test("the run sent owns the next started, and results are reported once", () => {
  const router = new RunRouter<string>();
  router.expect("mine");
  assert.equal(router.running, true);
  assert.deepEqual(router.route(note(7, "started"), () => "other"), { run: "mine", results: [], created: false, end: false });
  const first = router.route(note(7, "running", [result("a")]), () => "other");
  assert.deepEqual(first?.results.map((r) => r.name), ["a"]);
  assert.equal(router.reported("mine", "file:///w/flow.yaml", "a"), true);
  const last = router.route(note(7, "finished", [result("a"), result("b", "failed")]), () => "other");
  assert.deepEqual(last?.results.map((r) => r.name), ["b"], "a was reported already");
  assert.equal(last?.end, false, "the command's answer ends a run sent here");
  router.settle("mine");
  assert.equal(router.running, false);
});

test("a run started elsewhere gets its own run, ended by its last notification", () => {
  const router = new RunRouter<string>();
  let made = 0;
  const create = () => `adhoc${++made}`;
  assert.equal(router.route(note(3, "running", [result("a")]), create), undefined, "nothing to attach a stray result to");
  assert.deepEqual(router.route(note(4, "started"), create), { run: "adhoc1", results: [], created: true, end: false });
  assert.equal(router.running, true);
  assert.deepEqual(router.route(note(4, "cancelled", [result("a", "cancelled")]), create)?.end, true);
  assert.equal(router.running, false);
});

test("latest wins: a second run cancels the first, each keeps its results", () => {
  const router = new RunRouter<string>();
  router.expect("first");
  router.route(note(1, "started"), () => "x");
  router.expect("second");
  assert.equal(router.route(note(1, "cancelled", [result("a", "cancelled")]), () => "x")?.run, "first");
  router.settle("first");
  assert.equal(router.route(note(2, "started"), () => "x")?.run, "second");
  assert.equal(router.route(note(2, "running", [result("a")]), () => "x")?.results.length, 1, "a again, in the second run");
});
