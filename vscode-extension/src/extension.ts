// The VS Code extension: starts `flowctl lsp` through vscode-languageclient,
// and adds what LSP does not carry: the Testing view, the preview panel,
// TypeScript inside lambdas, the status-bar item and the commands. The logic
// that can live without VS Code is in the other modules (unit-tested).
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import {
  LanguageClient,
  type LanguageClientOptions,
  type Middleware,
  type ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";

import { findServer, type Found } from "./discovery";
import { PREVIEW_COMMAND, RUN_TESTS, STATUS, type PreviewArguments, type RunTestsArguments, type Status, TEST_RESULTS, type TestResultsParams } from "./protocol";
import { affectsServer, serverSettings } from "./settings";
import { statusView, testFailures } from "./status";
import { CatalogTests } from "./testing";
import { PreviewPanels } from "./preview";
import { Lambdas } from "./lambdas";

/** Catalog files and the JSON/YAML schemas they use: the only documents the server sees. */
export const DOCUMENT_SELECTOR = [
  { scheme: "file", pattern: "**/{flow.yaml,flow.yml,*.flow.yaml,*.flow.yml}" },
  { scheme: "file", pattern: "**/*.schema.{json,yaml,yml}" },
];
const CATALOG_GLOB = "**/{flow.yaml,flow.yml,*.flow.yaml,*.flow.yml}";

class Extension implements vscode.Disposable {
  readonly output = vscode.window.createOutputChannel("flowctl");
  readonly statusItem = vscode.window.createStatusBarItem("flowctl.status", vscode.StatusBarAlignment.Left, 10);
  client: LanguageClient | undefined;
  server: Found | undefined;
  private status: Status | undefined;
  private problem: string | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  readonly tests: CatalogTests;
  readonly previews: PreviewPanels;
  readonly lambdas: Lambdas;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly context: vscode.ExtensionContext) {
    this.statusItem.name = "flowctl";
    this.statusItem.command = "flowctl.showOutput";
    this.tests = new CatalogTests(() => this.client, this.output, (running) => this.showStatus(running));
    this.previews = new PreviewPanels(() => this.client);
    this.lambdas = new Lambdas(() => this.client, (line) => this.output.appendLine(line));
    this.disposables.push(this.output, this.statusItem, this.tests, this.previews, this.lambdas);
    this.showStatus(false);
    this.statusItem.show();
  }

  dispose(): void {
    clearTimeout(this.statusTimer);
    for (const disposable of this.disposables) disposable.dispose();
  }

  private settingsReader(): (key: string) => unknown {
    const configuration = vscode.workspace.getConfiguration();
    return (key) => configuration.get(key);
  }

  private middleware(): Middleware {
    return {
      // The server's code lenses name its commands; the client handles two of them itself:
      // a test run shows in the Testing view, a preview opens the panel.
      executeCommand: async (command, args, next) => {
        if (command === RUN_TESTS) return this.tests.runFromArguments((args[0] ?? {}) as RunTestsArguments);
        if (command === PREVIEW_COMMAND) return this.previews.show(args[0] as PreviewArguments);
        return next(command, args);
      },
      provideCompletionItem: async (document, position, context, token, next) => {
        const forwarded = await this.lambdas.completion(document, position, context);
        if (forwarded !== undefined || token.isCancellationRequested) return forwarded;
        return next(document, position, context, token);
      },
    };
  }

  async start(): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    this.server = findServer(
      {
        setting: vscode.workspace.getConfiguration("flowctl").get<string>("path") ?? "",
        extensionPath: this.context.extensionPath,
        envPath: process.env.PATH ?? "",
        platform: process.platform,
        workspaceFolder: folder,
      },
      { isExecutable },
    );
    if (this.server.kind === "missing") {
      this.problem = this.server.message;
      this.output.appendLine(`${this.server.message}\nTried: ${this.server.tried.join(", ")}`);
      this.showStatus(false);
      void offerInstall(this.server.message, folder);
      return;
    }
    this.problem = undefined;
    this.output.appendLine(`Starting ${this.server.command} lsp (${this.server.source})`);
    const serverOptions: ServerOptions = {
      command: this.server.command,
      args: ["lsp"],
      transport: TransportKind.stdio,
      options: folder === undefined ? {} : { cwd: folder },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: DOCUMENT_SELECTOR,
      initializationOptions: serverSettings(this.settingsReader()),
      outputChannel: this.output,
      traceOutputChannel: this.output,
      middleware: this.middleware(),
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher(CATALOG_GLOB) },
    };
    // The client id `flowctl` makes vscode-languageclient read `flowctl.trace.server`.
    const client = new LanguageClient("flowctl", "flowctl", serverOptions, clientOptions);
    this.client = client;
    client.onNotification(TEST_RESULTS, (params: TestResultsParams) => this.tests.onResults(params));
    try {
      await client.start();
    } catch (error) {
      this.problem = `flowctl lsp did not start: ${String(error)}`;
      this.showStatus(false);
      return;
    }
    this.tests.refresh();
    this.refreshStatus();
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.status = undefined;
    if (client !== undefined) await client.stop().catch(() => undefined);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  showStatus(running: boolean): void {
    let failures = 0;
    this.client?.diagnostics?.forEach((_, diagnostics) => {
      failures += testFailures(diagnostics);
    });
    const view = statusView(this.status, running || this.tests.running, this.problem, { testFailures: failures, lambdaErrors: this.lambdas.errorCount() });
    this.statusItem.text = view.text;
    this.statusItem.tooltip = view.tooltip;
  }

  /** Asks the server for its status soon (diagnostics change in bursts). */
  refreshStatus(): void {
    clearTimeout(this.statusTimer);
    this.statusTimer = setTimeout(() => {
      const client = this.client;
      if (client === undefined || !client.isRunning()) return;
      client.sendRequest<Status>(STATUS).then(
        (status) => {
          // A new revision may change what the lambdas' documents declare: check them again.
          if (status.revision !== this.status?.revision) this.checkLambdas(100);
          this.status = status;
          this.showStatus(false);
        },
        (error: unknown) => this.output.appendLine(`flowctl/status: ${String(error)}`),
      );
    }, 250);
  }

  /** Type-checks the lambdas of every open catalog document. */
  checkLambdas(delay: number): void {
    for (const document of vscode.workspace.textDocuments) {
      if (vscode.languages.match(DOCUMENT_SELECTOR, document) > 0) this.lambdas.checkSoon(document, delay);
    }
  }

  /** The sent settings follow changes of the ones the server reads; a new `flowctl.path` restarts it. */
  onConfiguration(event: vscode.ConfigurationChangeEvent): void {
    if (event.affectsConfiguration("flowctl.path")) {
      void this.restart();
      return;
    }
    if (this.client !== undefined && affectsServer((section) => event.affectsConfiguration(section))) {
      void this.client.sendNotification("workspace/didChangeConfiguration", { settings: serverSettings(this.settingsReader()) });
    }
  }

  /** `flowctl build` of the active catalog (or the workspace's flow.yaml) in a terminal. */
  build(): void {
    const command = this.server?.kind === "found" ? this.server.command : "flowctl";
    const active = vscode.window.activeTextEditor?.document;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const args = ["build"];
    if (active !== undefined && active.uri.scheme === "file" && /(^|[./])flow\.ya?ml$/.test(path.basename(active.uri.fsPath))) {
      args.push("--source", active.uri.fsPath);
    }
    const terminal = vscode.window.createTerminal({ name: "flowctl build", cwd: active !== undefined && args.length > 1 ? path.dirname(active.uri.fsPath) : folder });
    terminal.show();
    terminal.sendText([command, ...args].map(shellQuote).join(" "));
  }

  /** Palette command: preview a derivation of the active catalog by name. */
  async previewDerivation(): Promise<void> {
    const document = vscode.window.activeTextEditor?.document;
    if (document === undefined) {
      void vscode.window.showInformationMessage("Open a catalog file, then preview one of its derivations (or use the Preview code lens).");
      return;
    }
    const word = document.getText(document.getWordRangeAtPosition(vscode.window.activeTextEditor!.selection.active, /[\w./-]+/));
    const collection = await vscode.window.showInputBox({ prompt: "Derivation (collection name) to preview", value: word });
    if (collection) await this.previews.show({ uri: document.uri.toString(), collection });
  }
}

