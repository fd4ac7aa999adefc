// The editor protocol of `flowctl lsp` beyond LSP (/work/notes/protocol-s4.md,
// documented in server/lsp/src/lsp_ext.rs): names and shapes, no behaviour.

export interface Position {
  line: number;
  character: number;
}
export interface Range {
  start: Position;
  end: Position;
}

export const STATUS = "flowctl/status";
export interface Status {
  revision: number;
  roots: string[];
  files: number;
  errors: number;
  warnings: number;
}

export const RUN_TESTS = "flowctl.runTests";
export const CANCEL_TESTS = "flowctl.cancelTests";
export const PREVIEW_COMMAND = "flowctl.preview";
export interface RunTestsArguments {
  uri?: string;
  tests?: string[];
}
export interface PreviewArguments {
  uri: string;
  collection: string;
}

export const DISCOVER_TESTS = "flowctl/discoverTests";
export interface DiscoveredStep {
  index: number;
  kind: "ingest" | "verify";
  collection: string;
  range: Range;
}
export interface DiscoveredTest {
  name: string;
  uri: string;
  range: Range;
  selectionRange: Range;
  steps: DiscoveredStep[];
}
export interface DiscoverTestsResult {
  tests: DiscoveredTest[];
}

export const TEST_RESULTS = "flowctl/testResults";
export interface TestFailure {
  uri: string;
  range: Range;
  step: number;
  expected?: unknown[];
  actual?: unknown[];
}
export interface TestResult {
  name: string;
  uri: string;
  range: Range;
  status: "passed" | "failed" | "cancelled";
  durationMs: number;
  message?: string;
  failure?: TestFailure;
  trace?: unknown;
}
export interface TestResultsParams {
  runId: number;
  state: "started" | "running" | "finished" | "cancelled";
  results: TestResult[];
}

export const PREVIEW = "flowctl/preview";
export interface PreviewRead {
  source: unknown;
  published: unknown[];
  registerBefore?: unknown;
  registerAfter?: unknown;
}
export interface PreviewTransform {
  name: string;
  uri: string;
  range: Range;
  reads: PreviewRead[];
}
export interface PreviewRun {
  test: string | null;
  durationMs: number;
  transforms: PreviewTransform[];
  published: unknown[];
  reduced: unknown[];
  error?: { message: string; uri: string; range: Range };
  console: { level: string; message: string }[];
}
export interface PreviewResult {
  collection: string;
  runs: PreviewRun[];
}

export const LAMBDA_DOCUMENT = "flowctl/lambdaDocument";
export interface LambdaLine {
  generatedLine: number;
  line: number;
  character: number;
}
export interface LambdaDocument {
  text: string;
  range: Range;
  lines: LambdaLine[];
}
