// TypeScript inside `nodeJS: |` lambdas, by request forwarding (VS Code's
// embedded-languages guide): `flowctl/lambdaDocument` gives the lambda as a
// TypeScript document, served here under the `flowctl-lambda:` scheme;
// completion inside the YAML asks VS Code's TypeScript service on that
// document, and whatever diagnostics it reports there are mapped back onto
// the YAML (the end-to-end test found no type errors reported for this
// non-`file:` scheme in VS Code 1.139).
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";

import { rangeToYaml, toGenerated, virtualPath } from "./lambda";
import { LAMBDA_DOCUMENT, type LambdaDocument } from "./protocol";

export const SCHEME = "flowctl-lambda";

interface Virtual {
  yaml: vscode.Uri;
  lambda: LambdaDocument;
}

export class Lambdas implements vscode.Disposable, vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly virtual = new Map<string, Virtual>();
  private readonly diagnostics = vscode.languages.createDiagnosticCollection("flowctl-lambda");
  private readonly disposables: vscode.Disposable[];
  private checkTimer: NodeJS.Timeout | undefined;

  constructor(private readonly client: () => LanguageClient | undefined) {
    this.disposables = [
      this.changed,
      this.diagnostics,
      vscode.workspace.registerTextDocumentContentProvider(SCHEME, this),
      vscode.languages.onDidChangeDiagnostics((event) => {
        if (event.uris.some((uri) => uri.scheme === SCHEME)) this.mapDiagnostics();
      }),
    ];
  }

  dispose(): void {
    clearTimeout(this.checkTimer);
    for (const disposable of this.disposables) disposable.dispose();
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.virtual.get(uri.toString())?.lambda.text ?? "";
  }

  /** The virtual document of the lambda at `position`, fetched afresh; `undefined` outside lambdas. */
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
    const previous = this.virtual.get(uri.toString());
    this.virtual.set(uri.toString(), { yaml: document.uri, lambda });
    if (previous !== undefined && previous.lambda.text !== lambda.text) this.changed.fire(uri);
    // Opening it makes the TypeScript service check it (its diagnostics come back through onDidChangeDiagnostics).
    await vscode.workspace.openTextDocument(uri);
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

  /**
   * Fetches the lambda under the cursor a moment after it moves, so the TypeScript service checks its
   * current text (in VS Code 1.139 no type errors come back for this scheme).
   */
  checkSoon(document: vscode.TextDocument, position: vscode.Position): void {
    clearTimeout(this.checkTimer);
    this.checkTimer = setTimeout(() => void this.at(document, position), 400);
  }

  private mapDiagnostics(): void {
    const byYaml = new Map<string, { uri: vscode.Uri; diagnostics: vscode.Diagnostic[] }>();
    for (const [key, virtual] of this.virtual) {
      const entry = byYaml.get(virtual.yaml.toString()) ?? { uri: virtual.yaml, diagnostics: [] };
      byYaml.set(virtual.yaml.toString(), entry);
      for (const diagnostic of vscode.languages.getDiagnostics(vscode.Uri.parse(key))) {
        const { start, end } = diagnostic.range;
        const range = rangeToYaml(virtual.lambda, { start: { line: start.line, character: start.character }, end: { line: end.line, character: end.character } });
        if (range === undefined) continue;
        const mapped = new vscode.Diagnostic(new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character), diagnostic.message, diagnostic.severity);
        mapped.source = "ts (lambda)";
        mapped.code = diagnostic.code;
        entry.diagnostics.push(mapped);
      }
    }
    for (const { uri, diagnostics } of byYaml.values()) this.diagnostics.set(uri, diagnostics);
  }
}
