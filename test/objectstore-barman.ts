// Runs Debian's barman-cloud tools (barman 3.4) in-process-compatible form for interop tests.
// python3-snappy 0.5.3 on Python 3.11 fails in its C crc32c ("PY_SSIZE_T_CLEAN macro must be
// defined"), so snappy is unusable by the stock commands here; we run the same entry points
// with a pure-Python crc32c swapped in, which changes nothing else about the format.
// The Azure and Google providers need client libraries Debian does not ship with barman-cloud:
// scripts/barman-cloud-providers.sh installs them from PyPI into a folder put on PYTHONPATH.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { builtPath } from './support/build-script.js';

const RUNNER = `
import sys, importlib
import snappy.snappy as s
_table = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    _table.append(c)
def _crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _table[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF
s._crc32c = _crc32c
mod = importlib.import_module(sys.argv[1])
sys.argv = [sys.argv[1]] + sys.argv[2:]
mod.main()
`;

const MODULES: Record<string, string> = {
  'barman-cloud-wal-archive': 'barman.clients.cloud_walarchive',
  'barman-cloud-wal-restore': 'barman.clients.cloud_walrestore',
  'barman-cloud-backup-list': 'barman.clients.cloud_backup_list',
  'barman-cloud-restore': 'barman.clients.cloud_restore',
  'barman-cloud-backup': 'barman.clients.cloud_backup',
};

export interface BarmanEnv {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** A barman-cloud provider: its flags, and the environment its credentials travel in (never argv). */
export interface BarmanProvider {
  args: string[];
  env: NodeJS.ProcessEnv;
}

export function s3Provider(s3: BarmanEnv): BarmanProvider {
  return {
    args: ['--cloud-provider', 'aws-s3', '--endpoint-url', s3.endpoint],
    env: { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1' },
  };
}

let providerLibraries: Promise<string> | undefined;

/** Azure or Google, with their Python libraries on the path (installed on first use). */
export async function cloudProvider(name: 'azure-blob-storage' | 'google-cloud-storage', env: NodeJS.ProcessEnv): Promise<BarmanProvider> {
  providerLibraries ??= builtPath(fileURLToPath(new URL('../../scripts/barman-cloud-providers.sh', import.meta.url)), ['build']);
  return { args: ['--cloud-provider', name], env: { ...env, PYTHONPATH: await providerLibraries } };
}

export function barman(tool: string, args: string[], s3: BarmanEnv, opts: { asUser?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return barmanCloud(tool, args, s3Provider(s3), opts);
}

export async function barmanCloud(tool: string, args: string[], provider: BarmanProvider, opts: { asUser?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const module = MODULES[tool];
  if (!module) throw new Error(`unknown barman tool ${tool}`);
  const argv = ['/usr/bin/python3', '-c', RUNNER, module, ...provider.args, ...args];
  const [cmd, ...rest] = opts.asUser ? ['runuser', '-u', opts.asUser, '--', ...argv] : argv;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd ?? '', rest, {
      env: { ...process.env, ...provider.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
