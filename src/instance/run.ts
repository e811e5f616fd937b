// Runs a PostgreSQL client tool to completion, keeping its output for the error message.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly code: number | null,
    readonly output: string,
  ) {
    super(`${command} exited with ${code ?? 'a signal'}: ${output.trim().split('\n').slice(-5).join(' | ')}`);
    this.name = 'CommandError';
  }
}

export function runTool(file: string, args: string[], env: NodeJS.ProcessEnv = process.env, cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (e) => reject(new CommandError(file, null, e.message)));
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new CommandError(file.split('/').pop() ?? file, code, output))));
  });
}

/** pg_controldata's report on a data folder, in the English its parser in src/postgres expects. */
export function readControlData(binDir: string, pgdata: string): Promise<string> {
  return runTool(join(binDir, 'pg_controldata'), [pgdata], { ...process.env, LC_ALL: 'C' });
}
