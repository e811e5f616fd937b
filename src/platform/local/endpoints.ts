// The rw/ro/r endpoints of each cluster: stable ports kept in the cluster's folder, served by one
// detached proxy process per cluster that survives daemon restarts.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import type { Cluster } from '../../api/index.js';
import { isAlive } from '../../instance/postmaster.js';
import type { EndpointAddresses, EndpointRole, EndpointRuntime } from '../../operator/platform.js';
import type { LocalInstances } from './instances.js';
import { freePort } from './ports.js';
import type { Backend, Routes } from './proxy.js';

const PROXY_MAIN = fileURLToPath(new URL('./proxy-main.js', import.meta.url));
const ROLES: EndpointRole[] = ['rw', 'ro', 'r'];

export class LocalEndpoints implements EndpointRuntime {
  constructor(private readonly instances: LocalInstances) {}

  private dir(cluster: Cluster): string {
    return this.instances.clusterDir(cluster.metadata.namespace ?? 'default', cluster.metadata.name);
  }

  async addresses(cluster: Cluster): Promise<EndpointAddresses> {
    const file = join(this.dir(cluster), 'endpoints.json');
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as EndpointAddresses;
    mkdirSync(this.dir(cluster), { recursive: true, mode: 0o711 });
    const addresses = {} as EndpointAddresses;
    for (const role of ROLES) addresses[role] = { host: '127.0.0.1', port: await freePort() };
    writeFileSync(file, JSON.stringify(addresses, null, 2) + '\n', { mode: 0o644 });
    return addresses;
  }

  proxyPid(cluster: Cluster): number | undefined {
    const file = join(this.dir(cluster), 'proxy.json');
    if (!existsSync(file)) return undefined;
    const pid = (JSON.parse(readFileSync(file, 'utf8')) as { pid: number }).pid;
    try {
      return isAlive(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(PROXY_MAIN) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  async route(cluster: Cluster, backends: Record<EndpointRole, string[]>): Promise<void> {
    const dir = this.dir(cluster);
    const ns = cluster.metadata.namespace ?? 'default';
    const ports = new Map(this.instances.records(ns, cluster.metadata.name).map(({ record }) => [record.name, record.pgPort]));
    const toBackends = (names: string[]): Backend[] =>
      names.filter((n) => ports.has(n)).map((n) => ({ name: n, host: '127.0.0.1', port: ports.get(n) as number }));
    const routes: Routes = {
      listeners: await this.addresses(cluster),
      backends: { rw: toBackends(backends.rw), ro: toBackends(backends.ro), r: toBackends(backends.r) },
    };
    const file = join(dir, 'routes.json');
    const current = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Routes) : undefined;
    if (!isDeepStrictEqual(current, routes)) {
      writeFileSync(`${file}.tmp`, JSON.stringify(routes, null, 2) + '\n', { mode: 0o644 });
      renameSync(`${file}.tmp`, file);
    }
    if (this.proxyPid(cluster) === undefined) this.spawnProxy(dir, file);
  }

  private spawnProxy(dir: string, routesFile: string): void {
    const log = openSync(join(dir, 'proxy.log'), 'a', 0o600);
    const child = spawn(process.execPath, ['--max-old-space-size=64', '--max-semi-space-size=1', PROXY_MAIN, routesFile], { detached: true, stdio: ['ignore', log, log] });
    closeSync(log);
    child.unref();
    writeFileSync(join(dir, 'proxy.json'), JSON.stringify({ pid: child.pid }) + '\n', { mode: 0o600 });
  }

  async remove(cluster: Cluster): Promise<void> {
    const pid = this.proxyPid(cluster);
    if (pid) process.kill(pid, 'SIGTERM');
    rmSync(this.dir(cluster), { recursive: true, force: true });
  }
}
