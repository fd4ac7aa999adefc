// The VS Code extension in a real editor: code-server (Node 24) with the
// built .vsix installed, driven headless by playwright-core with Debian's
// chromium. Run by scripts/e2e.sh, which installs what this needs.
//
// Environment: FLOWCTL (the flowctl binary), VSIX (the packaged extension),
// OUT (screenshots and logs, target/e2e), CHROMIUM (default /usr/bin/chromium).
//
// Steps (each one a check; all run even when one fails, the exit code says
// whether any failed): open the fixture catalog; its planted mistake shows
// in the Problems view; completing the collection name fixes it; a test run
// from the Testing view passes; after an edit it fails and the diff of
// expected vs actual shows and the status item counts it; the Preview code
// lens opens the preview panel; a type error inside a lambda shows in
// Problems at its YAML line and goes when fixed.
import { spawn, execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const env = (name, fallback) => process.env[name] ?? fallback ?? fail(`${name} is not set (scripts/e2e.sh sets it)`);
function fail(message) {
  console.error(`e2e: ${message}`);
  process.exit(2);
}
const FLOWCTL = resolve(env("FLOWCTL"));
const VSIX = resolve(env("VSIX"));
const OUT = resolve(env("OUT"));
const CHROMIUM = env("CHROMIUM", "/usr/bin/chromium");
const slow = Number(process.env.E2E_TIMEOUT_SCALE ?? "1");
const T = (ms) => ms * slow;

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const scratch = mkdtempSync(join(tmpdir(), "flowctl-e2e-"));
const userData = join(scratch, "user-data");
const extensions = join(scratch, "extensions");
const browserData = join(scratch, "chromium");
const workspace = join(scratch, "bakery");
cpSync(join(here, "workspace"), workspace, { recursive: true });
mkdirSync(join(userData, "User"), { recursive: true });
writeFileSync(
  join(userData, "User", "settings.json"),
  JSON.stringify(
    {
      "flowctl.path": FLOWCTL,
      "workbench.startupEditor": "none",
      "workbench.tips.enabled": false,
      "workbench.enableExperiments": false,
      "workbench.secondarySideBar.defaultVisibility": "hidden",
      "chat.disableAIFeatures": true,
      "security.workspace.trust.enabled": false,
      "telemetry.telemetryLevel": "off",
      "update.mode": "none",
      "extensions.autoCheckUpdates": false,
      "extensions.autoUpdate": false,
      "extensions.ignoreRecommendations": true,
      "editor.codeLens": true,
      "testing.automaticallyOpenPeekView": "failureAnywhere",
      "files.autoSave": "off",
      "window.restoreWindows": "none",
    },
    null,
    2,
  ),
);

const codeServer = join(here, "node_modules", "code-server", "out", "node", "entry.js");
const serverArgs = ["--user-data-dir", userData, "--extensions-dir", extensions];
const started = Date.now();
console.log(`e2e: installing ${VSIX}`);
execFileSync(process.execPath, [codeServer, ...serverArgs, "--install-extension", VSIX], { stdio: "inherit" });
console.log(`e2e: installed in ${Date.now() - started} ms`);

const port = await freePort();
const server = spawn(
  process.execPath,
  [codeServer, ...serverArgs, "--auth", "none", "--bind-addr", `127.0.0.1:${port}`, "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust", "--disable-getting-started-override", "--log", "trace", workspace],
  { stdio: ["ignore", "pipe", "pipe"] },
);
let serverLog = "";
const listening = new Promise((resolveListening, reject) => {
  const onData = (chunk) => {
    serverLog += chunk.toString();
    if (/HTTP server listening/.test(serverLog)) resolveListening();
  };
  server.stdout.on("data", onData);
  server.stderr.on("data", onData);
  server.on("exit", (code) => reject(new Error(`code-server exited with ${code}:\n${serverLog}`)));
});
await Promise.race([listening, sleepReject(T(60_000), "code-server did not listen within 60 s")]);
console.log(`e2e: code-server on port ${port}`);

const results = [];
let context;
let page;
try {
  context = await chromium.launchPersistentContext(browserData, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(T(30_000));
  await runSteps(page);
} catch (error) {
  results.push({ step: "browser", ok: false, detail: String(error?.stack ?? error) });
} finally {
  await context?.close().catch(() => undefined);
  server.kill("SIGTERM");
  writeFileSync(join(OUT, "code-server.log"), serverLog);
  const activation = activationFigures(userData);
  writeFileSync(join(OUT, "activation.txt"), activation + "\n");
  console.log(`e2e: ${activation}`);
  rmSync(scratch, { recursive: true, force: true });
}

console.log("\ne2e results:");
for (const { step, ok, detail } of results) console.log(`  ${ok ? "ok  " : "FAIL"} ${step}${detail ? `: ${detail}` : ""}`);
console.log(`screenshots in ${OUT}`);
process.exit(results.every((result) => result.ok) && results.length > 0 ? 0 : 1);

async function runSteps(page) {
  let shot = 0;
  const screenshot = (name) => page.screenshot({ path: join(OUT, `${String(++shot).padStart(2, "0")}-${name}.png`) }).catch(() => undefined);
  // `info` steps are reported but do not decide the exit code.
  const step = async (name, body, info = false) => {
    const begin = Date.now();
    try {
      await body();
      results.push({ step: name, ok: true, detail: `${Date.now() - begin} ms` });
      console.log(`e2e: ok ${name}`);
    } catch (error) {
      results.push({ step: name, ok: info, detail: `${info ? "(not required) " : ""}${String(error?.message ?? error).split("\n")[0]}` });
      console.log(`e2e: FAIL ${name}: ${error?.message ?? error}`);
    }
    await screenshot(name);
  };
  const editor = page.locator(".editor-group-container .monaco-editor").first();

  await step("workbench loads", async () => {
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator(".monaco-workbench").waitFor({ timeout: T(120_000) });
    await page.locator(".explorer-folders-view, .explorer-viewlet").first().waitFor({ timeout: T(60_000) });
  });

  await step("open flow.yaml", async () => {
    await quickOpen(page, "flow.yaml");
    await editor.locator(".view-lines", { hasText: "bakery/loaves-per-day" }).waitFor();
  });

  await step("planted mistake in the Problems view", async () => {
    await runCommand(page, "View: Focus Problems");
    await page.locator(".markers-panel", { hasText: 'no collection named "bakery/ordrs"' }).waitFor({ timeout: T(120_000) });
  });

  await step("complete a collection name", async () => {
    await focusEditor(page);
    await gotoLine(page, lineOf("name: bakery/ordrs"), "            name: bakery/ordrs".length + 1);
    await page.keyboard.press("Backspace");
    await page.keyboard.press("Backspace");
    const suggestion = await suggest(page, "bakery/orders");
    await screenshot("completion-list");
    await suggestion.click();
    await editor.locator(".view-line", { hasText: "name: bakery/orders" }).first().waitFor();
    await page.keyboard.press("Control+S");
    await page.locator(".markers-panel", { hasText: "bakery/ordrs" }).waitFor({ state: "detached", timeout: T(60_000) }).catch(async () => {
      if (await page.locator(".markers-panel", { hasText: "bakery/ordrs" }).count()) throw new Error("the diagnostic stayed after the fix");
    });
  });

  await step(
    "TypeScript completion inside a lambda",
    async () => {
      await focusEditor(page);
      const line = lineOf("return [{ day: source.day");
      const text = readFileSync(join(workspace, "flow.yaml"), "utf8").split("\n")[line - 1];
      await gotoLine(page, line, text.indexOf("source.day") + "source.".length + 1);
      await suggest(page, "loaves");
      await screenshot("lambda-completion-list");
      await page.keyboard.press("Escape");
    },
    true,
  );

  const testRow = page.locator(".test-explorer .monaco-list-row", { hasText: "Loaves add up per day" }).first();
  const runFromTestingView = async () => {
    await runCommand(page, "Testing: Focus on Test Explorer View");
    if (!(await page.locator(".test-explorer").first().isVisible())) {
      await page.locator(".activitybar .action-item a[aria-label^='Testing'], .activitybar .action-label[aria-label^='Testing']").first().click();
    }
    const file = page.locator(".test-explorer .monaco-list-row", { hasText: "flow.yaml" }).first();
    await file.waitFor({ timeout: T(60_000) });
    if (!(await testRow.isVisible())) {
      await file.click();
      if (!(await testRow.isVisible())) await page.keyboard.press("ArrowRight");
    }
    await testRow.waitFor({ timeout: T(30_000) });
    await testRow.hover();
    await testRow.locator(".action-label.codicon-testing-run-icon, .action-label[aria-label^='Run Test']").first().click();
  };

  await step("run a test from the Testing view: passes", async () => {
    await runFromTestingView();
    await testRow.locator(".codicon-testing-passed-icon").waitFor({ timeout: T(90_000) });
  });

  await step("make it fail: the diff of expected vs actual", async () => {
    await quickOpen(page, "flow.yaml");
    await focusEditor(page);
    const line = lineOf("- { day: monday, loaves: 5 }");
    await gotoLine(page, line, "          - { day: monday, loaves: 5".length + 1);
    await page.keyboard.press("Backspace");
    await page.keyboard.type("6");
    await page.keyboard.press("Control+S");
    await runFromTestingView();
    await testRow.locator(".codicon-testing-failed-icon").waitFor({ timeout: T(90_000) });
    // The failure peek opens on the failing step with a diff editor of the documents.
    await page.locator(".monaco-diff-editor").first().waitFor({ timeout: T(30_000) });
    const diff = await page.locator(".monaco-diff-editor").first().innerText();
    if (!/6/.test(diff) || !/5/.test(diff)) throw new Error(`the diff does not show 5 vs 6: ${diff.slice(0, 300)}`);
  });

  await step("the status item counts the failing test", async () => {
    // T1 is in Problems now: the item shows the failing step, not ✓.
    await page.locator(".statusbar-item", { hasText: "1 failing flowctl" }).locator(".codicon-beaker").first().waitFor({ timeout: T(30_000) });
  });

  await step("open a preview from the code lens", async () => {
    await page.keyboard.press("Escape");
    await quickOpen(page, "flow.yaml");
    await focusEditor(page);
    // The lens sits above the derivation's name: bring that line into view.
    await gotoLine(page, lineOf("- name: bakery/loaves-per-day"), 1);
    const lens = page.locator(".codelens-decoration a", { hasText: "Preview" }).first();
    await lens.waitFor({ timeout: T(60_000) });
    await lens.click();
    await page.locator(".tab", { hasText: "Preview bakery/loaves-per-day" }).first().waitFor({ timeout: T(30_000) });
    const found = await waitForFrameText(page, "Published", T(60_000));
    if (!found) throw new Error("the preview panel shows no published documents");
    if (!/monday/.test(found)) throw new Error(`the preview misses the monday row: ${found.slice(0, 300)}`);
  });

  // Last: whatever it leaves behind cannot disturb the required steps.
  await step(
    "TypeScript type error inside a lambda",
    async () => {
      await page.keyboard.press("Escape");
      await quickOpen(page, "flow.yaml");
      await focusEditor(page);
      const line = lineOf("return [{ day: source.day");
      const text = readFileSync(join(workspace, "flow.yaml"), "utf8").split("\n")[line - 1];
      await gotoLine(page, line, text.indexOf("source.loaves") + "source.loaves".length + 1);
      await page.keyboard.type("x");
      await runCommand(page, "View: Focus Problems");
      // TypeScript's error, mapped onto the YAML: in Problems under flow.yaml, and squiggled in the editor.
      const problem = page.locator(".markers-panel .monaco-list-row", { hasText: "loavesx" }).first();
      await problem.waitFor({ timeout: T(60_000) });
      const row = await problem.innerText();
      if (!/ts \(lambda\)/.test(row) || !new RegExp(`\\[Ln ${line}, Col ${text.indexOf("source.loaves") + "source.".length + 1}\\]`).test(row)) {
        throw new Error(`the type error is not at the lambda's line ${line}: ${row.replace(/\s+/g, " ")}`);
      }
      await screenshot("lambda-type-error");
      await focusEditor(page);
      await gotoLine(page, line, text.indexOf("source.loaves") + "source.loavesx".length + 1);
      await page.keyboard.press("Backspace");
      // Fixed: the error goes away.
      await page.locator(".markers-panel .monaco-list-row", { hasText: "loavesx" }).waitFor({ state: "detached", timeout: T(60_000) });
    });
}

function lineOf(text) {
  const lines = readFileSync(join(workspace, "flow.yaml"), "utf8").split("\n");
  const index = lines.findIndex((line) => line.includes(text));
  if (index < 0) throw new Error(`no line with ${text} in flow.yaml`);
  return index + 1;
}

/** Types into a quick input; picks the row showing `row` (waits for it), or presses Enter when there is none to wait for. */
async function quickInput(page, key, text, row) {
  await page.keyboard.press(key);
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible" });
  await input.fill(text);
  if (row === undefined) {
    await page.waitForTimeout(300);
    await page.keyboard.press("Enter");
    return;
  }
  const pick = page.locator(".quick-input-widget .monaco-list-row", { hasText: row }).first();
  await pick.waitFor({ timeout: T(30_000) });
  await pick.click();
  await input.waitFor({ state: "hidden" });
}

async function quickOpen(page, name) {
  await quickInput(page, "Control+P", name, name);
}

async function runCommand(page, title) {
  await quickInput(page, "F1", `>${title}`, title);
}

async function gotoLine(page, line, column) {
  await quickInput(page, "Control+G", `:${line}:${column}`);
}

/** Asks for completion until a row showing `label` appears (the first ask may race the server's revision). */
async function suggest(page, label) {
  const row = page.locator(".suggest-widget .monaco-list-row", { hasText: label }).first();
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press("Control+Space");
    try {
      await row.waitFor({ timeout: T(10_000) });
      return row;
    } catch (error) {
      if (attempt === 3) throw error;
      await page.keyboard.press("Escape");
    }
  }
}

async function focusEditor(page) {
  // Keyboard rather than a click: hovers and widgets may cover any point of the text.
  await page.keyboard.press("Escape");
  await runCommand(page, "View: Focus Active Editor Group");
}

async function waitForFrameText(page, text, timeout) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      const body = await frame.locator("body").innerText({ timeout: 1000 }).catch(() => "");
      if (body.includes(text)) return body;
    }
    await page.waitForTimeout(500);
  }
  return undefined;
}

/** The extension's activation figures from code-server's logs. */
function activationFigures(dir) {
  const lines = [];
  const walk = (path) => {
    let entries;
    try {
      entries = readdirSync(path);
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = join(path, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (entry.endsWith(".log")) {
        for (const line of readFileSync(full, "utf8").split("\n")) {
          if (/flowctl extension activated in|ExtensionService#_doActivateExtension flowctl\.flowctl/.test(line)) lines.push(line.trim());
        }
      }
    }
  };
  walk(join(dir, "logs"));
  return lines.length === 0 ? "activation: not found in code-server's logs" : `activation (from code-server's logs):\n  ${lines.join("\n  ")}`;
}

function freePort() {
  return new Promise((resolvePort) => {
    const probe = createServer();
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

function sleepReject(ms, message) {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(message)), ms).unref());
}
