// Pure builders for the Secrets the operator owns, with CloudNativePG's keys.
import { secretValues, type Secret } from '../api/index.js';
import type { KubeObject } from '../api/meta.js';
import type { LocalEndpoint } from '../api/cluster-status.js';
import { LABELS } from '../api/names.js';

export function encodeData(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]));
}

export function decodeData(secret: KubeObject | undefined): Record<string, string> {
  return secret ? secretValues(secret as Secret) : {};
}

export interface CredentialSecretInput {
  cluster: string;
  namespace: string;
  name: string;
  userType: 'app' | 'superuser' | 'replication';
  username: string;
  password: string;
  dbname: string;
  rw: LocalEndpoint;
}

function pgpassEscape(s: string): string {
  return s.replaceAll('\\', '\\\\').replaceAll(':', '\\:');
}

export function credentialSecret(i: CredentialSecretInput): KubeObject {
  const user = encodeURIComponent(i.username);
  const pass = encodeURIComponent(i.password);
  const hostPort = `${i.rw.host}:${i.rw.port}`;
  const db = i.dbname === '*' ? '' : i.dbname;
  const values: Record<string, string> = { username: i.username, user: i.username, password: i.password };
  if (i.userType !== 'replication') {
    Object.assign(values, {
      dbname: i.dbname,
      host: i.rw.host,
      port: String(i.rw.port),
      pgpass: `${i.rw.host}:${i.rw.port}:${i.dbname}:${pgpassEscape(i.username)}:${pgpassEscape(i.password)}\n`,
      uri: `postgresql://${user}:${pass}@${hostPort}/${encodeURIComponent(db)}`,
      'jdbc-uri': `jdbc:postgresql://${hostPort}/${encodeURIComponent(db)}?password=${pass}&user=${user}`,
    });
  }
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: i.name,
      namespace: i.namespace,
      labels: { [LABELS.cluster]: i.cluster, [LABELS.userType]: i.userType, [LABELS.reload]: 'true' },
    },
    type: 'kubernetes.io/basic-auth',
    data: encodeData(values),
  };
}

/** A Secret holding a CA (Opaque: ca.crt, ca.key) or a certificate and key (kubernetes.io/tls). */
export function certificateSecret(cluster: string, namespace: string, name: string, type: 'Opaque' | 'kubernetes.io/tls', values: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: { [LABELS.cluster]: cluster, [LABELS.reload]: 'true' } },
    type,
    data: encodeData(values),
  };
}
