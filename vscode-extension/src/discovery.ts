// Finding the `flowctl` binary that runs the language server: the
// `flowctl.path` setting, else the binary bundled in the .vsix
// (`bin/flowctl`), else `flowctl` on PATH. Pure apart from the injected
// file-system probe, so it is unit-tested without VS Code.
import * as path from "node:path";

export type Found =
  | { kind: "found"; command: string; source: "setting" | "bundled" | "path" }
  | { kind: "missing"; message: string; tried: string[] };

export interface Probe {
  /** Whether `file` exists and is an executable file. */
  isExecutable(file: string): boolean;
}

export interface Where {
  /** The `flowctl.path` setting ("" when unset). */
  setting: string;
  /** The extension's install directory. */
  extensionPath: string;
  /** The PATH environment variable. */
  envPath: string;
  platform: NodeJS.Platform;
  /** The first workspace folder, for a relative `flowctl.path`. */
  workspaceFolder?: string;
}

export const INSTALL_HELP =
  "flowctl was not found. Install it from a clone of the flowctl repository with `cargo install --path server/cli` " +
  "(or `cargo install --git <repository> flowctl`), or set `flowctl.path` to the binary.";

export function findServer(where: Where, probe: Probe): Found {
  const exe = where.platform === "win32" ? "flowctl.exe" : "flowctl";
  const tried: string[] = [];
  const setting = where.setting.trim();
  if (setting !== "") {
    const expanded = setting.startsWith("~/") ? path.join(process.env.HOME ?? "~", setting.slice(2)) : setting;
    const file =
      path.isAbsolute(expanded) || where.workspaceFolder === undefined
        ? expanded
        : path.join(where.workspaceFolder, expanded);
    if (probe.isExecutable(file)) return { kind: "found", command: file, source: "setting" };
    // A setting that names no file is a mistake: say so rather than silently using another binary.
    return {
      kind: "missing",
      tried: [file],
      message: `flowctl.path is set to ${setting}, which is not an executable file. ${INSTALL_HELP}`,
    };
  }
  const bundled = path.join(where.extensionPath, "bin", exe);
  tried.push(bundled);
  if (probe.isExecutable(bundled)) return { kind: "found", command: bundled, source: "bundled" };
  const separator = where.platform === "win32" ? ";" : ":";
  for (const dir of where.envPath.split(separator)) {
    if (dir === "") continue;
    const file = path.join(dir, exe);
    tried.push(file);
    if (probe.isExecutable(file)) return { kind: "found", command: file, source: "path" };
  }
  return { kind: "missing", tried, message: INSTALL_HELP };
}
