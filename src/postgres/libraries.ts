// The server settings that load code into PostgreSQL: shared_preload_libraries (the user's and
// those of the extensions the operator manages), where extension files are searched for, and
// whether ALTER SYSTEM may write postgresql.auto.conf.

/** An extension the operator loads (and creates) because the Cluster sets one of its parameters, as CloudNativePG does. */
export interface ManagedExtension {
  name: string;
  /** `pgaudit.log` belongs to `pgaudit`. */
  namespace: string;
  library: string;
  /** Some are only a library: there is nothing to CREATE EXTENSION. */
  createExtension: boolean;
}

// pg_failover_slots is CloudNativePG's fourth; its parameters are the operator's here (gucs.ts).
export const MANAGED_EXTENSIONS: readonly ManagedExtension[] = Object.freeze([
  { name: 'pgaudit', namespace: 'pgaudit', library: 'pgaudit', createExtension: true },
  { name: 'pg_stat_statements', namespace: 'pg_stat_statements', library: 'pg_stat_statements', createExtension: true },
  { name: 'auto_explain', namespace: 'auto_explain', library: 'auto_explain', createExtension: false },
]);

/** The managed extensions whose parameters the Cluster sets. */
export function usedManagedExtensions(parameters: Readonly<Record<string, string>>): ManagedExtension[] {
  const names = Object.keys(parameters).map((name) => name.toLowerCase());
  return MANAGED_EXTENSIONS.filter((e) => names.some((name) => name.startsWith(`${e.namespace}.`)));
}

/** The user's libraries in their order, then the managed ones, each once. */
export function preloadLibraries(userLibraries: readonly string[], parameters: Readonly<Record<string, string>>): string[] {
  return [...new Set([...userLibraries, ...usedManagedExtensions(parameters).map((e) => e.library)])];
}

/** Folders of one declared extension, already made absolute. */
export interface ExtensionFolders {
  controlPaths: string[];
  libraryPaths: string[];
}

export interface LibrarySettingsInput {
  major: number;
  userLibraries: readonly string[];
  parameters: Readonly<Record<string, string>>;
  extensions: readonly ExtensionFolders[];
  enableAlterSystem: boolean;
}

const joinPath = (head: string, given: string | undefined, folders: string[]): string =>
  [head, ...folders, ...(given ?? '').split(':')].filter((entry) => entry !== '').join(':');

/**
 * Settings rendered over the user's parameters. The search paths keep the server's own folders
 * first and the user's own entries last, and are set only when extensions are declared, so a
 * Cluster without them keeps the user's value as written.
 */
export function librarySettings(input: LibrarySettingsInput): Record<string, string> {
  const settings: Record<string, string> = {};
  const libraries = preloadLibraries(input.userLibraries, input.parameters);
  if (libraries.length > 0) settings.shared_preload_libraries = libraries.join(',');
  if (input.extensions.length > 0) {
    settings.extension_control_path = joinPath('$system', input.parameters.extension_control_path, input.extensions.flatMap((e) => e.controlPaths));
    settings.dynamic_library_path = joinPath('$libdir', input.parameters.dynamic_library_path, input.extensions.flatMap((e) => e.libraryPaths));
  }
  // PostgreSQL 17 has a setting for it; older servers are kept from it by the file's mode (instance/alter-system.ts).
  if (input.major >= 17) settings.allow_alter_system = input.enableAlterSystem ? 'on' : 'off';
  return settings;
}
