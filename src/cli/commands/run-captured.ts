// A child process with standard input given and its output collected: how the logical verbs run
// sh and psql on a primary, through the local instance's user or through kubectl exec.
import { spawn, type SpawnOptions } from 'node:child_process';
import { CliError } from '../client.js';
import type { RunResult } from './logical.js';

export function runCaptured(command: string, args: string[], options: SpawnOptions, stdin = ''): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e) => reject(new CliError(`error: cannot run "${command}": ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'executable not found in PATH' : e.message}`)));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
    // A command that does not read its input (psql -c) may close it first.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(stdin);
  });
}
