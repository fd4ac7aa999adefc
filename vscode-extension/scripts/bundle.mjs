// Bundles the extension (dist/extension.js, CommonJS, `vscode` external) and
// each unit test (dist-test/*.test.mjs, run by `node --test dist-test/`).
import { readdirSync } from "node:fs";
import { build } from "esbuild";

const common = { bundle: true, platform: "node", target: "node18", sourcemap: true, logLevel: "warning" };

await build({
  ...common,
  entryPoints: ["src/extension.ts"],
  outfile: "dist/extension.js",
  format: "cjs",
  external: ["vscode"],
  minify: process.env.FLOWCTL_MINIFY !== "0",
});

const tests = readdirSync("test").filter((name) => name.endsWith(".test.ts"));
await build({
  ...common,
  entryPoints: tests.map((name) => `test/${name}`),
  outdir: "dist-test",
  outExtension: { ".js": ".mjs" },
  format: "esm",
  // The tests cover the modules that do not need VS Code; importing it is a mistake.
  external: [],
});
