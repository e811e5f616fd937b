// Every user-facing validation message is worded here, so the vocabulary stays consistent and a
// message can be found (and changed) in one place. Other modules describe *what* is wrong by
// calling these builders; they never assemble message strings themselves.
import type { z } from 'zod';

export interface ValidationIssue {
  kind: string; // empty when the kind itself is unknown (then `name` says which document)
  name: string;
  path: string;
  message: string;
  allowed?: readonly string[];
}

/** `Kind/name: path: problem (allowed: …)` */
export function formatIssue(issue: ValidationIssue): string {
  const subject = issue.kind ? `${issue.kind}/${issue.name}` : issue.name;
  const problem = issue.allowed?.length ? `${issue.message} (allowed: ${issue.allowed.join(', ')})` : issue.message;
  return [subject, issue.path, problem].filter((part) => part !== '').join(': ');
}

export class ManifestError extends Error {
  override readonly name = 'ManifestError';
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.issues = issues;
  }
}

/** A field-level finding before the resource it belongs to is known. */
export interface Finding {
  path: string;
  message: string;
  allowed?: readonly string[];
}

export function toIssue(kind: string, name: string, finding: Finding): ValidationIssue {
  return { kind, name, ...finding };
}

/** Subject used when a document has no usable metadata.name. */
export function unnamedDocument(document: number, line?: number): string {
  return line === undefined ? `(document ${document})` : `(document ${document}, line ${line})`;
}

