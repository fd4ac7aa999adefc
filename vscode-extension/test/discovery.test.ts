// Server discovery: setting, then the bundled binary, then PATH.
import { test } from "node:test";
import assert from "node:assert/strict";

import { findServer, INSTALL_HELP } from "../src/discovery";

const probe = (present: string[]) => ({ isExecutable: (file: string) => present.includes(file) });
const where = { setting: "", extensionPath: "/ext", envPath: "/usr/local/bin:/usr/bin", platform: "linux" as const, workspaceFolder: "/ws" };

test("the setting wins, relative to the workspace folder", () => {
  const found = findServer({ ...where, setting: "target/debug/flowctl" }, probe(["/ws/target/debug/flowctl", "/ext/bin/flowctl"]));
  assert.deepEqual(found, { kind: "found", command: "/ws/target/debug/flowctl", source: "setting" });
});

test("a setting naming nothing is reported, not replaced", () => {
  const found = findServer({ ...where, setting: "/nope/flowctl" }, probe(["/ext/bin/flowctl"]));
  assert.equal(found.kind, "missing");
  assert.match(found.kind === "missing" ? found.message : "", /flowctl\.path is set to \/nope\/flowctl/);
});

test("the bundled binary comes before PATH", () => {
  assert.deepEqual(findServer(where, probe(["/ext/bin/flowctl", "/usr/bin/flowctl"])), { kind: "found", command: "/ext/bin/flowctl", source: "bundled" });
});

test("PATH in order", () => {
  assert.deepEqual(findServer(where, probe(["/usr/bin/flowctl"])), { kind: "found", command: "/usr/bin/flowctl", source: "path" });
});

test("none found: the install help, with what was tried", () => {
  const found = findServer(where, probe([]));
  assert.equal(found.kind, "missing");
  if (found.kind === "missing") {
    assert.equal(found.message, INSTALL_HELP);
    assert.match(found.message, /cargo install --path server\/cli/);
    assert.deepEqual(found.tried, ["/ext/bin/flowctl", "/usr/local/bin/flowctl", "/usr/bin/flowctl"]);
  }
});

test("Windows names flowctl.exe and splits PATH on ;", () => {
  const found = findServer({ ...where, extensionPath: "C:/ext", envPath: "C:/a;C:/b", platform: "win32" }, probe(["C:/b/flowctl.exe"]));
  assert.equal(found.kind, "found");
});