function isExecutable(file: string): boolean {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function shellQuote(word: string): string {
  return /^[\w./=:@-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

async function offerInstall(message: string, folder: string | undefined): Promise<void> {
  const choice = await vscode.window.showErrorMessage(message, "Install", "Set flowctl.path");
  if (choice === "Set flowctl.path") {
    await vscode.commands.executeCommand("workbench.action.openSettings", "flowctl.path");
  } else if (choice === "Install") {
    const repository = folder !== undefined && fs.existsSync(path.join(folder, "server", "cli", "Cargo.toml"));
    if (repository) {
      const terminal = vscode.window.createTerminal({ name: "install flowctl", cwd: folder });
      terminal.show();
      terminal.sendText("cargo install --path server/cli");
    } else {
      await vscode.window.showInformationMessage(
        "flowctl is installed with Rust's cargo: in a clone of the flowctl repository run `cargo install --path server/cli` " +
          "(rustup.rs installs cargo). Then reload the window, or set flowctl.path to the binary.",
        { modal: true },
      );
    }
  }
}

let extension: Extension | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const started = Date.now();
  const ext = new Extension(context);
  extension = ext;
  context.subscriptions.push(
    ext,
    vscode.commands.registerCommand("flowctl.restartServer", () => ext.restart()),
    vscode.commands.registerCommand("flowctl.showOutput", () => ext.output.show(true)),
    vscode.commands.registerCommand("flowctl.runAllTests", () => ext.tests.runFromArguments({})),
    vscode.commands.registerCommand("flowctl.previewDerivation", () => ext.previewDerivation()),
    vscode.commands.registerCommand("flowctl.build", () => ext.build()),
    vscode.workspace.onDidChangeConfiguration((event) => ext.onConfiguration(event)),
    vscode.languages.onDidChangeDiagnostics(() => ext.refreshStatus()),
    vscode.workspace.onDidSaveTextDocument((document) => {
      if (vscode.languages.match(DOCUMENT_SELECTOR, document) > 0) ext.previews.refresh();
    }),
    vscode.workspace.onDidChangeTextDocument((event) => {
      if (event.contentChanges.length > 0 && vscode.languages.match(DOCUMENT_SELECTOR, event.document) > 0) {
        ext.tests.refreshSoon();
        ext.lambdas.checkSoon(event.document);
      }
    }),
    vscode.workspace.onDidOpenTextDocument((document) => {
      if (vscode.languages.match(DOCUMENT_SELECTOR, document) > 0) ext.lambdas.checkSoon(document);
    }),
    vscode.workspace.onDidCloseTextDocument((document) => ext.lambdas.forget(document)),
  );
  const watcher = vscode.workspace.createFileSystemWatcher(CATALOG_GLOB);
  context.subscriptions.push(watcher, watcher.onDidCreate(() => ext.tests.refreshSoon()), watcher.onDidDelete(() => ext.tests.refreshSoon()), watcher.onDidChange(() => ext.tests.refreshSoon()));
  await ext.start();
  ext.output.appendLine(`flowctl extension activated in ${Date.now() - started} ms`);
}

export async function deactivate(): Promise<void> {
  await extension?.stop();
  extension = undefined;
}