// ---------------------------------------------------------------------------------------------
// Value descriptions

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${show(value)}`;
}

// ---------------------------------------------------------------------------------------------
// Did-you-mean

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const budget = Math.max(1, Math.floor(word.length / 3));
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = candidate.toLowerCase() === lower ? 0 : editDistance(lower, candidate.toLowerCase());
    if (distance <= budget && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

// ---------------------------------------------------------------------------------------------
// Message builders

export const msg = {
  required: () => 'required field is missing',
  wrongType(expected: string, got: unknown): string {
    if (expected === 'string' && (typeof got === 'number' || typeof got === 'boolean')) {
      return `must be a string, quote the value (got ${describe(got)})`;
    }
    const wanted: Record<string, string> = {
      int: 'an integer',
      number: 'a number',
      boolean: 'true or false',
      array: 'a list',
      object: 'a mapping',
      record: 'a mapping',
      string: 'a string',
    };
    return `must be ${wanted[expected] ?? expected} (got ${describe(got)})`;
  },
  atLeast: (min: number | bigint, got?: unknown) => withGot(`must be at least ${min}`, got),
  greaterThan: (min: number | bigint, got?: unknown) => withGot(`must be greater than ${min}`, got),
  atMost: (max: number | bigint, got?: unknown) => withGot(`must be at most ${max}`, got),
  lessThan: (max: number | bigint, got?: unknown) => withGot(`must be less than ${max}`, got),
  minItems: (min: number | bigint, got: number) => `must have at least ${min} ${min === 1 ? 'item' : 'items'} (got ${got})`,
  maxItems: (max: number | bigint, got: number) => `must have at most ${max} items (got ${got})`,
  notEmpty: () => 'must not be empty',
  minLength: (min: number | bigint, got: string) => `must be at least ${min} characters (got ${got.length})`,
  maxLength: (max: number | bigint, got: string) => `must be at most ${max} characters (got ${got.length})`,
  oneOf: (values: readonly unknown[], got: unknown) =>
    `must be one of: ${values.map(String).join(', ')} (got ${show(got)})`,
  pattern: (pattern: string, got: unknown) => `must match ${pattern} (got ${show(got)})`,
  multipleOf: (divisor: number) => `must be a multiple of ${divisor}`,
  unknownField(field: string, allowed: readonly string[]): string {
    const suggestion = closestMatch(field, allowed);
    return suggestion ? `unknown field, did you mean "${suggestion}"?` : 'unknown field';
  },
  invalidKey: (key: string, problem: string) => `invalid key ${JSON.stringify(key)}: ${problem}`,

  // quantities and sizes
  invalidQuantity: (value: unknown) => `invalid quantity ${show(value)} (expected e.g. 5Gi, 500M, 1.5)`,
  quantityNotPositive: (value: string) => `must be greater than zero (got ${show(value)})`,
  requestAboveLimit: (resource: string, request: string, limit: string) =>
    `request for ${resource} (${request}) must not exceed its limit (${limit})`,

  // names
  invalidSubdomain: (name: string) =>
    `invalid name ${show(name)}: use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit (RFC 1123 subdomain)`,
  invalidLabel: (name: string) =>
    `invalid name ${show(name)}: use lowercase letters, digits and '-', starting and ending with a letter or digit (RFC 1123 label)`,
  clusterNameTooLong: (name: string) =>
    `must be at most 50 characters (got ${name.length}): names derived from it, such as <name>-<serial> for instances and their volumes, <name>-<serial>-initdb for jobs and <name>-rw for services, must stay valid 63-character names`,
  invalidLabelKey: (key: string) =>
    `invalid label key ${show(key)}: expected an optional DNS prefix and '/', then up to 63 letters, digits, '-', '_' or '.'`,
  invalidLabelValue: (value: string) =>
    `invalid label value ${show(value)}: up to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`,

  // document shape and kinds
  yamlSyntax: (problem: string) => `YAML syntax error: ${problem}`,
  yamlTooDeep: (max: number) => `YAML nested more than ${max} levels deep; no manifest needs that many, so nothing was applied`,
  patchTooDeep: (max: number) => `the patch is nested more than ${max} levels deep; no object needs that many, so nothing was changed`,
  yamlAliasBomb: (max: number) => `YAML aliases expand to more than ${max} copies (an alias bomb); nothing was applied`,
  notAMapping: (got: unknown) => `must be a mapping with apiVersion, kind and metadata (got ${describe(got)})`,
  wrongApiVersion: (kind: string, got: unknown) => `unsupported apiVersion ${show(got)} for kind ${kind}`,
  unknownCnpgKind(kind: string, known: readonly string[]): string {
    const suggestion = closestMatch(kind, known);
    return `unknown kind ${show(kind)} in postgresql.cnpg.io${suggestion ? `, did you mean "${suggestion}"?` : ''}`;
  },
  readOnlyKind: (kind: string) =>
    `${kind} objects are created by the platform for each Cluster (pods <cluster>-<serial>) and cannot be applied`,
  notActedOnLocally: (apiVersion: string, kind: string) => `${apiVersion} ${kind} is stored but not acted on in local mode`,
  notActedOnYet: () => 'accepted, not acted on yet',
  actedOnOnlyOnKubernetes: () => 'accepted; applies to Pods and volumes on Kubernetes, not to local instances',
  namespaceIgnored: (kind: string) => `ignored, ${kind} is cluster-scoped`,
  duplicateObject: (document: number) => `defined again in document ${document}; the later definition wins`,

  // generic cross-field rules
  mutuallyExclusive: (fields: readonly string[]) => `only one of ${fields.join(', ')} may be set`,
  oneRequired: (fields: readonly string[]) => `one of ${fields.join(', ')} must be set`,
  requires: (field: string, requirement: string) => `${field} requires ${requirement}`,
  duplicate: (what: string, value: unknown, firstIndex: number) =>
    `duplicate ${what} ${show(value)} (first used at index ${firstIndex})`,
  notDefinedIn: (value: string, list: string) => `${show(value)} is not defined in ${list}`,

  // Cluster
  imageLatestTag: (image: string) =>
    `image ${show(image)} uses the "latest" tag: the operator cannot tell which PostgreSQL major version it runs; use a versioned tag such as :16.4`,
  imageTagNotVersion: (image: string, tag: string) =>
    `image ${show(image)} has tag ${show(tag)}, which does not start with a PostgreSQL version (e.g. :16.4 or :17.2-system-trixie)`,
  oneBootstrapMethod: (set: readonly string[]) => `only one bootstrap method may be set (got ${set.join(', ')})`,
  storageSizeRequired: () => 'size is required unless pvcTemplate is given',
  initdbLocationOption: (option: string) =>
    `${option} is not allowed: the operator decides where the data and its WAL live (a separate WAL volume is spec.walStorage)`,
  powerOfTwo: (min: number, max: number, got: number) => `must be a power of two between ${min} and ${max} (got ${got})`,
  localeProviderRequired: (provider: string) => `requires localeProvider: ${provider}`,
  recoverySourceMissing: () => 'one of backup, source or volumeSnapshots must be set',
  recoverySourceWithoutStore: (source: string) =>
    `external cluster ${show(source)} has neither barmanObjectStore nor plugin to recover from`,
  recoveryTargets: (set: readonly string[]) =>
    `only one recovery target may be set (got ${set.join(', ')}); targetTLI and backupID may accompany it`,
  targetNeedsBackupID: (field: string) =>
    `${field} needs backupID: which base backup to start from cannot be told from the catalog for this target (take backupID from the Backup's status.backupId)`,
  targetTLI: (got: string) => `must be "latest" or a positive timeline number (got ${show(got)})`,
  targetXID: (got: string) => `must be a transaction id between 1 and 4294967295 (got ${show(got)})`,
  targetLSN: (got: string) => `must be an LSN such as 0/3000060 (got ${show(got)})`,
  targetTime: (got: string) =>
    `must be a timestamp such as "2024-01-15 14:30:00+00" or "2024-01-15T14:30:00Z" (got ${show(got)})`,
  targetName: () => 'must be shorter than 64 bytes and contain no control characters',
  retentionPolicy: (got: unknown) =>
    `must be a positive number followed by d, w or m, e.g. "30d" (got ${show(got)})`,
  destinationPath: (got: string) =>
    `must start with s3://, gs://, https:// (Azure), http:// (Azure emulator) or file:// (got ${show(got)})`,
  credentialsForScheme: (credentials: string, scheme: string) => `${credentials} cannot be used with a ${scheme} destinationPath`,
  encryptionNotS3: (scheme: string) =>
    `server-side encryption (AES256, aws:kms) is an S3 setting; ${scheme} stores encrypt every object themselves: remove it`,
  fileStoreNoTags: () => 'a file:// store keeps no tags: remove it, or use an object store',
  tooManyTags: (count: number) => `at most 10 tags per object are allowed by S3 and Azure (got ${count})`,
  tagKey: (got: string) => `a tag key must be 1 to 128 letters, digits, spaces or + - = . _ : / @ (got ${show(got)})`,
  tagValue: () => 'a tag value must be at most 256 letters, digits, spaces or + - = . _ : / @',
  s3CredentialsIncomplete: () => 'set both accessKeyId and secretAccessKey, or inheritFromIAMRole: true',
  minAboveMaxSync: (min: number, max: number) =>
    `minSyncReplicas (${min}) must not be greater than maxSyncReplicas (${max})`,
  maxSyncNotBelowInstances: (max: number, instances: number) =>
    `maxSyncReplicas (${max}) must be lower than the number of instances (${instances})`,
  syncNumberTooHigh: (number: number, available: number) =>
    `must be lower than the number of instances plus standbyNamesPre and standbyNamesPost (${available}), got ${number}`,
  legacyAndNewSync: () =>
    'cannot be combined with minSyncReplicas/maxSyncReplicas; use only spec.postgresql.synchronous',
  supervisedSingleInstance: () =>
    'supervised requires more than one instance: there is no standby to switch over to',
  reservedRole: (name: string) =>
    `role ${show(name)} is reserved for the operator and cannot be managed (reserved: postgres, streaming_replica, and names starting with cnpg_ or pg_)`,
  serviceSelectorManaged: () => 'the selector is set by the operator from selectorType (rw, ro or r); remove it',
  passwordAndDisabled: () => 'passwordSecret and disablePassword cannot both be set',
  rfc3339Time: () => 'must be an RFC 3339 time with a zone, such as 2030-01-01T00:00:00Z',
  reservedEnvironmentVariable: (name: string) =>
    `environment variable ${show(name)} is set by the operator (reserved: names starting with PG or CNPG_, POD_NAME, POD_IP, NAMESPACE, CLUSTER_NAME); pick another name`,
  isolationCheckShape: () => 'isolationCheck takes enabled (true or false), requestTimeout and connectionTimeout (milliseconds)',
  isolationCheckTimeout: (got: unknown) => `must be a whole number of milliseconds, at least 1 (got ${show(got)})`,
  reservedServiceName: (name: string) => `service name ${show(name)} is reserved for the default services`,
  pluginWalArchivers: () => 'at most one plugin may have isWALArchiver: true',
  pluginArchiverWithBarman: () =>
    'a plugin with isWALArchiver: true cannot be combined with spec.backup.barmanObjectStore',
  serviceAccountExclusive: () => 'serviceAccountName and serviceAccountTemplate cannot both be set',
  minApplyDelayWithToken: () => 'minApplyDelay cannot be combined with promotionToken',
  promotionTokenOnReplica: (self: string) =>
    `a promotionToken promotes a replica cluster: it is only allowed once spec.replica.primary names this cluster (${show(self)}) or enabled is false`,
  promotionTokenInvalid: (why: string) => `not a promotion token: ${why}; use the demoted cluster's status.demotionToken (cnpg status shows it)`,
  importDatabases: () => 'a microservice import takes exactly one database',
  importMonolithOnly: (field: string) => `${field} is only allowed with type: monolith`,
  importMicroserviceOnly: (field: string) => `${field} is only allowed with type: microservice`,
  importOwnedOption: (option: string, tool: string) =>
    `${option} is not allowed: the operator decides where ${tool} connects, as whom, and where the dump is written and read`,
  reservedDatabase: (name: string) => `the database name ${show(name)} is reserved (reserved: postgres, template0, template1)`,
  identifierTooLong: (name: string) => `must be at most 63 bytes, PostgreSQL's limit for a name (got ${Buffer.byteLength(name)} bytes)`,
  ldapBindMethod: () => 'bindAsAuth and bindSearchAuth cannot both be set: choose one bind method',
  ldapSearchExclusive: () => 'searchAttribute and searchFilter cannot both be set (PostgreSQL refuses an ldap rule with both)',
  syncElectionLabels: () => 'must name at least one node label when syncReplicaElectionConstraint is enabled (e.g. topology.kubernetes.io/zone)',
  failureDomainKeys: () => 'podFailureDomainKeys and nodeFailureDomainKeys cannot both be set',
  failoverQuorumNumber: (remote: number) =>
    `must be greater than the ${remote} name(s) in standbyNamesPre and standbyNamesPost when failoverQuorum is true, or no failover could ever be proven safe`,
  failoverQuorumAnnotation: (got: string) => `must be a boolean (true or false) to switch the failover quorum check; got ${show(got)}`,
  failoverQuorumNeedsSync: () => 'is required when the failover quorum check is on (alpha.cnpg.io/failoverQuorum: "true")',
  failureDomainWithElection: () => 'cannot be enabled together with synchronous.podFailureDomainKeys or nodeFailureDomainKeys; use one of them',
  libraryName: (got: string) =>
    `must be a library's file name without its suffix, letters, digits, _ . and - (e.g. pg_stat_statements); got ${show(got)}`,
  extensionPath: (got: string) => `must be a path inside the extension's directory, with no .. segment and no colon (got ${show(got)})`,
  extensionPlaceholder: (unknown: string[]) => `unsupported placeholder(s) ${unknown.join(', ')}: the only one is \${image_root} ($\${…} for a literal \${…})`,
  extensionVolumeName: (volume: string, firstIndex: number) =>
    `gives the volume name ${show(volume)} again (underscores become hyphens), as the extension at index ${firstIndex} does`,
  extensionImageRequired: () => 'image.reference is required: the image (on Kubernetes) or the directory (locally) holding the extension',
  extensionsNeedMajor: (major: number) =>
    `extensions are found through extension_control_path, which PostgreSQL 18 and later have; this Cluster runs PostgreSQL ${major}. Install the extension's package into the server instead (Debian: postgresql-${major}-NAME) and list its library in shared_preload_libraries if it needs one`,
  extensionEnvName: (name: string) => `${show(name)} is set by the operator or by a dedicated field (bin_path, ld_library_path)`,

  // changes to an existing object
  immutable: (what: string) => `${what} cannot be changed once the object exists; delete and re-create it instead`,
  namespaceChange: () => 'metadata.namespace cannot be changed: an object moves namespaces only by being re-created there',
  storageShrink: (from: string, to: string) =>
    `cannot shrink the volume from ${from} to ${to}: PostgreSQL's data would not fit; keep ${from} or a larger size`,
  walStorageRemoved: () => 'walStorage cannot be removed once set: the WAL lives on that volume',
  tablespacesRemoved: () => 'tablespaces cannot be removed once created: their data lives on their own volumes',
  tablespaceRemoved: (name: string) => `tablespace ${show(name)} cannot be removed once created`,
  tablespaceReserved: (name: string) => `tablespace name ${show(name)} is reserved: names beginning with pg_ belong to PostgreSQL`,
  tablespaceIdentifier: (name: string) =>
    `tablespace name ${show(name)} is not a PostgreSQL identifier: letters, digits, _ and $, starting with a letter or _, at most 63 characters`,
  tablespaceVolumeClash: (name: string, volume: string, first: number) =>
    `tablespace name ${show(name)} gives the volume name ${show(volume)}, as the tablespace at index ${first} does; rename one of them`,
  majorDowngrade: (from: number, to: number) =>
    `cannot go from PostgreSQL ${from} to ${to}: the data is PostgreSQL ${from}'s and a data directory cannot be downgraded; keep a PostgreSQL ${from} image or name a newer major, or restore a backup into a new Cluster`,
  majorUpgradeTarget: (from: number, to: number) =>
    `cannot upgrade from PostgreSQL ${from} to ${to} in place: pg_upgrade keeps the databases' locales only from PostgreSQL 16 on (as CloudNativePG, which refuses it too); name PostgreSQL 16 or newer`,
  bootstrapChanged: () =>
    'bootstrap is used only when the cluster is created and cannot change afterwards (its database, owner and source are already in place); delete and re-create the cluster to bootstrap differently',
  slotPrefixChanged: () => 'cannot change the slot prefix while highAvailability is enabled: the operator could no longer find the slots it created',
  imageAndParameters: (names: readonly string[]) =>
    `cannot change the image and PostgreSQL parameters (${names.join(', ')}) at the same time with primaryUpdateMethod: switchover; change one, wait for the rollout, then the other`,
  ownerPasswordTwice: (role: string, initdbSecret: string, roleSecret: string) =>
    `role ${show(role)} is the application owner, whose password already comes from bootstrap.initdb.secret (${show(initdbSecret)}); one role cannot have two passwords: name the same Secret (${show(roleSecret)} here) in both, or drop one`,
  tooManyInstances: (max: number) => `must be at most ${max}: each instance is a PostgreSQL server with its own volume`,
  walSendersForInstances: (instances: number, senders: number) =>
    `${instances} instances need ${instances - 1} WAL senders for streaming plus one for re-cloning or backups, and max_wal_senders is ${senders}; lower instances or raise spec.postgresql.parameters.max_wal_senders`,
  slotsForInstances: (instances: number, slots: number) =>
    `${instances} instances need ${instances - 1} replication slots for high availability, and max_replication_slots is ${slots}; lower instances or raise spec.postgresql.parameters.max_replication_slots`,

  // GUCs
  blockedParameter: (name: string) =>
    `parameter "${name}" cannot be set: the operator relies on its own value (blocked parameter)`,
  fixedParameter: (name: string, field: string | undefined) =>
    field
      ? `parameter "${name}" is managed by the operator; use ${field} instead`
      : `parameter "${name}" is managed by the operator and cannot be set`,
  walLevel: (got: string) =>
    `must be replica or logical (got ${show(got)}): wal_level below replica is not supported because WAL archiving and streaming replicas need it`,
  walSenders: (got: string) =>
    `must be at least 1 (got ${show(got)}): standbys, base backups and new replicas need WAL senders`,
  invalidBoolean: (got: string) => `must be a boolean such as on or off (got ${show(got)})`,
  walLogHints: (got: string) =>
    `must stay on (got ${show(got)}): pg_rewind needs wal_log_hints to bring a former primary back as a standby`,
  invalidParameterName: (name: string) =>
    `${show(name)} is not a parameter name: a name is letters, digits and underscores, or two such words joined by a dot for an extension's parameter`,
  controlCharacter: (got: string) => `must not contain control characters such as newlines or tabs (got ${show(got)})`,
  unknownParameter: (name: string, majors: readonly number[], suggestion: string | undefined) =>
    `unknown parameter "${name}" for PostgreSQL ${[...majors].sort((a, b) => a - b).join(', ')}` +
    (suggestion ? `; did you mean "${suggestion}"?` : '; extension parameters are written prefix.name'),
  internalParameter: (name: string) => `parameter "${name}" is fixed when PostgreSQL is built or initialised and cannot be set`,
  gucNumber: (integer: boolean, units: readonly string[], got: string) =>
    `must be ${integer ? 'an integer' : 'a number'}${units.length ? ` with an optional unit (${units.join(', ')})` : ''} (got ${show(got)})`,
  gucUnit: (units: readonly string[], got: string) => `has an invalid unit (got ${show(got)}); valid units are ${units.join(', ')}`,
  gucNoUnit: (got: string) => `takes a plain number without a unit (got ${show(got)})`,
  gucRange: (low: string, high: string, got: string) => `must be between ${low} and ${high} (got ${show(got)})`,
  hbaLine: (problem: string, got: string) => `${problem} (line ${show(got)})`,
  invalidWalSize: (got: string) => `invalid size ${show(got)} (expected e.g. 1GB, 512MB)`,
  minWalAboveMax: (min: string, max: string) => `min_wal_size (${min}) must be lower than max_wal_size (${max})`,
  maxWalAboveVolume: (max: string, volume: string, field: string) =>
    `max_wal_size (${max}) must be lower than the WAL volume (${field}: ${volume})`,

  // other kinds
  cronFieldCount: (schedule: string, count: number) =>
    `invalid cron schedule ${show(schedule)}: expected 6 fields (seconds minutes hours day-of-month month day-of-week), got ${count}`,
  cronField: (schedule: string, field: string, value: string, range: string) =>
    `invalid cron schedule ${show(schedule)}: ${field} field ${show(value)} is not valid (allowed range ${range})`,
  cronDescriptor: (schedule: string) =>
    `invalid cron schedule ${show(schedule)}: unknown descriptor (known: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, @every <duration>)`,
  cronNormalised: (from: string, to: string) =>
    `5-field cron ${show(from)} normalised to ${show(to)}: CloudNativePG schedules have six fields with seconds first`,
  cronTooFrequent: (schedule: string, seconds: string) =>
    `schedule ${show(schedule)} fires more than once a minute (seconds field ${show(seconds)}): a base backup cannot complete between runs, so Backups would pile up; give the seconds field one value, e.g. "0 */5 * * * *" for every five minutes`,
  cronEveryTooShort: (schedule: string) =>
    `schedule ${show(schedule)} fires more than once a minute: a base backup cannot complete between runs, so Backups would pile up; use @every 1m or longer`,
  cronNeverFires: (schedule: string) =>
    `schedule ${show(schedule)} never fires: no date matches it (a day the month never has, such as February 30?)`,
  cronUnreadable: (schedule: string, reason: string) => `invalid cron schedule ${show(schedule)}: ${reason}`,
  objectTooLarge: (subject: string, bytes: number, limit: number) =>
    `${subject}: the object is ${(bytes / 1048576).toFixed(1)} MiB (${bytes} bytes) serialized; the limit is ${limit} bytes (1.5 MiB), as for any object a Kubernetes API server stores; keep large data out of manifests`,
  backupPluginConfiguration: () => 'method plugin requires pluginConfiguration',
  unknownPlugin: (name: string) => `unknown plugin ${show(name)}: the one plugin this operator runs (in its own instance manager) is the Barman Cloud plugin`,
  pluginParameterRequired: (parameter: string) => `the Barman Cloud plugin needs parameters.${parameter}: the name of an ObjectStore in this namespace`,
  unknownPluginParameter: (parameter: string) => `the Barman Cloud plugin takes no parameter ${show(parameter)}`,
  objectStoreServerName: () => 'serverName is not set on an ObjectStore: give it as the plugin parameter serverName on the Cluster (spec.plugins[].parameters.serverName)',
  sidecarLogLevelArgument: () => 'do not set --log-level in additionalContainerArgs; use spec.instanceSidecarConfiguration.logLevel',
  pluginWithoutWalArchiver: () => 'the Barman Cloud plugin archives WAL and takes base backups together here: set isWALArchiver: true',
  backupOnlineOnlyForSnapshots: (field: string) => `${field} is only used with method: volumeSnapshot`,
  publicationColumnsWithSchema: () =>
    'a table with a column list cannot be published together with tablesInSchema (PostgreSQL refuses it): drop the columns or the tablesInSchema entry',
  poolerSameNameAsCluster: (name: string) => `must differ from the Pooler's own name ${show(name)}`,
  poolerAuthQuery: () => 'authQuery and authQuerySecret must be set together',
  refusedPgBouncerValue: (name: string, value: string, instead: string) => `${name} "${value}" cannot work in a pooler: ${instead}`,
  reservedPgBouncerParameter: (name: string, reason: string) => `parameter "${name}" is managed by the operator and cannot be set: ${reason}`,
  unknownPgBouncerParameter(name: string, allowed: readonly string[]): string {
    const suggestion = closestMatch(name, allowed);
    return `${show(name)} is not a PgBouncer parameter a Pooler may set${suggestion ? `, did you mean "${suggestion}"?` : ''}`;
  },
  poolerNamedLikeCluster: (name: string, namespace: string) =>
    `a Cluster named ${show(name)} exists in namespace ${show(namespace)}; a Pooler's Deployment, Service and ServiceAccount are named after it and would take the Cluster's names, so choose another name`,
  clusterNamedLikePooler: (name: string, namespace: string) =>
    `a Pooler named ${show(name)} exists in namespace ${show(namespace)}; its Deployment, Service and ServiceAccount carry that name, so choose another name for the Cluster`,
  invalidBase64: () => 'invalid base64 value (encode it with base64, or put plain text under stringData)',
  keyInDataAndBinaryData: (key: string) => `key ${show(key)} is also in data; a key may be in only one of data and binaryData`,
  invalidDataKey: (key: string) =>
    `invalid key ${show(key)}: use letters, digits, '-', '_' and '.' only`,
  secretTypeNeedsKeys: (type: string, keys: readonly string[]) => `a ${type} Secret needs the keys ${keys.join(' and ')}`,
  secretTypeNeedsOneKey: (type: string, keys: readonly string[]) => `a ${type} Secret needs one of the keys ${keys.join(', ')}`,
} as const;

