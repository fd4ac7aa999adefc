// Positions between a lambda's YAML and its generated TypeScript, and the status item.
import { test } from "node:test";
import assert from "node:assert/strict";

import { rangeToYaml, toGenerated, toYaml, virtualPath } from "../src/lambda";
import type { LambdaDocument } from "../src/protocol";
import { statusView } from "../src/status";

const lambda: LambdaDocument = {
  text: "declare const source: { id: number };\nfunction update(source) {\n  return [source];\n}\n",
  range: { start: { line: 12, character: 10 }, end: { line: 14, character: 0 } },
  lines: [
    { generatedLine: 2, line: 12, character: 10 },
    { generatedLine: 3, line: 13, character: 10 },
  ],
};

test("YAML positions map into the generated document and back", () => {
  assert.deepEqual(toGenerated(lambda, { line: 12, character: 19 }), { line: 2, character: 9 });
  assert.deepEqual(toYaml(lambda, { line: 2, character: 9 }), { line: 12, character: 19 });
  assert.equal(toGenerated(lambda, { line: 12, character: 4 }), undefined, "left of the body's indentation");
  assert.equal(toGenerated(lambda, { line: 30, character: 0 }), undefined);
});

test("ranges in the declarations do not map", () => {
  assert.equal(rangeToYaml(lambda, { start: { line: 0, character: 0 }, end: { line: 0, character: 5 } }), undefined);
  assert.deepEqual(rangeToYaml(lambda, { start: { line: 2, character: 2 }, end: { line: 2, character: 8 } }), {
    start: { line: 12, character: 12 },
    end: { line: 12, character: 18 },
  });
});

test("virtual documents are TypeScript files, one per lambda", () => {
  const a = virtualPath("file:///w/flow.yaml", lambda.range);
  assert.match(a, /\.ts$/);
  assert.notEqual(a, virtualPath("file:///w/flow.yaml", { ...lambda.range, start: { line: 40, character: 10 } }));
  assert.doesNotMatch(a.split("/")[1], /[%:]/, "the YAML URI is one path segment");
});

test("status item text", () => {
  const status = { revision: 3, roots: ["file:///w/flow.yaml"], files: 2, errors: 1, warnings: 2 };
  assert.equal(statusView(status, false).text, "$(error) 1 $(warning) 2 flowctl");
  assert.equal(statusView({ ...status, errors: 0, warnings: 0 }, false).text, "$(check) flowctl");
  assert.match(statusView(status, true).text, /running tests…/);
  assert.equal(statusView(undefined, false, "flowctl was not found").tooltip, "flowctl was not found");
});
