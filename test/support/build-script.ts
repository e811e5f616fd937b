// The project's build scripts for test tools (build-kube-testenv.sh, build-helm.sh, s3-server.sh)
// print what they built on the last line of stdout and their progress on stderr.
import { spawn } from 'node:child_process';

/** Runs `bash script ...args` and resolves to the last line it printed; a first build's progress goes to our stderr. */
export function builtPath(script: string, args: string[] = [], timeoutMs?: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const path = out.trim().split('\n').pop() ?? '';
      if (code === 0 && path) resolve(path);
      else reject(new Error(`${[script, ...args].join(' ')} failed (${signal ?? `exit ${code}`})`));
    });
  });
}
