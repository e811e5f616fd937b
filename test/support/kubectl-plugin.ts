// The real kubectl with our kubectl-cnpg on PATH, as krew would install it, against a test control
// plane: `kubectl cnpg …` runs as a user types it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ControlPlane } from './controlplane.js';

const PLUGIN = fileURLToPath(new URL('../../src/cli/kubectl-cnpg.js', import.meta.url));

export interface KubectlRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Kubectl {
  run(args: string[], input?: string): Promise<KubectlRun>;
  /** Removes the plugin's folder. */
  close(): void;
}

export function kubectlWithPlugin(cp: ControlPlane): Kubectl {
  const binDir = mkdtempSync(join(tmpdir(), 'cnpg-kubectl-plugin-'));
  writeFileSync(join(binDir, 'kubectl-cnpg'), `#!/bin/sh\nexec "${process.execPath}" "${PLUGIN}" "$@"\n`, { mode: 0o755 });
  return {
    run: (args, input = '') =>
      new Promise((resolve) => {
        const child = spawn(cp.kubectl, args, { env: { ...process.env, PATH: `${binDir}:${process.env.PATH}`, KUBECONFIG: cp.kubeconfigPath }, stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
        child.stdin.end(input);
      }),
    close: () => rmSync(binDir, { recursive: true, force: true }),
  };
}
