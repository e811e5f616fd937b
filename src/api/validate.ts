// Validation of one decoded document: pick the schema for its kind, apply defaults, collect
// issues and warnings. Nothing here throws; callers decide how to surface problems.
import type { z } from 'zod';
import type { KubeObject } from './meta.js';
import { CNPG_API_VERSION, DEFAULT_NAMESPACE } from './meta.js';
import {
  formatIssue,
  fromZod,
  msg,
  toIssue,
  unnamedDocument,
  zodErrorMap,
  type Finding,
  type ValidationIssue,
} from './errors.js';
import { KINDS, OTHER_CNPG_KINDS, isKnownKind, type KnownKind } from './kinds.js';
import { annotationsNotActedOn, notActedOn, type Platform } from './support.js';
import { hibernationFindings } from './hibernation.js';
import { subdomainName } from './meta-schema.js';
import { clusterSchema } from './cluster.js';
import { backupSchema } from './backup.js';
import { scheduledBackupNotes, scheduledBackupSchema } from './scheduled-backup.js';
import { poolerSchema } from './pooler.js';
import { publicationSchema } from './publication.js';
import { subscriptionSchema } from './subscription.js';
import { databaseSchema } from './database.js';
import { clusterImageCatalogSchema, imageCatalogSchema } from './image-catalog.js';
import { secretSchema } from './secret.js';
import { configMapSchema } from './config-map.js';
import { namespaceSchema } from './namespace.js';
import { objectStoreSchema } from './object-store.js';
import { barmanArgNotes } from './barman-store-args.js';

type Input = Record<string, unknown>;

interface Definition {
  schema: z.ZodType;
  /** Extra warnings about how the manifest was read. */
  notes?: (input: Input) => Finding[];
}

const DEFINITIONS: Record<Exclude<KnownKind, 'Pod' | 'Service'>, Definition> = {
  Cluster: { schema: clusterSchema, notes: barmanArgNotes },
  Backup: { schema: backupSchema },
  ScheduledBackup: { schema: scheduledBackupSchema, notes: scheduledBackupNotes },
  Pooler: { schema: poolerSchema },
  Publication: { schema: publicationSchema },
  Subscription: { schema: subscriptionSchema },
  Database: { schema: databaseSchema },
  ImageCatalog: { schema: imageCatalogSchema },
  ClusterImageCatalog: { schema: clusterImageCatalogSchema },
  Secret: { schema: secretSchema },
  ConfigMap: { schema: configMapSchema },
  Namespace: { schema: namespaceSchema },
  ObjectStore: { schema: objectStoreSchema, notes: barmanArgNotes },
};

export interface Outcome {
  resource?: KubeObject;
  warnings: string[];
  issues: ValidationIssue[];
}

/** Where a document came from, to name it when it has no usable metadata.name. */
export interface Origin {
  document: number;
  line?: number;
  /** Where the object will run; some fields only mean something on Kubernetes. Local by default. */
  platform?: Platform;
  /**
   * What the person wrote when it is not the whole object (a patch): warnings name the fields
   * written, not those a stored object carries from defaults. The whole input by default.
   */
  written?: unknown;
}

const CNPG_GROUP = CNPG_API_VERSION.split('/')[0] ?? '';

