// Positions between a lambda's YAML and its generated TypeScript, and the status item.
import { test } from "node:test";
import assert from "node:assert/strict";

import { diagnosticsToYaml, lambdaKeys, moduleText, rangeToYaml, toGenerated, toYaml, virtualPath } from "../src/lambda";
import type { LambdaDocument } from "../src/protocol";
import { statusView, testFailures } from "../src/status";

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

test("a failing test run or a lambda type error is not a ✓", () => {
  const clean = { revision: 3, roots: ["file:///w/flow.yaml"], files: 2, errors: 0, warnings: 0 };
  const failing = statusView(clean, false, undefined, { testFailures: 1, lambdaErrors: 0 });
  assert.equal(failing.text, "$(error) 0 $(warning) 0 $(beaker) 1 failing flowctl");
  assert.match(failing.tooltip, /1 failing verify step\(s\) in the last test run \(T1\)/);
  const typed = statusView(clean, false, undefined, { testFailures: 0, lambdaErrors: 2 });
  assert.equal(typed.text, "$(error) 2 $(warning) 0 flowctl");
  assert.match(typed.tooltip, /2 TypeScript error\(s\) inside lambdas/);
  assert.equal(statusView(clean, false, undefined, { testFailures: 0, lambdaErrors: 0 }).text, "$(check) flowctl");
});

test("T1 diagnostics are counted whatever form their code takes", () => {
  assert.equal(testFailures([{ code: "T1" }, { code: { value: "T1", target: "https://x" } }, { code: "C29" }, {}, { code: 1 }]), 2);
});

test("each nodeJS key of a catalog is found, in block, sequence and flow form", () => {
  const text = ["collections:", "  - name: a", "      publish:", "        nodeJS: |", "          return [];", "      - nodeJS: 'return []'", "    nodeJSx: 1", "    update: { nodeJS: 'return [];' }", "    xnodeJS: 2"].join("\n");
  assert.deepEqual(lambdaKeys(text), [
    { line: 3, character: 8 },
    { line: 5, character: 8 },
    { line: 7, character: 14 },
  ]);
});

test("the TypeScript text is a module, with the same lines", () => {
  const text = moduleText(lambda);
  assert.ok(text.startsWith(lambda.text));
  assert.match(text, /\nexport \{\};\n$/);
  assert.equal(moduleText({ ...lambda, text: "x" }), "x\nexport {};\n");
});

test("tsserver diagnostics land on the YAML: body, signature, declarations", () => {
  const at = (line: number, offset: number) => ({ line, offset });
  const mapped = diagnosticsToYaml(lambda, [
    // `source.idx` on the body's first line (generated line 2, 1-based 3).
    { start: at(3, 10), end: at(3, 16), text: "Property 'idx' does not exist", code: 2339, category: "error" },
    // The signature (generated line 1): a body that does not return.
    { start: at(2, 20), end: at(2, 30), text: "must return a value", code: 2355, category: "error" },
    // The declarations (generated line 0): not the user's.
    { start: at(1, 1), end: at(1, 5), text: "in the header", code: 1, category: "error" },
    { start: at(4, 3), end: at(4, 4), text: "a suggestion", category: "suggestion" },
  ]);
  assert.deepEqual(mapped, [
    { range: { start: { line: 12, character: 19 }, end: { line: 12, character: 25 } }, message: "Property 'idx' does not exist", code: 2339, severity: "error" },
    { range: { start: lambda.range.start, end: lambda.range.start }, message: "must return a value", code: 2355, severity: "error" },
    { range: { start: { line: 13, character: 12 }, end: { line: 13, character: 13 } }, message: "a suggestion", code: undefined, severity: "hint" },
  ]);
});
