// The rw/ro/r endpoints of each cluster: stable ports kept in the cluster's folder, served by one
// detached proxy process per cluster that survives daemon restarts and, where the daemon may, by
// kernel forwarding in front of it (kernel-forwarding.ts): the proxy then only holds the clients
// that arrive while an endpoint has no backend. Every reconcile routes, so the files are read and
// written off the event loop.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import type { Cluster } from '../../api/index.js';
import { isAlive } from '../../instance/postmaster.js';
import { writeFileAtomically } from '../../objectstore/atomic-file.js';
import type { LocalEndpoint } from '../../api/cluster-status.js';
import type { EndpointAddresses, EndpointRole, EndpointRuntime } from '../../operator/platform.js';
import { wantedServices, type WantedService } from '../../operator/services.js';
import type { LocalInstances } from './instances.js';
import { describeForwarding, type ForwardingChoice } from './kernel-forwarding.js';
import { freeEndpointPort } from './ports.js';
import type { Backend, Routes } from './proxy.js';

const PROXY_MAIN = fileURLToPath(new URL('./proxy-main.js', import.meta.url));
const ROLES: EndpointRole[] = ['rw', 'ro', 'r'];

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export class LocalEndpoints implements EndpointRuntime {
  constructor(
    private readonly instances: LocalInstances,
    private readonly forwarding: ForwardingChoice,
  ) {}

  /** Which path serves the endpoints, for the log and `cnpg status`. */
  get path(): string {
    return describeForwarding(this.forwarding);
  }

  private dir(cluster: Cluster): string {
    return this.instances.clusterDir(cluster.metadata.namespace ?? 'default', cluster.metadata.name);
  }

  async addresses(cluster: Cluster): Promise<EndpointAddresses> {
    const file = join(this.dir(cluster), 'endpoints.json');
    const known = await readJson<EndpointAddresses>(file);
    if (known) return known;
    await mkdir(this.dir(cluster), { recursive: true, mode: 0o711 });
    const addresses = {} as EndpointAddresses;
    for (const role of ROLES) addresses[role] = { host: '127.0.0.1', port: await freeEndpointPort() };
    await writeFileAtomically(file, JSON.stringify(addresses, null, 2) + '\n', { mode: 0o644 });
    return addresses;
  }

  async proxyPid(cluster: Cluster): Promise<number | undefined> {
    const pid = (await readJson<{ pid: number }>(join(this.dir(cluster), 'proxy.json')))?.pid;
    if (pid === undefined || !isAlive(pid)) return undefined;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    return cmdline.includes(PROXY_MAIN) ? pid : undefined;
  }

  /**
   * The additional services' endpoints (spec.managed.services.additional), by service name: a port
   * allocated once per name and kept while the Cluster names it.
   */
  private async serviceAddresses(cluster: Cluster, wanted: WantedService[]): Promise<Record<string, LocalEndpoint>> {
    const file = join(this.dir(cluster), 'services.json');
    const known = (await readJson<Record<string, LocalEndpoint>>(file)) ?? {};
    const names = wanted.flatMap((w) => (w.additional ? [w.name] : []));
    const kept: Record<string, LocalEndpoint> = {};
    for (const name of names) kept[name] = known[name] ?? { host: '127.0.0.1', port: await freeEndpointPort() };
    if (!isDeepStrictEqual(kept, known)) await writeFileAtomically(file, JSON.stringify(kept, null, 2) + '\n', { mode: 0o644 });
    return kept;
  }

  /** What serviceAddresses last kept, read without allocating (for `cnpg get svc`). */
  additionalAddressesSync(cluster: Cluster): Record<string, LocalEndpoint> {
    try {
      return JSON.parse(readFileSync(join(this.dir(cluster), 'services.json'), 'utf8')) as Record<string, LocalEndpoint>;
    } catch {
      return {};
    }
  }

  async route(cluster: Cluster, backends: Record<EndpointRole, string[]>): Promise<void> {
    const dir = this.dir(cluster);
    const ns = cluster.metadata.namespace ?? 'default';
    const ports = new Map(this.instances.records(ns, cluster.metadata.name).map(({ record }) => [record.name, record.pgPort]));
    const toBackends = (names: string[]): Backend[] =>
      names.filter((n) => ports.has(n)).map((n) => ({ name: n, host: '127.0.0.1', port: ports.get(n) as number }));
    // Listeners as operator/services.ts decides: a disabled default has none, an additional one its own port.
    const wanted = wantedServices(cluster);
    const defaults = await this.addresses(cluster);
    const additional = await this.serviceAddresses(cluster, wanted);
    const routes: Routes = { listeners: {}, backends: {} };
    for (const service of wanted) {
      const key = service.additional ? `service/${service.name}` : service.selectorType;
      routes.listeners[key] = service.additional ? (additional[service.name] as LocalEndpoint) : defaults[service.selectorType];
      routes.backends[key] = toBackends(backends[service.selectorType]);
    }
    const file = join(dir, 'routes.json');
    const before = await readJson<Routes>(file);
    // Not fsynced: a failover waits for this file, and a lost write is redone by the next reconcile.
    if (!isDeepStrictEqual(before, routes)) await writeFileAtomically(file, JSON.stringify(routes, null, 2) + '\n', { mode: 0o644, durable: false });
    if (this.forwarding.kind === 'nftables') await this.forwarding.forwarding.route(ns, cluster.metadata.name, before, routes);
    if ((await this.proxyPid(cluster)) === undefined) await this.spawnProxy(dir, file);
  }

  private async spawnProxy(dir: string, routesFile: string): Promise<void> {
    const log = openSync(join(dir, 'proxy.log'), 'a', 0o600);
    const child = spawn(process.execPath, ['--max-old-space-size=64', '--max-semi-space-size=1', PROXY_MAIN, routesFile], { detached: true, stdio: ['ignore', log, log] });
    closeSync(log);
    child.unref();
    await writeFile(join(dir, 'proxy.json'), JSON.stringify({ pid: child.pid }) + '\n', { mode: 0o600 });
  }

  async remove(cluster: Cluster): Promise<void> {
    if (this.forwarding.kind === 'nftables') {
      const known = await readJson<EndpointAddresses>(join(this.dir(cluster), 'endpoints.json'));
      const extra = Object.values(this.additionalAddressesSync(cluster)).map((e) => e.port);
      await this.forwarding.forwarding.removeCluster(cluster.metadata.namespace ?? 'default', cluster.metadata.name, [...(known ? ROLES.map((r) => known[r].port) : []), ...extra]);
    }
    const pid = await this.proxyPid(cluster);
    if (pid) process.kill(pid, 'SIGTERM');
    await rm(this.dir(cluster), { recursive: true, force: true });
  }

  /** The daemon stops: the kernel's rules go, and the proxies (which outlive it) take new clients. */
  async close(): Promise<void> {
    if (this.forwarding.kind === 'nftables') await this.forwarding.forwarding.close();
  }
}
