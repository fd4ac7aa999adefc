// The preview panel: a webview per derivation showing `flowctl/preview`'s
// answer (rendered by previewHtml.ts), opened by the `Preview` code lens or
// the palette command, refreshed when a catalog file is saved.
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";

import { PREVIEW, type PreviewArguments, type PreviewResult } from "./protocol";
import { messageHtml, previewHtml } from "./previewHtml";

interface Open {
  panel: vscode.WebviewPanel;
  args: PreviewArguments;
  /** Bumped per refresh so a slow answer never overwrites a newer one. */
  generation: number;
}

export class PreviewPanels implements vscode.Disposable {
  private readonly open = new Map<string, Open>();

  constructor(private readonly client: () => LanguageClient | undefined) {}

  dispose(): void {
    for (const { panel } of this.open.values()) panel.dispose();
    this.open.clear();
  }

  /** Opens (or reveals) the panel of `args.collection` and fills it; answers the preview. */
  async show(args: PreviewArguments): Promise<PreviewResult | undefined> {
    let open = this.open.get(args.collection);
    if (open === undefined) {
      const panel = vscode.window.createWebviewPanel("flowctl.preview", `Preview ${args.collection}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: false });
      open = { panel, args, generation: 0 };
      const key = args.collection;
      panel.onDidDispose(() => this.open.delete(key));
      this.open.set(key, open);
    } else {
      open.args = args;
      open.panel.reveal(undefined, true);
    }
    return this.fill(open);
  }

  refresh(): void {
    for (const open of this.open.values()) void this.fill(open);
  }

  private async fill(open: Open): Promise<PreviewResult | undefined> {
    const generation = ++open.generation;
    const webview = open.panel.webview;
    const client = this.client();
    if (client === undefined || !client.isRunning()) {
      webview.html = messageHtml(`Preview of ${open.args.collection}`, "flowctl lsp is not running", webview.cspSource);
      return undefined;
    }
    try {
      const result = await client.sendRequest<PreviewResult>(PREVIEW, { uri: open.args.uri, collection: open.args.collection });
      if (generation === open.generation) webview.html = previewHtml(result, webview.cspSource);
      return result;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (generation === open.generation) webview.html = messageHtml(`Preview of ${open.args.collection}`, message, webview.cspSource);
      return undefined;
    }
  }
}
