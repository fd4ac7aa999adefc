// The HTML of the preview panel for a `flowctl/preview` answer: per run (one
// per test that feeds the derivation, or the given inputs), a table of the
// published and reduced documents with a column per top-level field, then
// the JSON. Colours come from VS Code's theme variables, so it follows the
// theme. Pure (no vscode import) so it is unit-tested.
import type { PreviewResult, PreviewRun } from "./protocol";

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The columns of a table of documents: their top-level fields in first-seen order; `value` for non-objects. */
export function columns(documents: unknown[]): string[] {
  const seen: string[] = [];
  let scalars = false;
  for (const document of documents) {
    if (isObject(document)) {
      for (const field of Object.keys(document)) if (!seen.includes(field)) seen.push(field);
    } else {
      scalars = true;
    }
  }
  if (scalars) seen.push("value");
  return seen;
}

function cell(value: unknown): string {
  if (value === undefined) return '<td class="absent"></td>';
  if (typeof value === "string") return `<td>${escapeHtml(value)}</td>`;
  if (isObject(value) || Array.isArray(value)) return `<td class="json">${escapeHtml(JSON.stringify(value))}</td>`;
  return `<td class="scalar">${escapeHtml(String(value))}</td>`;
}

export function table(documents: unknown[]): string {
  if (documents.length === 0) return '<p class="empty">(no documents)</p>';
  const fields = columns(documents);
  const head = fields.map((field) => `<th>${escapeHtml(field)}</th>`).join("");
  const rows = documents
    .map((document) => {
      const cells = fields.map((field) => {
        if (isObject(document)) return cell(document[field]);
        return field === "value" ? cell(document) : cell(undefined);
      });
      return `<tr>${cells.join("")}</tr>`;
    })
    .join("\n");
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

function run(run: PreviewRun): string {
  const title = run.test === null ? "Given inputs" : `Test ${escapeHtml(run.test)}`;
  const parts = [`<section class="run"><h2>${title} <span class="duration">${run.durationMs} ms</span></h2>`];
  if (run.error !== undefined) {
    parts.push(`<div class="error">${escapeHtml(run.error.message)}</div>`);
  }
  parts.push(`<h3>Published (${run.published.length})</h3>`, table(run.published));
  parts.push(`<h3>Reduced by key (${run.reduced.length})</h3>`, table(run.reduced));
  if (run.console.length > 0) {
    const lines = run.console.map((line) => `<div class="console ${escapeHtml(line.level)}">${escapeHtml(line.level)}: ${escapeHtml(line.message)}</div>`);
    parts.push("<h3>Console</h3>", lines.join("\n"));
  }
  parts.push(`<details><summary>JSON</summary><pre>${escapeHtml(JSON.stringify(run, null, 2))}</pre></details></section>`);
  return parts.join("\n");
}

const STYLE = `
body { color: var(--vscode-foreground); background: var(--vscode-editor-background); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); }
h1 { font-size: 1.3em; } h2 { font-size: 1.1em; } h3 { font-size: 1em; margin-bottom: 0.3em; }
.duration { color: var(--vscode-descriptionForeground); font-weight: normal; font-size: 0.9em; }
table { border-collapse: collapse; margin-bottom: 1em; }
th, td { border: 1px solid var(--vscode-panel-border, var(--vscode-editorWidget-border)); padding: 2px 8px; text-align: left; vertical-align: top; }
th { background: var(--vscode-editorWidget-background); }
td.scalar { font-family: var(--vscode-editor-font-family); color: var(--vscode-debugTokenExpression-number, inherit); }
td.json, pre { font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); }
.error { color: var(--vscode-errorForeground); border-left: 3px solid var(--vscode-errorForeground); padding-left: 6px; white-space: pre-wrap; }
.empty, .console { color: var(--vscode-descriptionForeground); }
pre { background: var(--vscode-textCodeBlock-background); padding: 6px; overflow: auto; }
`;

/** The whole page; `csp` is the webview's cspSource (no scripts run in it). */
export function previewHtml(result: PreviewResult, csp: string): string {
  const body = result.runs.length === 0 ? '<p class="empty">No test or input feeds this derivation.</p>' : result.runs.map(run).join("\n");
  return page(`Preview of ${escapeHtml(result.collection)}`, body, csp);
}

/** A page with only a message, for a refused preview (unknown collection, catalog errors…). */
export function messageHtml(title: string, message: string, csp: string): string {
  return page(escapeHtml(title), `<div class="error">${escapeHtml(message)}</div>`, csp);
}

function page(title: string, body: string, csp: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline' ${csp};">
<title>${title}</title><style>${STYLE}</style></head>
<body><h1>${title}</h1>
${body}
</body></html>`;
}