function withGot(message: string, got: unknown): string {
  return got === undefined ? message : `${message} (got ${show(got)})`;
}

// ---------------------------------------------------------------------------------------------
// Zod integration: the error map words zod's structured issues, `fromZod` turns them into
// ValidationIssues.

type RawIssue = z.core.$ZodRawIssue;
type ZodIssue = z.core.$ZodIssue;

/** Per-parse zod error map: every message zod produces for a manifest is worded here. */
export function zodErrorMap(issue: RawIssue): string {
  const input = issue.input;
  switch (issue.code) {
    case 'invalid_type': {
      if (input === undefined) return msg.required();
      const inst = issue.inst as { _zod?: { def?: { format?: string } } } | undefined;
      const isInt = inst?._zod?.def?.format?.includes('int') === true;
      return msg.wrongType(isInt ? 'int' : issue.expected, input);
    }
    case 'too_small':
      return tooSmall(issue.origin, issue.minimum, issue.inclusive !== false, input);
    case 'too_big':
      return tooBig(issue.origin, issue.maximum, issue.inclusive !== false, input);
    case 'invalid_value':
      return msg.oneOf(issue.values, input);
    case 'invalid_format':
      return msg.pattern(issue.pattern ?? issue.format, input);
    case 'not_multiple_of':
      return msg.multipleOf(Number(issue.divisor));
    case 'unrecognized_keys': {
      // The allowed field names ride in the message; fromZod splits them back out per key.
      const inst = issue.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined;
      return JSON.stringify(Object.keys(inst?._zod?.def?.shape ?? {}));
    }
    case 'invalid_union':
      return unionMessage(issue.errors, input);
    case 'invalid_key':
      return msg.invalidKey(String(input), issue.issues[0]?.message ?? 'invalid');
    case 'invalid_element':
      return issue.issues[0]?.message ?? 'invalid element';
    case 'custom':
      return issue.message ?? 'invalid value';
  }
}

