// Rendering of the preview panel.
import { test } from "node:test";
import assert from "node:assert/strict";

import { columns, escapeHtml, messageHtml, previewHtml, table } from "../src/previewHtml";
import type { PreviewResult } from "../src/protocol";

test("a column per top-level field, in first-seen order", () => {
  assert.deepEqual(columns([{ id: 1, total: 2 }, { id: 2, note: "x" }]), ["id", "total", "note"]);
  assert.deepEqual(columns([{ id: 1 }, 7]), ["id", "value"]);
});

test("cells: strings escaped, nested values as JSON, missing fields empty", () => {
  const html = table([{ id: 1, name: "<b>", tags: ["a"] }, { id: 2 }]);
  assert.match(html, /<th>id<\/th><th>name<\/th><th>tags<\/th>/);
  assert.match(html, /<td>&lt;b&gt;<\/td>/);
  assert.match(html, /<td class="json">\[&quot;a&quot;\]<\/td>/);
  assert.match(html, /<tr><td class="scalar">2<\/td><td class="absent"><\/td><td class="absent"><\/td><\/tr>/);
});

const result: PreviewResult = {
  collection: "acme/totals",
  runs: [
    {
      test: "tests/orders",
      durationMs: 4,
      transforms: [],
      published: [{ id: 1, total: 3 }],
      reduced: [{ id: 1, total: 3 }],
      console: [{ level: "log", message: "hi <there>" }],
    },
    {
      test: null,
      durationMs: 1,
      transforms: [],
      published: [],
      reduced: [],
      error: { message: "TypeError: x is undefined", uri: "file:///w/flow.yaml", range: { start: { line: 1, character: 0 }, end: { line: 1, character: 3 } } },
      console: [],
    },
  ],
};

test("the page: a section per run, tables, console, error, JSON; theme colours; no scripts", () => {
  const html = previewHtml(result, "vscode-resource:");
  assert.match(html, /<h1>Preview of acme\/totals<\/h1>/);
  assert.match(html, /<h2>Test tests\/orders <span class="duration">4 ms<\/span><\/h2>/);
  assert.match(html, /<h3>Published \(1\)<\/h3>/);
  assert.match(html, /log: hi &lt;there&gt;/);
  assert.match(html, /<div class="error">TypeError: x is undefined<\/div>/);
  assert.match(html, /Given inputs/);
  assert.match(html, /<pre>\{\n  &quot;test&quot;: &quot;tests\/orders&quot;/);
  assert.match(html, /var\(--vscode-editor-background\)/);
  assert.match(html, /default-src 'none'/);
  assert.doesNotMatch(html, /<script/);
});

test("no runs, and refusals", () => {
  assert.match(previewHtml({ collection: "a/b", runs: [] }, ""), /No test or input feeds this derivation/);
  assert.match(messageHtml("Preview of a/b", "a/b is not a derivation", ""), /<div class="error">a\/b is not a derivation<\/div>/);
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
});
