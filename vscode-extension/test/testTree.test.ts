// The Testing view's model: grouping, run arguments, outcomes of results.
import { test } from "node:test";
import assert from "node:assert/strict";

import type { DiscoverTestsResult, Range, TestResult } from "../src/protocol";
import { fileNodes, outcome, runArguments } from "../src/testTree";

const range = (line: number): Range => ({ start: { line, character: 2 }, end: { line, character: 10 } });
const discovered: DiscoverTestsResult = {
  tests: [
    { name: "tests/orders", uri: "file:///w/flow.yaml", range: range(10), selectionRange: range(10), steps: [] },
    { name: "tests/refunds", uri: "file:///w/refunds.flow.yaml", range: range(3), selectionRange: range(3), steps: [] },
    { name: "tests/totals", uri: "file:///w/flow.yaml", range: range(20), selectionRange: range(20), steps: [] },
  ],
};

test("tests are grouped per file in catalog order", () => {
  const files = fileNodes(discovered);
  assert.deepEqual(
    files.map((file) => [file.uri, file.tests.map((t) => t.name)]),
    [
      ["file:///w/flow.yaml", ["tests/orders", "tests/totals"]],
      ["file:///w/refunds.flow.yaml", ["tests/refunds"]],
    ],
  );
  assert.equal(files[0].tests[1].id, "file:///w/flow.yaml#tests/totals");
  assert.deepEqual(files[0].tests[1].range, range(20));
});

test("run arguments: all, a file, tests, exclusions", () => {
  assert.deepEqual(runArguments(undefined), {});
  assert.deepEqual(runArguments([{ kind: "file", uri: "file:///w/flow.yaml", tests: ["tests/orders", "tests/totals"] }]), { uri: "file:///w/flow.yaml" });
  assert.deepEqual(runArguments([{ kind: "test", uri: "file:///w/flow.yaml", name: "tests/totals" }]), { uri: "file:///w/flow.yaml", tests: ["tests/totals"] });
  assert.deepEqual(
    runArguments([
      { kind: "test", uri: "file:///w/flow.yaml", name: "tests/orders" },
      { kind: "test", uri: "file:///w/refunds.flow.yaml", name: "tests/refunds" },
    ]),
    { tests: ["tests/orders", "tests/refunds"] },
  );
  assert.deepEqual(runArguments([{ kind: "file", uri: "file:///w/flow.yaml", tests: ["tests/orders", "tests/totals"] }], ["tests/orders"]), {
    uri: "file:///w/flow.yaml",
    tests: ["tests/totals"],
  });
});

const base: TestResult = { name: "tests/orders", uri: "file:///w/flow.yaml", range: range(10), status: "passed", durationMs: 3 };

test("a pass, with its trace in the output", () => {
  const shown = outcome({ ...base, trace: [{ step: 0, kind: "ingest" }] });
  assert.equal(shown.status, "passed");
  assert.match(shown.output ?? "", /^── tests\/orders: passed in 3 ms ──\r\n\[\r\n/);
  assert.doesNotMatch(shown.output ?? "", /[^\r]\n/);
});

test("a failure has the step's expected and actual documents for the diff, at the failing step", () => {
  const failure = { uri: "file:///w/flow.yaml", range: range(14), step: 1, expected: [{ id: 1, total: 3 }], actual: [{ id: 1, total: 4 }] };
  const shown = outcome({ ...base, status: "failed", message: "document 0 differs at /total", failure });
  assert.equal(shown.status, "failed");
  assert.equal(shown.message, "document 0 differs at /total (step 2)");
  assert.equal(shown.expected, '[\n  {\n    "id": 1,\n    "total": 3\n  }\n]');
  assert.match(shown.actual ?? "", /"total": 4/);
  assert.deepEqual(shown.location, { uri: "file:///w/flow.yaml", range: range(14) });
  assert.equal(shown.output, undefined);
});

test("a failure without documents (a lambda error) has no diff and points at the test", () => {
  const shown = outcome({ ...base, status: "failed", message: "lambda threw" });
  assert.equal(shown.expected, undefined);
  assert.deepEqual(shown.location, { uri: base.uri, range: base.range });
});

test("a cancelled test is skipped", () => {
  assert.equal(outcome({ ...base, status: "cancelled" }).status, "skipped");
});
