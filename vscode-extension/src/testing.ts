// The catalog's tests in VS Code's Testing view: items from
// `flowctl/discoverTests` (refreshed as catalog files change), runs through
// `workspace/executeCommand flowctl.runTests`, results from the
// `flowctl/testResults` notifications (failure diff and trace included).
import * as vscode from "vscode";
import { ExecuteCommandRequest, type LanguageClient } from "vscode-languageclient/node";

import {
  CANCEL_TESTS,
  DISCOVER_TESTS,
  type DiscoverTestsResult,
  type Range,
  RUN_TESTS,
  type RunTestsArguments,
  type TestResult,
  type TestResultsParams,
} from "./protocol";
import { RunRouter } from "./runs";
import { fileNodes, outcome, runArguments, type Selected, testId } from "./testTree";

export function toRange(range: Range): vscode.Range {
  return new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
}

export class CatalogTests implements vscode.Disposable {
  readonly controller = vscode.tests.createTestController("flowctl", "Flow catalog tests");
  running = false;
  private refreshTimer: NodeJS.Timeout | undefined;
  private readonly router = new RunRouter<vscode.TestRun>();

  constructor(
    private readonly client: () => LanguageClient | undefined,
    private readonly output: vscode.OutputChannel,
    private readonly onRunning: (running: boolean) => void,
  ) {
    this.controller.refreshHandler = () => this.refresh();
    this.controller.resolveHandler = async (item) => {
      if (item === undefined) await this.refresh();
    };
    this.controller.createRunProfile("Run", vscode.TestRunProfileKind.Run, (request, token) => this.runRequest(request, token), true);
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    this.controller.dispose();
  }

  refreshSoon(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.refresh(), 500);
  }

  async refresh(): Promise<void> {
    const client = this.client();
    if (client === undefined || !client.isRunning()) return;
    let discovered: DiscoverTestsResult;
    try {
      discovered = await client.sendRequest<DiscoverTestsResult>(DISCOVER_TESTS, {});
    } catch (error) {
      this.output.appendLine(`${DISCOVER_TESTS}: ${String(error)}`);
      return;
    }
    const files: vscode.TestItem[] = [];
    for (const file of fileNodes(discovered)) {
      const uri = vscode.Uri.parse(file.uri);
      const item = this.controller.items.get(file.id) ?? this.controller.createTestItem(file.id, vscode.workspace.asRelativePath(uri), uri);
      item.label = vscode.workspace.asRelativePath(uri);
      const children: vscode.TestItem[] = [];
      for (const test of file.tests) {
        const child = item.children.get(test.id) ?? this.controller.createTestItem(test.id, test.name, uri);
        child.range = toRange(test.range);
        children.push(child);
      }
      item.children.replace(children);
      files.push(item);
    }
    this.controller.items.replace(files);
  }

  private find(uri: string, name: string): vscode.TestItem | undefined {
    const file = this.controller.items.get(uri);
    const byId = file?.children.get(testId(uri, name));
    if (byId !== undefined) return byId;
    let found: vscode.TestItem | undefined;
    this.controller.items.forEach((item) => item.children.forEach((child) => (found ??= child.label === name ? child : undefined)));
    return found;
  }

  private selected(item: vscode.TestItem): Selected {
    if (item.parent === undefined) {
      const tests: string[] = [];
      item.children.forEach((child) => tests.push(child.label));
      return { kind: "file", uri: item.id, tests };
    }
    return { kind: "test", uri: item.parent.id, name: item.label };
  }

  private leaves(items: readonly vscode.TestItem[] | undefined): vscode.TestItem[] {
    const roots: vscode.TestItem[] = [];
    if (items === undefined) this.controller.items.forEach((item) => roots.push(item));
    const out: vscode.TestItem[] = [];
    for (const item of items ?? roots) {
      if (item.children.size === 0) out.push(item);
      else item.children.forEach((child) => out.push(child));
    }
    return out;
  }

  /** A run asked for by a code lens or a command: shows in the Testing view like one started there. */
  async runFromArguments(args: RunTestsArguments): Promise<unknown> {
    await this.refresh();
    let include: vscode.TestItem[] | undefined;
    if (args.tests !== undefined) {
      include = args.tests.map((name) => this.find(args.uri ?? "", name)).filter((item): item is vscode.TestItem => item !== undefined);
    } else if (args.uri !== undefined) {
      const file = this.controller.items.get(args.uri);
      include = file === undefined ? undefined : [file];
    }
    const request = new vscode.TestRunRequest(include);
    const source = new vscode.CancellationTokenSource();
    try {
      return await this.execute(request, args, source.token);
    } finally {
      source.dispose();
    }
  }

  private async runRequest(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    const excluded = (request.exclude ?? []).map((item) => item.label);
    let include = request.include;
    if (include === undefined && excluded.length > 0) {
      const files: vscode.TestItem[] = [];
      this.controller.items.forEach((item) => files.push(item));
      include = files;
    }
    const args = runArguments(include?.map((item) => this.selected(item)), excluded);
    await this.execute(request, args, token);
  }

  private async execute(request: vscode.TestRunRequest, args: RunTestsArguments, token: vscode.CancellationToken): Promise<unknown> {
    const client = this.client();
    const run = this.controller.createTestRun(request, undefined, true);
    const excluded = new Set(request.exclude ?? []);
    const leaves = this.leaves(request.include).filter((item) => !excluded.has(item));
    for (const item of leaves) run.enqueued(item);
    if (client === undefined || !client.isRunning()) {
      run.appendOutput("flowctl lsp is not running\r\n");
      run.end();
      return undefined;
    }
    this.router.expect(run);
    this.setRunning();
    const cancel = token.onCancellationRequested(() => {
      void client.sendRequest(ExecuteCommandRequest.type, { command: CANCEL_TESTS, arguments: [] }).catch(() => undefined);
    });
    try {
      return await client.sendRequest(ExecuteCommandRequest.type, { command: RUN_TESTS, arguments: [args] });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      run.appendOutput(message.replace(/\r?\n/g, "\r\n") + "\r\n");
      for (const item of leaves) {
        if (!this.router.reported(run, item.uri?.toString() ?? "", item.label)) run.errored(item, new vscode.TestMessage(message));
      }
      return undefined;
    } finally {
      cancel.dispose();
      this.router.settle(run);
      run.end();
      this.setRunning();
    }
  }

  private setRunning(): void {
    this.running = this.router.running;
    this.onRunning(this.running);
  }

  onResults(params: TestResultsParams): void {
    const routed = this.router.route(params, () => this.controller.createTestRun(new vscode.TestRunRequest(), undefined, false));
    if (routed === undefined) return;
    for (const result of routed.results) this.report(routed.run, result);
    if (routed.end) routed.run.end();
    this.setRunning();
  }

  private report(run: vscode.TestRun, result: TestResult): void {
    const item = this.find(result.uri, result.name);
    if (item === undefined) return;
    const shown = outcome(result);
    if (shown.output !== undefined) run.appendOutput(shown.output, undefined, item);
    if (shown.status === "passed") run.passed(item, shown.durationMs);
    else if (shown.status === "skipped") run.skipped(item);
    else {
      const text = shown.message ?? "failed";
      const message =
        shown.expected !== undefined && shown.actual !== undefined
          ? vscode.TestMessage.diff(text, shown.expected, shown.actual)
          : new vscode.TestMessage(text);
      if (shown.location !== undefined) message.location = new vscode.Location(vscode.Uri.parse(shown.location.uri), toRange(shown.location.range));
      run.failed(item, message, shown.durationMs);
    }
  }
}
