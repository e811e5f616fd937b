// Validating and defaulting admission for the CloudNativePG kinds, with exactly the validation
// the CLI applies (src/api): the API server refuses an invalid object with the same field path
// and message, and stores the defaulted form.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkUpdate, ManifestError, nameClashIssue, nameRivalKind, validateObject, type Cluster, type KubeObject } from '../../api/index.js';
import { pinImage } from '../../api/defaults.js';
import { queriesReferences } from '../../operator/monitoring.js';
import { clusterQueriesIssues } from '../../operator/monitoring-admission.js';
import type { WebhookMetrics } from './metrics.js';

interface AdmissionRequest {
  uid: string;
  kind: { group: string; version: string; kind: string };
  /** Where the object is written; a created object's own metadata may not say. */
  namespace?: string;
  operation: string;
  object?: Record<string, unknown>;
  oldObject?: Record<string, unknown>;
}

export interface AdmissionReview {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  request?: AdmissionRequest;
  response?: {
    uid: string;
    allowed: boolean;
    status?: { code: number; message: string; reason?: string };
    warnings?: string[];
    patchType?: 'JSONPatch';
    patch?: string;
  };
}

/** Server-set metadata is not the user's input: validation sees the object as applied. */
function userView(obj: Record<string, unknown>): Record<string, unknown> {
  const metadata = { ...(obj.metadata as Record<string, unknown>) };
  for (const k of ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'finalizers', 'ownerReferences', 'generateName', 'selfLink']) {
    delete metadata[k];
  }
  const { status: _status, ...rest } = obj;
  return { ...rest, metadata };
}

/**
 * The stored object, defaulted as a new one would be, with its status (which tells whether the
 * cluster has been bootstrapped). One that no longer validates is not compared: refusing every
 * update of it would leave no way to fix it.
 */
function previous(oldObject: Record<string, unknown>): KubeObject | undefined {
  try {
    return { ...validateObject(userView(oldObject), 'kubernetes').resource, status: oldObject.status };
  } catch {
    return undefined;
  }
}

/**
 * The image an updated Cluster that names none keeps: the one it had, so that neither a replace
 * without the field nor an operator with another default changes what it runs.
 */
function keptImage(oldObject: Record<string, unknown> | undefined, defaultImage: string): string {
  const old = oldObject as { spec?: { imageName?: string }; status?: { image?: string } } | undefined;
  return old?.spec?.imageName ?? old?.status?.image ?? defaultImage;
}

/**
 * The decision for one request; `mutate` answers with a patch that sets the defaulted spec, a
 * Cluster's image pinned (`defaultImage`, the operator's) as the local admission pins it.
 */
export function review(input: AdmissionReview, mutate: boolean, defaultImage?: string): AdmissionReview {
  const request = input.request;
  if (!request) return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: '', allowed: false, status: { code: 400, message: 'no request in the AdmissionReview' } } };
  const respond = (response: Omit<NonNullable<AdmissionReview['response']>, 'uid'>): AdmissionReview => ({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid: request.uid, ...response },
  });
  if (request.operation === 'DELETE' || !request.object) return respond({ allowed: true });
  try {
    const { resource, warnings } = validateObject(userView(request.object), 'kubernetes');
    if (request.operation === 'UPDATE' && request.oldObject) {
      const old = previous(request.oldObject);
      if (old) checkUpdate(old, resource);
    }
    if (!mutate) return respond({ allowed: true, warnings });
    let spec = (resource as { spec?: unknown }).spec ?? {};
    if (resource.kind === 'Cluster' && defaultImage) spec = pinImage(spec as Cluster['spec'], () => keptImage(request.oldObject, defaultImage));
    const patch = [{ op: 'replace', path: '/spec', value: spec }];
    return respond({ allowed: true, warnings, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') });
  } catch (e) {
    const message = e instanceof ManifestError ? e.message : `invalid object: ${(e as Error).message}`;
    return respond({ allowed: false, status: { code: 422, reason: 'Invalid', message } });
  }
}

/** Whether the API server stores an object of this kind and name. */
export type StoredLookup = (kind: string, namespace: string, name: string) => Promise<boolean>;
/** The stored object of this kind and name, if any. */
export type StoredRead = (kind: string, namespace: string, name: string) => Promise<KubeObject | undefined>;

/**
 * `review`, and what needs the stored objects, checked by the validating webhook only, which sees
 * the object as it will be stored: for a Pooler or Cluster being created the name rule between the
 * two kinds (nameRivalKind), and for a Cluster the custom-query documents it names (`read`).
 */
export async function reviewWithStore(input: AdmissionReview, mutate: boolean, defaultImage: string | undefined, stored?: StoredLookup, read?: StoredRead): Promise<AdmissionReview> {
  const answer = review(input, mutate, defaultImage);
  const request = input.request;
  const metadata = request?.object?.metadata as { name?: string; namespace?: string } | undefined;
  if (mutate || !request || !answer.response?.allowed || !metadata?.name) return answer;
  const namespace = request.namespace ?? metadata.namespace ?? 'default';
  const deny = (message: string, code: number): AdmissionReview => ({ ...answer, response: { uid: request.uid, allowed: false, status: { code, reason: 'Invalid', message } } });
  const rival = nameRivalKind(request.kind.kind);
  if (stored && rival && request.operation === 'CREATE') {
    try {
      if (await stored(rival, namespace, metadata.name)) {
        const resource = { apiVersion: '', kind: request.kind.kind, metadata: { name: metadata.name, namespace } };
        return deny(new ManifestError([nameClashIssue(resource)]).message, 422);
      }
    } catch (e) {
      return deny(`${request.kind.kind}/${metadata.name}: could not check that no ${rival} is named ${metadata.name}: ${(e as Error).message}`, 500);
    }
  }
  if (read && request.kind.kind === 'Cluster' && request.object) {
    const cluster = { ...request.object, metadata: { ...metadata, namespace } } as unknown as Cluster;
    try {
      const documents = new Map<string, KubeObject | undefined>();
      for (const ref of queriesReferences(cluster)) documents.set(`${ref.kind}/${ref.name}`, await read(ref.kind, namespace, ref.name));
      const issues = clusterQueriesIssues(cluster, (kind, name) => documents.get(`${kind}/${name}`));
      if (issues.length > 0) return deny(new ManifestError(issues).message, 422);
    } catch (e) {
      return deny(`Cluster/${metadata.name}: spec.monitoring: could not read the custom queries it names: ${(e as Error).message}`, 500);
    }
  }
  return answer;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text;
}

export function startWebhookServer(
  port: number,
  tls: { cert: string; key: string },
  host = '0.0.0.0',
  defaultImage?: string,
  stored?: StoredLookup,
  extras: { read?: StoredRead; metrics?: WebhookMetrics } = {},
): Promise<Server> {
  const server = createServer({ cert: tls.cert, key: tls.key }, (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const path = req.url?.split('?')[0] ?? '';
      const mutate = path.startsWith('/mutate-');
      if (req.method !== 'POST' || !(mutate || path.startsWith('/validate-'))) {
        res.writeHead(404).end();
        return;
      }
      const done = extras.metrics?.started(path);
      let answer: AdmissionReview;
      try {
        answer = await reviewWithStore(JSON.parse(await readBody(req)) as AdmissionReview, mutate, defaultImage, stored, extras.read);
      } catch (e) {
        answer = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: '', allowed: false, status: { code: 400, message: (e as Error).message } } };
      }
      const text = JSON.stringify(answer);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
      done?.(200);
    })();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
