// `certificate NAME --cnpg-cluster X --cnpg-user U`, once for both CLIs: a kubernetes.io/tls
// Secret NAME holding a client certificate for PostgreSQL user U, signed by the Cluster's client
// CA (X-ca, or spec.certificates.clientCASecret), as CloudNativePG's plugin makes it; PostgreSQL
// accepts it where a pg_hba `cert` rule lets U in.
import { validateObject, type Cluster } from '../../api/index.js';
import type { KubeObject } from '../../api/meta.js';
import { hasControlCharacter } from '../../api/control-characters.js';
import { certificateSecrets } from '../../operator/certificates.js';
import { decodeData, encodeData } from '../../operator/secrets.js';
import { issueLeaf } from '../../pki/x509.js';
import { CliError } from '../client.js';
import { formatOutput } from '../format/output.js';

export interface CertificateAccess {
  getCluster(name: string): Promise<KubeObject>;
  getSecret(name: string): Promise<KubeObject | undefined>;
  /** Creates the Secret; one of that name already there is an error. */
  createSecret(secret: KubeObject): Promise<void>;
}

export interface CertificateOptions {
  cnpgCluster: string;
  cnpgUser: string;
  output?: string;
  dryRun?: boolean;
}

/** The user becomes the certificate's CN, which PostgreSQL compares with the role it logs in as. */
function checkUser(user: string): void {
  if (user === '' || hasControlCharacter(user)) throw new CliError(`error: --cnpg-user: ${JSON.stringify(user)} is not a PostgreSQL user name (non-empty, no control characters)`);
  if (Buffer.byteLength(user) > 63) throw new CliError(`error: --cnpg-user: "${user}" is longer than PostgreSQL's 63-byte names`);
}

export async function clientCertificateSecret(cluster: Cluster, authority: KubeObject | undefined, name: string, namespace: string, user: string, now: Date): Promise<KubeObject> {
  const caName = certificateSecrets(cluster).clientCASecret;
  const ca = decodeData(authority);
  if (!ca['ca.crt'] || !ca['ca.key']) throw new CliError(`error: secret ${caName} (the client CA of cluster ${cluster.metadata.name}) must hold ca.crt and ca.key to sign a client certificate`);
  const leaf = await issueLeaf({ authority: { cert: ca['ca.crt'], key: ca['ca.key'] }, commonName: user, names: [], usage: 'client', now });
  const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type: 'kubernetes.io/tls', data: encodeData({ 'tls.crt': leaf.cert, 'tls.key': leaf.key }) } as KubeObject;
  // The same checks the operator makes (the Secret's name above all), so a dry run refuses what a create would.
  validateObject(structuredClone(secret));
  return secret;
}

export async function certificateCommand(access: CertificateAccess, name: string, namespace: string, o: CertificateOptions): Promise<string> {
  checkUser(o.cnpgUser);
  if (o.output !== undefined && o.output !== 'json' && o.output !== 'yaml') throw new CliError(`error: --output: "${o.output}" is not supported (allowed: json, yaml)`);
  const cluster = (await access.getCluster(o.cnpgCluster)) as Cluster;
  const authority = await access.getSecret(certificateSecrets(cluster).clientCASecret);
  const secret = await clientCertificateSecret(cluster, authority, name, namespace, o.cnpgUser, new Date());
  const printed = o.output ? formatOutput(secret, o.output, { now: new Date() }) : '';
  if (o.dryRun) return printed;
  if (await access.getSecret(name)) throw new CliError(`Error from server (AlreadyExists): secrets "${name}" already exists`);
  await access.createSecret(secret);
  return `${printed}secret/${name} created\n`;
}
