// TypeScript inside `nodeJS: |` lambdas, by request forwarding (VS Code's
// embedded-languages guide): `flowctl/lambdaDocument` gives the lambda as a
// TypeScript document, served here under the `flowctl-lambda:` scheme (never
// written to disk). Completion inside the YAML asks VS Code's TypeScript
// service on that document. Type errors: the TypeScript extension checks
// only documents shown in a tab (unless its project-wide diagnostics are on),
// so the lambda documents are checked by asking its tsserver directly
// (`typescript.tsserverRequest` with `syntacticDiagnosticsSync` and
// `semanticDiagnosticsSync`), and the answers are mapped onto the YAML into
// this extension's own diagnostic collection.
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";

import { diagnosticsToYaml, lambdaKeys, moduleText, type Severity, toGenerated, type TsDiagnostic, virtualPath } from "./lambda";
import { LAMBDA_DOCUMENT, type LambdaDocument } from "./protocol";

export const SCHEME = "flowctl-lambda";
const TYPESCRIPT_EXTENSION = "vscode.typescript-language-features";

interface Virtual {
  yaml: vscode.Uri;
  lambda: LambdaDocument;
  text: string;
}

export class Lambdas implements vscode.Disposable, vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly virtual = new Map<string, Virtual>();
  readonly diagnostics = vscode.languages.createDiagnosticCollection("flowctl-lambda");
  private readonly disposables: vscode.Disposable[];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** The latest check of each YAML document; an older one's answer is dropped. */
  private readonly generation = new Map<string, number>();

  constructor(
    private readonly client: () => LanguageClient | undefined,
    private readonly log: (line: string) => void,
  ) {
    this.disposables = [this.changed, this.diagnostics, vscode.workspace.registerTextDocumentContentProvider(SCHEME, this)];
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    for (const disposable of this.disposables) disposable.dispose();
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.virtual.get(uri.toString())?.text ?? "";
  }

  /** The virtual document of the lambda at `position`, fetched afresh and current in VS Code; `undefined` outside lambdas. */
  async at(document: vscode.TextDocument, position: vscode.Position): Promise<{ uri: vscode.Uri; lambda: LambdaDocument } | undefined> {
    const client = this.client();
    if (client === undefined || !client.isRunning()) return undefined;
    let lambda: LambdaDocument | null;
    try {
      lambda = await client.sendRequest<LambdaDocument | null>(LAMBDA_DOCUMENT, {
        textDocument: { uri: document.uri.toString() },
        position: { line: position.line, character: position.character },
      });
    } catch {
      return undefined; // A server without the request, or a stale position: no forwarding.
    }
    if (lambda === null || lambda === undefined) return undefined;
    const uri = vscode.Uri.from({ scheme: SCHEME, path: virtualPath(document.uri.toString(), lambda.range) });
    const text = moduleText(lambda);
    const previous = this.virtual.get(uri.toString());
    this.virtual.set(uri.toString(), { yaml: document.uri, lambda, text });
    const opened = await vscode.workspace.openTextDocument(uri);
    if (previous !== undefined && opened.getText() !== text) {
      // VS Code reads the new content after the change event; wait for it (bounded) so TypeScript sees it.
      const updated = new Promise<void>((resolve) => {
        const done = () => {
          listener.dispose();
          clearTimeout(timer);
          resolve();
        };
        const listener = vscode.workspace.onDidChangeTextDocument((event) => {
          if (event.document.uri.toString() === uri.toString() && event.document.getText() === text) done();
        });
        const timer = setTimeout(done, 2000);
      });
      this.changed.fire(uri);
      await updated;
    }
    return { uri, lambda };
  }

  async completion(document: vscode.TextDocument, position: vscode.Position, context: vscode.CompletionContext): Promise<vscode.CompletionList | undefined> {
    const found = await this.at(document, position);
    if (found === undefined) return undefined;
    const generated = toGenerated(found.lambda, position);
    if (generated === undefined) return undefined;
    const list = await vscode.commands.executeCommand<vscode.CompletionList>(
      "vscode.executeCompletionItemProvider",
      found.uri,
      new vscode.Position(generated.line, generated.character),
      context.triggerCharacter,
    );
    // Ranges of the items are in the generated document: let VS Code use the word at the YAML position.
    for (const item of list?.items ?? []) item.range = undefined;
    return list ?? new vscode.CompletionList([]);
  }

  /** Type-checks the lambdas of a catalog document a moment after it changes (edits come in bursts). */
  checkSoon(document: vscode.TextDocument, delay = 500): void {
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.check(document).catch((error: unknown) => this.log(`lambda type check of ${key}: ${String(error)}`));
      }, delay),
    );
  }

  forget(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.generation.set(key, (this.generation.get(key) ?? 0) + 1);
    this.diagnostics.delete(document.uri);
    for (const [uri, virtual] of this.virtual) if (virtual.yaml.toString() === key) this.virtual.delete(uri);
  }

  /** Every lambda of the document through TypeScript; its errors replace the document's previous ones. */
  async check(document: vscode.TextDocument): Promise<void> {
    const key = document.uri.toString();
    const generation = (this.generation.get(key) ?? 0) + 1;
    this.generation.set(key, generation);
    const version = document.version;
    const current = () => this.generation.get(key) === generation && !document.isClosed && document.version === version;
    const seen = new Set<string>();
    const found: vscode.Diagnostic[] = [];
    for (const position of lambdaKeys(document.getText())) {
      const lambda = await this.at(document, new vscode.Position(position.line, position.character));
      if (!current()) return;
      if (lambda === undefined || seen.has(lambda.uri.toString())) continue;
      seen.add(lambda.uri.toString());
      const answers = await tsDiagnostics(lambda.uri);
      if (!current()) return;
      if (answers === undefined) {
        this.diagnostics.delete(document.uri);
        return; // No TypeScript service to ask: no type errors, rather than stale ones.
      }
      for (const mapped of diagnosticsToYaml(lambda.lambda, answers)) {
        const { start, end } = mapped.range;
        const diagnostic = new vscode.Diagnostic(new vscode.Range(start.line, start.character, end.line, end.character), mapped.message, SEVERITY[mapped.severity]);
        diagnostic.source = "ts (lambda)";
        if (mapped.code !== undefined) diagnostic.code = mapped.code;
        found.push(diagnostic);
      }
    }
    this.diagnostics.set(document.uri, found);
    for (const [uri, virtual] of this.virtual) if (virtual.yaml.toString() === key && !seen.has(uri)) this.virtual.delete(uri);
  }

  /** How many error diagnostics the lambdas have (for the status item). */
  errorCount(): number {
    let count = 0;
    this.diagnostics.forEach((_, diagnostics) => {
      count += diagnostics.filter((diagnostic) => diagnostic.severity === vscode.DiagnosticSeverity.Error).length;
    });
    return count;
  }
}

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

/** Syntax and type errors of an open TypeScript document from VS Code's tsserver; `undefined` when it cannot be asked. */
async function tsDiagnostics(uri: vscode.Uri): Promise<TsDiagnostic[] | undefined> {
  const extension = vscode.extensions.getExtension(TYPESCRIPT_EXTENSION);
  if (extension === undefined) return undefined;
  await extension.activate();
  const out: TsDiagnostic[] = [];
  for (const command of ["syntacticDiagnosticsSync", "semanticDiagnosticsSync"]) {
    const response = await vscode.commands.executeCommand<{ body?: TsDiagnostic[] } | undefined>("typescript.tsserverRequest", command, { file: uri });
    if (response === undefined || !Array.isArray(response.body)) return undefined;
    out.push(...response.body);
  }
  return out;
}
