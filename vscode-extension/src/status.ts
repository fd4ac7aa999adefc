// The text of the status-bar item from `flowctl/status`, the test-run state,
// and what else is in Problems: failing verify steps of the last test run (T1)
// and type errors inside lambdas.
import type { Status } from "./protocol";

export interface StatusView {
  text: string;
  tooltip: string;
}

/** Error diagnostics `flowctl/status` does not count (it counts the build's). */
export interface Extra {
  /** T1 diagnostics: failing verify steps of the last test run. */
  testFailures: number;
  /** TypeScript errors inside lambdas. */
  lambdaErrors: number;
}

const NONE: Extra = { testFailures: 0, lambdaErrors: 0 };

export function statusView(status: Status | undefined, running: boolean, problem?: string, extra: Extra = NONE): StatusView {
  if (problem !== undefined) return { text: "$(error) flowctl", tooltip: problem };
  if (running) return { text: "$(sync~spin) flowctl: running tests…", tooltip: "flowctl is running the catalog's tests" };
  if (status === undefined) return { text: "$(sync~spin) flowctl", tooltip: "flowctl lsp is building the catalog" };
  const files = `${status.files} file${status.files === 1 ? "" : "s"}`;
  const lines = [`flowctl: revision ${status.revision}, ${files}, ${status.errors} error(s), ${status.warnings} warning(s)`];
  if (extra.testFailures > 0) lines.push(`${extra.testFailures} failing verify step(s) in the last test run (T1)`);
  if (extra.lambdaErrors > 0) lines.push(`${extra.lambdaErrors} TypeScript error(s) inside lambdas`);
  const tooltip = [...lines, ...status.roots].join("\n");
  const errors = status.errors + extra.lambdaErrors;
  if (errors === 0 && status.warnings === 0 && extra.testFailures === 0) return { text: "$(check) flowctl", tooltip };
  const failed = extra.testFailures > 0 ? ` $(beaker) ${extra.testFailures} failing` : "";
  return { text: `$(error) ${errors} $(warning) ${status.warnings}${failed} flowctl`, tooltip };
}

/** How many of the language server's diagnostics are T1 (a failing verify step). */
export function testFailures(diagnostics: Iterable<{ code?: unknown }>): number {
  let count = 0;
  for (const { code } of diagnostics) {
    const value = typeof code === "object" && code !== null && "value" in code ? (code as { value: unknown }).value : code;
    if (value === "T1") count++;
  }
  return count;
}
