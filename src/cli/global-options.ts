// kubectl's global flags, so that a sequence written for kubectl runs with `kubectl` replaced by
// `cnpg`: -n/--namespace and -A before or after the verb, --context/--kubeconfig accepted, and
// the plugin's `kubectl cnpg VERB` as `cnpg cnpg VERB`.
import { Option, type Command } from 'commander';

/** Global flags that take a value, to find the verb behind them. */
const VALUE_FLAGS = new Set(['-n', '--namespace', '--context', '--kubeconfig']);

/** Flags that choose a kubeconfig entry; local mode has one control plane per CNPG_HOME. */
const KUBECONFIG_FLAGS = ['context', 'kubeconfig'] as const;

export function addGlobalOptions(program: Command): Command {
  return program
    .addOption(new Option('-n, --namespace <namespace>', 'namespace of the objects, before or after the verb (default: default)'))
    .addOption(new Option('-A, --all-namespaces', 'every namespace (get), before or after the verb'))
    .addOption(new Option('--context <name>', 'accepted for kubectl compatibility; local mode ignores it (set CNPG_HOME to use another control plane)'))
    .addOption(new Option('--kubeconfig <file>', 'accepted for kubectl compatibility; local mode ignores it'))
    .hook('preAction', (root, action) => {
      const global = root.opts<{ namespace?: string; allNamespaces?: boolean; context?: string; kubeconfig?: string }>();
      // The root reads these wherever they stand; the verb's own (for its help) then stay unset.
      for (const key of ['namespace', 'allNamespaces'] as const) {
        if (global[key] !== undefined && action.getOptionValue(key) === undefined) action.setOptionValue(key, global[key]);
      }
      for (const flag of KUBECONFIG_FLAGS) {
        if (global[flag] !== undefined) process.stderr.write(`note: --${flag} is ignored in local mode: each CNPG_HOME has one control plane (set CNPG_HOME to use another)\n`);
      }
    });
}

/** `cnpg [flags] cnpg VERB …` → `cnpg [flags] VERB …`: the plugin's word is dropped once. */
export function withoutPluginWord(args: readonly string[]): string[] {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') break;
    if (VALUE_FLAGS.has(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith('-')) continue;
    return arg === 'cnpg' ? [...args.slice(0, i), ...args.slice(i + 1)] : [...args];
  }
  return [...args];
}
