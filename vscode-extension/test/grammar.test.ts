// The injection grammar's block rule, simulated line by line with JS regular
// expressions (the same syntax as Oniguruma for these patterns): which lines
// of a catalog it highlights as TypeScript.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

const grammar = JSON.parse(readFileSync("syntaxes/nodejs-injection.tmLanguage.json", "utf8"));
const rule = grammar.repository["nodejs-block"];

/** The 0-based lines inside `nodeJS` blocks. */
function embedded(yaml: string): number[] {
  const lines = yaml.split("\n");
  const inside: number[] = [];
  let end: RegExp | undefined;
  lines.forEach((line, index) => {
    if (end !== undefined) {
      if (end.test(line)) end = undefined;
      else return void inside.push(index);
    }
    const begin = new RegExp(rule.begin).exec(line);
    if (begin !== null) {
      const indentation = begin[1].replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      end = new RegExp(rule.end.replace("\\1", indentation));
    }
  });
  return inside;
}

test("the grammar injects into YAML and embeds TypeScript", () => {
  const manifest = JSON.parse(readFileSync("package.json", "utf8"));
  const contribution = manifest.contributes.grammars.find((g: { scopeName: string }) => g.scopeName === grammar.scopeName);
  assert.deepEqual(contribution.injectTo, ["source.yaml"]);
  assert.equal(contribution.embeddedLanguages[rule.contentName], "typescript");
  assert.deepEqual(rule.patterns, [{ include: "source.ts" }]);
});

test("a block scalar is TypeScript until the indentation drops back", () => {
  const yaml = [
    "    derivation:", // 0
    "      transform:", // 1
    "        publish:", // 2
    "          nodeJS: |", // 3
    "            const x = source.a;", // 4
    "", // 5
    "            return [x];", // 6
    "        update:", // 7
    "          nodeJS: |-  # keep", // 8
    "            return [];", // 9
    "tests:", // 10
  ].join("\n");
  assert.deepEqual(embedded(yaml), [4, 5, 6, 9]);
});

test("inline lambdas and other keys are not blocks", () => {
  assert.deepEqual(embedded('publish: { nodeJS: "return [source]" }\nnodeJSX: |\n  x'), []);
});
