// The text of the status-bar item from `flowctl/status` and the test-run state.
import type { Status } from "./protocol";

export interface StatusView {
  text: string;
  tooltip: string;
}

export function statusView(status: Status | undefined, running: boolean, problem?: string): StatusView {
  if (problem !== undefined) return { text: "$(error) flowctl", tooltip: problem };
  if (running) return { text: "$(sync~spin) flowctl: running tests…", tooltip: "flowctl is running the catalog's tests" };
  if (status === undefined) return { text: "$(sync~spin) flowctl", tooltip: "flowctl lsp is building the catalog" };
  const files = `${status.files} file${status.files === 1 ? "" : "s"}`;
  const tooltip = `flowctl: revision ${status.revision}, ${files}, ${status.errors} error(s), ${status.warnings} warning(s)\n${status.roots.join("\n")}`;
  if (status.errors === 0 && status.warnings === 0) return { text: "$(check) flowctl", tooltip };
  return { text: `$(error) ${status.errors} $(warning) ${status.warnings} flowctl`, tooltip };
}
