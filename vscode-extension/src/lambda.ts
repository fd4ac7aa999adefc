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
