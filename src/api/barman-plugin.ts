// The Barman Cloud plugin's side of the Cluster, Backup and ScheduledBackup kinds: its name and the
// parameters it takes. This operator runs no CNPG-I plugins; it maps this one plugin's form onto
// its own object-store code (src/operator/plugin-stores.ts), so any other plugin name is refused.
import type { z } from 'zod';
import { msg, report } from './errors.js';

export const BARMAN_CLOUD_PLUGIN = 'barman-cloud.cloudnative-pg.io';

/** The ObjectStore named, and the folder under its destinationPath (the plugin's own parameter names). */
export const BARMAN_PLUGIN_PARAMETERS = ['barmanObjectName', 'serverName'] as const;

interface PluginEntry {
  name: string;
  parameters?: Record<string, string> | undefined;
}

/** Refuses a plugin other than Barman Cloud, and Barman Cloud parameters it does not take. */
export function checkPluginEntry(entry: PluginEntry, path: readonly PropertyKey[], ctx: z.RefinementCtx, needsObjectStore: boolean): void {
  if (entry.name !== BARMAN_CLOUD_PLUGIN) {
    report(ctx, [...path, 'name'], msg.unknownPlugin(entry.name), [BARMAN_CLOUD_PLUGIN]);
    return;
  }
  for (const parameter of Object.keys(entry.parameters ?? {})) {
    if (!(BARMAN_PLUGIN_PARAMETERS as readonly string[]).includes(parameter)) {
      report(ctx, [...path, 'parameters', parameter], msg.unknownPluginParameter(parameter), BARMAN_PLUGIN_PARAMETERS);
    }
  }
  if (needsObjectStore && !entry.parameters?.['barmanObjectName']) {
    report(ctx, [...path, 'parameters', 'barmanObjectName'], msg.pluginParameterRequired('barmanObjectName'));
  }
}