function tooSmall(origin: string, minimum: number | bigint, inclusive: boolean, input: unknown): string {
  if (origin === 'array') return msg.minItems(minimum, Array.isArray(input) ? input.length : 0);
  if (origin === 'string') {
    return Number(minimum) <= 1 ? msg.notEmpty() : msg.minLength(minimum, String(input));
  }
  return inclusive ? msg.atLeast(minimum, input) : msg.greaterThan(minimum, input);
}

function tooBig(origin: string, maximum: number | bigint, inclusive: boolean, input: unknown): string {
  if (origin === 'array') return msg.maxItems(maximum, Array.isArray(input) ? input.length : 0);
  if (origin === 'string') return msg.maxLength(maximum, String(input));
  return inclusive ? msg.atMost(maximum, input) : msg.lessThan(maximum, input);
}

function unionMessage(branches: readonly (readonly ZodIssue[])[], input: unknown): string {
  if (input === undefined) return msg.required();
  const typeErrors = branches.map((branch) => branch[0]).filter((first) => first?.code === 'invalid_type');
  if (typeErrors.length === branches.length) {
    const expected = typeErrors.map((first) => (first?.code === 'invalid_type' ? first.expected : '')).join(' or ');
    return msg.wrongType(expected, input);
  }
  const informative = branches.find((branch) => branch[0] && branch[0].code !== 'invalid_type');
  return informative?.[0]?.message ?? 'invalid value';
}

