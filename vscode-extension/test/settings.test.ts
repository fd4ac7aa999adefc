// The settings table is the one source: package.json agrees with it, and the
// server receives exactly the keys server/lsp/src/config.rs reads.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import { configuration } from "../scripts/settings.mjs";
import { affectsServer, SETTINGS, serverSettings } from "../src/settings";

test("package.json's configuration is generated from settings.json", () => {
  const manifest = JSON.parse(readFileSync("package.json", "utf8"));
  assert.deepEqual(manifest.contributes.configuration, configuration(SETTINGS), "run `npm run settings`");
});

test("the brief's settings are all there", () => {
  const keys = SETTINGS.settings.map((setting) => setting.key).sort();
  assert.deepEqual(keys, ["flowctl.lambdaTimeout", "flowctl.mapUrl", "flowctl.offline", "flowctl.path", "flowctl.trace.server"]);
});

test("the server gets the keys it reads, with defaults for unset ones", () => {
  const values: Record<string, unknown> = { "flowctl.offline": true, "flowctl.mapUrl": ["https://x.test/=schemas"], "flowctl.path": "/bin/flowctl" };
  const sent = serverSettings((key) => values[key]);
  assert.deepEqual(sent, { flowctl: { mapUrl: ["https://x.test/=schemas"], offline: true, lambdaTimeout: 1000 } });
});

test("only changes of server settings are sent", () => {
  assert.equal(affectsServer((section) => section === "flowctl.offline"), true);
  assert.equal(affectsServer((section) => section === "flowctl.path" || section === "flowctl.trace.server"), false);
});

test("the server's config.rs names every server key", () => {
  const config = readFileSync("../server/lsp/src/config.rs", "utf8");
  for (const setting of SETTINGS.settings) {
    if (setting.server !== undefined) assert.match(config, new RegExp(`"${setting.server}"`), setting.server);
  }
});
