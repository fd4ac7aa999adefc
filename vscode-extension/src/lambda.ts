// Positions between a lambda body in a catalog's YAML and the TypeScript
// document `flowctl/lambdaDocument` generates for it: generated line
// `generatedLine`, column `c` is YAML line `line`, column `character + c`.
import type { LambdaDocument, Position, Range } from "./protocol";

export function toGenerated(document: LambdaDocument, position: Position): Position | undefined {
  const entry = document.lines.find((line) => line.line === position.line);
  if (entry === undefined || position.character < entry.character) return undefined;
  return { line: entry.generatedLine, character: position.character - entry.character };
}

export function toYaml(document: LambdaDocument, position: Position): Position | undefined {
  const entry = document.lines.find((line) => line.generatedLine === position.line);
  if (entry === undefined) return undefined;
  return { line: entry.line, character: entry.character + position.character };
}

/** A generated range in YAML terms; `undefined` when it starts in the generated declarations. */
export function rangeToYaml(document: LambdaDocument, range: Range): Range | undefined {
  const start = toYaml(document, range.start);
  if (start === undefined) return undefined;
  const end = toYaml(document, range.end) ?? start;
  return { start, end };
}

/** The URI path of the virtual document of the lambda at `range` in `yamlUri`, ending in `.ts`. */
export function virtualPath(yamlUri: string, range: Range): string {
  const name = encodeURIComponent(yamlUri).replace(/%/g, "_");
  return `/${name}/L${range.start.line + 1}C${range.start.character + 1}.ts`;
}

/**
 * The text given to the TypeScript service. `export {}` makes it a module: the service puts every open
 * script without a tsconfig in one inferred project, where the declarations and the `publish`/`update`
 * functions of two lambdas would clash ("Duplicate function implementation"). Appended at the end, it
 * moves no line of the map.
 */
export function moduleText(document: LambdaDocument): string {
  return `${document.text}${document.text.endsWith("\n") ? "" : "\n"}export {};\n`;
}

/**
 * Where each `nodeJS:` key of a catalog's text is (block or flow style): the server answers
 * `flowctl/lambdaDocument` on a lambda's key, and `null` on anything else that looks like one.
 */
export function lambdaKeys(text: string): Position[] {
  const keys: Position[] = [];
  const lines = text.split("\n");
  for (let line = 0; line < lines.length; line++) {
    for (const match of lines[line].matchAll(/(^|[\s{,])nodeJS\s*:/g)) keys.push({ line, character: match.index + match[1].length });
  }
  return keys;
}

/** A diagnostic as tsserver's `syntacticDiagnosticsSync`/`semanticDiagnosticsSync` answer it (1-based lines and offsets). */
export interface TsDiagnostic {
  start: { line: number; offset: number };
  end: { line: number; offset: number };
  text: string;
  code?: number;
  category: string;
}

export type Severity = "error" | "warning" | "information" | "hint";

export interface YamlDiagnostic {
  range: Range;
  message: string;
  code?: number;
  severity: Severity;
}

/**
 * TypeScript's diagnostics of a lambda document, placed on the YAML. One in the body maps line for line;
 * one on the wrapping function's signature (a body that does not return, say) goes to the body's start;
 * one in the generated declarations is not the user's to fix and is dropped.
 */
export function diagnosticsToYaml(document: LambdaDocument, diagnostics: TsDiagnostic[]): YamlDiagnostic[] {
  const firstBodyLine = Math.min(...document.lines.map((line) => line.generatedLine));
  const out: YamlDiagnostic[] = [];
  for (const diagnostic of diagnostics) {
    const generated: Range = {
      start: { line: diagnostic.start.line - 1, character: diagnostic.start.offset - 1 },
      end: { line: diagnostic.end.line - 1, character: diagnostic.end.offset - 1 },
    };
    let range = rangeToYaml(document, generated);
    if (range === undefined && generated.start.line === firstBodyLine - 1) range = { start: document.range.start, end: document.range.start };
    if (range === undefined) continue;
    out.push({ range, message: diagnostic.text, code: diagnostic.code, severity: severityOf(diagnostic.category) });
  }
  return out;
}

function severityOf(category: string): Severity {
  if (category === "error") return "error";
  if (category === "warning") return "warning";
  if (category === "suggestion") return "hint";
  return "information";
}