/** Renders a zod path as `spec.managed.roles[1].name`; odd map keys are bracketed. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(String(segment))) out += out === '' ? String(segment) : `.${String(segment)}`;
    // A key with control characters or brackets is quoted, so a message stays one line and says
    // exactly which key it is about.
    else if (/[\p{Cc}\]"]/u.test(String(segment))) out += `[${JSON.stringify(String(segment))}]`;
    else out += `[${String(segment)}]`;
  }
  return out;
}

export function fromZod(issues: readonly ZodIssue[]): Finding[] {
  return issues.flatMap((issue): Finding[] => {
    if (issue.code === 'unrecognized_keys') {
      const allowed = JSON.parse(issue.message) as string[];
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key]),
        message: msg.unknownField(key, allowed),
        allowed,
      }));
    }
    const allowed = issue.code === 'custom' ? (issue.params?.allowed as readonly string[] | undefined) : undefined;
    return [{ path: formatPath(issue.path), message: issue.message, ...(allowed ? { allowed } : {}) }];
  });
}

/** Adds a worded issue from inside a zod refinement (`ctx` of superRefine). */
export function report(
  ctx: z.RefinementCtx,
  path: readonly PropertyKey[],
  message: string,
  allowed?: readonly string[],
): void {
  ctx.addIssue({ code: 'custom', path: [...path], message, ...(allowed ? { params: { allowed } } : {}) });
}
