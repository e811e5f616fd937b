// Glue for one Pooler: observe (its Cluster, the Secrets its PgBouncers need, what the platform
// runs), decide with planPooler, act through the platform's PoolerRuntime.
import { isDeepStrictEqual } from 'node:util';
import type { Pooler } from '../api/index.js';
import type { StoredCluster as Cluster } from '../api/cluster-status.js';
import type { KubeObject } from '../api/meta.js';
import { secretNames } from '../api/names.js';
import type { PemPair } from '../pgbouncer/handout.js';
import { certificateSecrets } from './certificates.js';
import type { ReconcileResult } from './controller.js';
import type { Platform, PoolerRuntime } from './platform.js';
import { poolerHandout, usesBuiltinAuth, type PoolerTls } from './pooler-handout.js';
import { planPooler, type PoolerAction, type PoolerPlanInput, type PoolerSecretsStatus, type PoolerStatus, type SecretVersion } from './pooler-plan.js';
import { decodeData } from './secrets.js';

export type StoredPooler = Pooler & { status?: PoolerStatus };

/** A Secret read for the handout: its values and the version they are. */
interface ReadSecret {
  values: Record<string, string>;
  version: SecretVersion;
}

class MissingSecret extends Error {}

export class PoolerController {
  constructor(private readonly platform: Platform) {}

  private get runtime(): PoolerRuntime | undefined {
    return this.platform.poolers;
  }

  async reconcile(namespace: string, name: string): Promise<ReconcileResult> {
    const { store, events } = this.platform;
    const pooler = (await store.get('Pooler', namespace, name)) as StoredPooler | undefined;
    if (!pooler) return {};
    const runtime = this.runtime;
    if (pooler.metadata.deletionTimestamp) {
      await runtime?.remove(pooler);
      await store.delete('Pooler', namespace, name);
      return {};
    }
    if (!runtime) {
      const status: PoolerStatus = { instances: 0, readyInstances: 0, phase: 'failed', phaseReason: 'this platform does not run Poolers' };
      if (!isDeepStrictEqual(status, pooler.status)) await store.updateStatus('Pooler', namespace, name, status);
      return {};
    }
    const cluster = (await store.get('Cluster', namespace, pooler.spec.cluster.name)) as Cluster | undefined;
    const input: PoolerPlanInput = {
      pooler,
      clusterExists: cluster !== undefined && !cluster.metadata.deletionTimestamp,
      handout: cluster ? await this.handout(pooler, cluster) : { waiting: 'no Cluster' },
      observed: await runtime.observe(pooler),
      address: await runtime.address(pooler),
    };
    const plan = planPooler(input);
    let status = plan.status;
    let failure: Error | undefined;
    try {
      for (const action of plan.actions) await this.act(pooler, runtime, action);
    } catch (e) {
      failure = e as Error;
      status = { ...status, phase: 'failed', phaseReason: failure.message };
      await events.record(pooler, 'Warning', 'ReconcileError', failure.message);
    }
    if (!isDeepStrictEqual(status, pooler.status)) await store.updateStatus('Pooler', namespace, name, status);
    if (failure) throw failure;
    return { requeueAfterMs: plan.requeueAfterMs };
  }

  private async act(pooler: Pooler, runtime: PoolerRuntime, action: PoolerAction): Promise<void> {
    switch (action.kind) {
      case 'apply':
        return runtime.apply(pooler, action.handout);
      case 'recordEvent':
        return this.platform.events.record(pooler, action.type, action.reason, action.message);
      default: {
        const never: never = action;
        throw new Error(`unhandled action ${JSON.stringify(never)}`);
      }
    }
  }

  /** The handout from the Secrets as they are now, or what is still missing. */
  private async handout(pooler: Pooler, cluster: Cluster): Promise<PoolerPlanInput['handout']> {
    const namespace = pooler.metadata.namespace ?? 'default';
    const secretObjects = new Map((await this.platform.store.list('Secret', namespace)).map((s) => [s.metadata.name, s]));
    const read = (name: string, keys: string[], what: string): ReadSecret => {
      const secret = secretObjects.get(name);
      const values = decodeData(secret);
      const missing = keys.filter((k) => !values[k]);
      if (!secret || missing.length > 0) throw new MissingSecret(`waiting for Secret ${name} (${what})${secret ? `: it has no ${missing.join(', ')}` : ''}`);
      return { values, version: versionOf(secret) };
    };
    const pair = (s: ReadSecret): PemPair => ({ cert: s.values['tls.crt'] as string, key: s.values['tls.key'] as string });
    const given = pooler.spec.pgbouncer;
    const ofCluster = certificateSecrets(cluster);
    try {
      const serverCA = read(given.serverCASecret?.name ?? ofCluster.serverCASecret, ['ca.crt'], 'the CA that verifies PostgreSQL');
      const clientTLS = read(given.clientTLSSecret?.name ?? ofCluster.serverTLSSecret, ['tls.crt', 'tls.key'], 'the certificate offered to clients');
      const serverTLSName = given.serverTLSSecret?.name ?? (usesBuiltinAuth(pooler) ? secretNames(cluster.metadata.name).pooler : undefined);
      const serverTLS = serverTLSName ? read(serverTLSName, ['tls.crt', 'tls.key'], 'the client certificate PgBouncer presents to PostgreSQL') : undefined;
      const clientCA = given.clientCASecret ? read(given.clientCASecret.name, ['ca.crt'], 'the CA that verifies clients') : undefined;
      const authQuery = given.authQuerySecret ? read(given.authQuerySecret.name, ['username', 'password'], 'the login of spec.pgbouncer.authQuerySecret') : undefined;
      const tls: PoolerTls = {
        serverCA: serverCA.values['ca.crt'] as string,
        clientServerCertificate: pair(clientTLS),
        ...(serverTLS ? { serverClientCertificate: pair(serverTLS) } : {}),
        ...(clientCA ? { clientCA: clientCA.values['ca.crt'] } : {}),
      };
      const addresses = await this.platform.endpoints.addresses(cluster);
      const handout = poolerHandout({
        pooler,
        target: addresses[pooler.spec.type],
        tls,
        authQueryUser: authQuery ? { name: authQuery.values.username as string, password: authQuery.values.password as string } : undefined,
      });
      const secrets: PoolerSecretsStatus = {
        serverCA: serverCA.version,
        serverTLS: serverTLS?.version,
        clientCA: clientCA?.version,
        clientTLS: clientTLS.version,
        ...(authQuery ? { pgBouncerSecrets: { authQuery: authQuery.version } } : {}),
      };
      return { handout, secrets: withoutUndefined(secrets) };
    } catch (e) {
      if (e instanceof MissingSecret) return { waiting: e.message };
      throw e;
    }
  }
}

function versionOf(secret: KubeObject): SecretVersion {
  return { name: secret.metadata.name, version: secret.metadata.resourceVersion ?? '' };
}

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