export function validateDocument(value: unknown, origin: Origin): Outcome {
  const fallbackName = unnamedDocument(origin.document, origin.line);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return failed('', fallbackName, [{ path: '', message: msg.notAMapping(value) }]);
  }
  const input = withoutStatus(value as Input);
  const kind = typeof input['kind'] === 'string' ? input['kind'] : '';
  const metadata = input['metadata'];
  const rawName = typeof metadata === 'object' && metadata !== null ? (metadata as Input)['name'] : undefined;
  const name = typeof rawName === 'string' && rawName !== '' ? rawName : fallbackName;

  if (kind === '') {
    const message = input['kind'] === undefined ? msg.required() : msg.wrongType('string', input['kind']);
    // Without a kind the name alone is ambiguous, so say which document it is as well.
    const subject = name === fallbackName ? name : `${name} ${fallbackName}`;
    return failed('', subject, [{ path: 'kind', message }]);
  }
  if (!isKnownKind(kind)) return validateOtherKind(input, kind, name);

  const info = KINDS[kind];
  // A user's own Service (a NodePort in front of the primary, say) is kept; the Cluster's are views.
  if (kind === 'Service') return inDefaultNamespace(validateOtherKind(input, kind, name));
  if (info.readOnly) return failed(kind, name, [{ path: 'kind', message: msg.readOnlyKind(kind) }]);
  if (input['apiVersion'] !== info.apiVersion) {
    const message = input['apiVersion'] === undefined ? msg.required() : msg.wrongApiVersion(kind, input['apiVersion']);
    return failed(kind, name, [{ path: 'apiVersion', message, allowed: [info.apiVersion] }]);
  }

  const warnings: Finding[] = [];
  const scoped = info.namespaced ? input : withoutNamespace(input, kind, warnings);
  const definition = DEFINITIONS[kind as keyof typeof DEFINITIONS];
  const parsed = definition.schema.safeParse(scoped, { reportInput: true, error: zodErrorMap });
  if (!parsed.success) return failed(kind, name, fromZod(parsed.error.issues));
  const refused = hibernationFindings(kind, scoped);
  if (refused.length > 0) return failed(kind, name, refused);
  const written = origin.written === undefined ? scoped : (origin.written as Input);
  warnings.push(...(definition.notes?.(written) ?? []), ...annotationsNotActedOn(kind, written), ...notActedOn(kind, written, origin.platform));
  return { resource: parsed.data as KubeObject, warnings: render(kind, name, warnings), issues: [] };
}

/** Kinds outside KINDS: kept as they are so other tools can read them back. */
function validateOtherKind(input: Input, kind: string, name: string): Outcome {
  const apiVersion = input['apiVersion'];
  const findings: Finding[] = [];
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    findings.push({ path: 'apiVersion', message: apiVersion === undefined ? msg.required() : msg.wrongType('string', apiVersion) });
  } else if (apiVersion.split('/')[0] === CNPG_GROUP && !OTHER_CNPG_KINDS.includes(kind)) {
    const cnpgKinds = [...Object.values(KINDS).filter((info) => info.apiVersion === CNPG_API_VERSION).map((info) => info.kind), ...OTHER_CNPG_KINDS];
    findings.push({ path: 'kind', message: msg.unknownCnpgKind(kind, cnpgKinds), allowed: cnpgKinds });
  }
  const metadata = input['metadata'];
  const rawName = typeof metadata === 'object' && metadata !== null ? (metadata as Input)['name'] : undefined;
  if (typeof rawName !== 'string' || rawName === '') {
    findings.push({ path: 'metadata.name', message: rawName === undefined || rawName === '' ? msg.required() : msg.wrongType('string', rawName) });
  } else {
    const problem = subdomainName(rawName);
    if (problem) findings.push({ path: 'metadata.name', message: problem });
  }
  if (findings.length > 0) return failed(kind, name, findings);
  const warning = { path: '', message: msg.notActedOnLocally(String(apiVersion), kind) };
  return { resource: input as unknown as KubeObject, warnings: render(kind, name, [warning]), issues: [] };
}

function inDefaultNamespace(outcome: Outcome): Outcome {
  const metadata = outcome.resource?.metadata;
  if (metadata && !metadata.namespace) metadata.namespace = DEFAULT_NAMESPACE;
  return outcome;
}

// Status is written by controllers, never by the user: it is dropped on apply.
function withoutStatus(input: Input): Input {
  const { status: _status, ...rest } = input;
  return rest;
}

function withoutNamespace(input: Input, kind: string, warnings: Finding[]): Input {
  const metadata = input['metadata'];
  if (typeof metadata !== 'object' || metadata === null || !('namespace' in metadata)) return input;
  const { namespace: _namespace, ...rest } = metadata as Input;
  warnings.push({ path: 'metadata.namespace', message: msg.namespaceIgnored(kind) });
  return { ...input, metadata: rest };
}

function failed(kind: string, name: string, findings: readonly Finding[]): Outcome {
  return { warnings: [], issues: findings.map((finding) => toIssue(kind, name, finding)) };
}

function render(kind: string, name: string, findings: readonly Finding[]): string[] {
  return findings.map((finding) => formatIssue(toIssue(kind, name, finding)));
}
