// The extension's settings: the table in settings.json (the one source; it is
// also written into package.json by scripts/settings.mjs) and what the
// language server receives from them.
import table from "../settings.json";

export interface Setting {
  key: string;
  /** The key `flowctl lsp` reads (server/lsp/src/config.rs); absent for client-only settings. */
  server?: string;
  default: unknown;
  [schema: string]: unknown;
}

export interface SettingsTable {
  title: string;
  settings: Setting[];
}

export const SETTINGS: SettingsTable = table as SettingsTable;

/** Reads a setting by its full key (`flowctl.offline`), `undefined` when unset. */
export type SettingReader = (key: string) => unknown;

/**
 * The settings object sent to the server as `initializationOptions` and in
 * `workspace/didChangeConfiguration`: `{ flowctl: { mapUrl, offline, lambdaTimeout } }`.
 * Unset settings take their default, so a setting removed by the user goes
 * back to it on the server too.
 */
export function serverSettings(read: SettingReader, settings: SettingsTable = SETTINGS): { flowctl: Record<string, unknown> } {
  const flowctl: Record<string, unknown> = {};
  for (const setting of settings.settings) {
    if (setting.server === undefined) continue;
    const value = read(setting.key);
    flowctl[setting.server] = value === undefined || value === null ? setting.default : value;
  }
  return { flowctl };
}

/** Whether a configuration change touches a setting the server reads. */
export function affectsServer(affects: (section: string) => boolean, settings: SettingsTable = SETTINGS): boolean {
  return settings.settings.some((setting) => setting.server !== undefined && affects(setting.key));
}
