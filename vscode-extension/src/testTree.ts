// The catalog's tests as the Testing view shows them (one item per catalog
// file, a child per test), what `flowctl.runTests` is asked for a selection
// of items, and how a `flowctl/testResults` result reads as an outcome.
// Plain data: extension.ts turns it into vscode.TestItem / TestMessage.
import type { DiscoverTestsResult, Range, RunTestsArguments, TestResult } from "./protocol";

export interface TestNode {
  /** The id of its TestItem: `<uri>#<name>`. */
  id: string;
  name: string;
  uri: string;
  range: Range;
}

export interface FileNode {
  /** The id of its TestItem: the file's URI. */
  id: string;
  uri: string;
  tests: TestNode[];
}

export function testId(uri: string, name: string): string {
  return `${uri}#${name}`;
}

/** Groups discovered tests by file, files in first-seen order, tests in catalog order. */
export function fileNodes(discovered: DiscoverTestsResult): FileNode[] {
  const files = new Map<string, FileNode>();
  for (const test of discovered.tests) {
    let file = files.get(test.uri);
    if (file === undefined) {
      file = { id: test.uri, uri: test.uri, tests: [] };
      files.set(test.uri, file);
    }
    file.tests.push({ id: testId(test.uri, test.name), name: test.name, uri: test.uri, range: test.selectionRange });
  }
  return [...files.values()];
}

/** A selected item of the Testing view: a whole file, or one test. */
export type Selected = { kind: "file"; uri: string; tests: string[] } | { kind: "test"; uri: string; name: string };

/**
 * The arguments of `flowctl.runTests` for a run request: everything when
 * nothing is selected, a file by its URI, tests by their names (the names of
 * a catalog's tests are unique), and `excluded` names taken out.
 */
export function runArguments(selected: Selected[] | undefined, excluded: string[] = []): RunTestsArguments {
  const without = new Set(excluded);
  // (With exclusions, the caller selects every file rather than nothing.)
  if (selected === undefined || selected.length === 0) return {};
  if (selected.length === 1 && selected[0].kind === "file" && without.size === 0) {
    return { uri: selected[0].uri };
  }
  const names: string[] = [];
  for (const item of selected) {
    const add = item.kind === "file" ? item.tests : [item.name];
    for (const name of add) if (!without.has(name) && !names.includes(name)) names.push(name);
  }
  const uris = new Set(selected.map((item) => item.uri));
  return uris.size === 1 ? { uri: [...uris][0], tests: names } : { tests: names };
}

/** How one result shows in the Testing view. */
export interface Outcome {
  status: "passed" | "failed" | "skipped";
  durationMs: number;
  /** For a failure: the message, and the step's expected/actual documents as text for TestMessage.diff. */
  message?: string;
  expected?: string;
  actual?: string;
  location?: { uri: string; range: Range };
  /** The trace for the test output, CRLF line ends (the output is a terminal). */
  output?: string;
}

export function pretty(documents: unknown): string {
  return JSON.stringify(documents, null, 2) ?? "";
}

export function outcome(result: TestResult): Outcome {
  const output = traceText(result);
  if (result.status === "passed") return { status: "passed", durationMs: result.durationMs, output };
  if (result.status === "cancelled") return { status: "skipped", durationMs: result.durationMs, output };
  const failure = result.failure;
  const step = failure === undefined ? "" : ` (step ${failure.step + 1})`;
  const out: Outcome = {
    status: "failed",
    durationMs: result.durationMs,
    message: (result.message ?? `test ${result.name} failed`) + step,
    location: failure !== undefined ? { uri: failure.uri, range: failure.range } : { uri: result.uri, range: result.range },
    output,
  };
  if (failure?.expected !== undefined || failure?.actual !== undefined) {
    out.expected = pretty(failure?.expected ?? []);
    out.actual = pretty(failure?.actual ?? []);
  }
  return out;
}

function traceText(result: TestResult): string | undefined {
  if (result.trace === undefined || result.trace === null) return undefined;
  const header = `── ${result.name}: ${result.status} in ${result.durationMs} ms ──`;
  return (header + "\n" + pretty(result.trace) + "\n").replace(/\r?\n/g, "\r\n");
}
