// Writes settings.json (the one source of the extension's settings) into
// package.json's `contributes.configuration`. `--check` only compares and
// fails when package.json is out of date.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

/** The `contributes.configuration` object for a settings table. */
export function configuration(table) {
  const properties = {};
  for (const { key, server: _server, ...schema } of table.settings) {
    properties[key] = schema;
  }
  return { title: table.title, properties };
}

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const table = JSON.parse(readFileSync(join(root, "settings.json"), "utf8"));
  const manifestPath = join(root, "package.json");
  const text = readFileSync(manifestPath, "utf8");
  const manifest = JSON.parse(text);
  manifest.contributes.configuration = configuration(table);
  const updated = JSON.stringify(manifest, null, 2) + "\n";
  if (process.argv.includes("--check")) {
    if (updated !== text) {
      console.error("package.json's contributes.configuration is out of date: run `npm run settings`");
      process.exit(1);
    }
  } else if (updated !== text) {
    writeFileSync(manifestPath, updated);
    console.log("package.json: contributes.configuration updated from settings.json");
  }
}
