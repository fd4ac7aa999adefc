// Types of scripts/settings.mjs for the TypeScript tests that import it.
import type { SettingsTable } from "../src/settings";
export function configuration(table: SettingsTable): {
  title: string;
  properties: Record<string, Record<string, unknown>>;
};
