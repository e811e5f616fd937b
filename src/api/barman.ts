// barmanObjectStore: where base backups and WAL go (cluster backups and external clusters).
import { z } from 'zod';
import { msg, report } from './errors.js';
import { nonEmptyString, secretKeySelector, stringMap } from './common.js';
import { barmanArgs } from './barman-store-args.js';

const SCHEMES = ['s3://', 'gs://', 'https://', 'http://', 'file://'] as const;

const s3Credentials = z
  .strictObject({
    accessKeyId: secretKeySelector.optional(),
    secretAccessKey: secretKeySelector.optional(),
    region: secretKeySelector.optional(),
    sessionToken: secretKeySelector.optional(),
    inheritFromIAMRole: z.boolean().optional(),
  })
  .superRefine((credentials, ctx) => {
    const keys = Boolean(credentials.accessKeyId) && Boolean(credentials.secretAccessKey);
    if (keys === Boolean(credentials.inheritFromIAMRole)) report(ctx, [], msg.s3CredentialsIncomplete());
  });

const AZURE_METHODS = ['connectionString', 'storageAccount', 'inheritFromAzureAD', 'useDefaultAzureCredentials'] as const;

const azureCredentials = z
  .strictObject({
    connectionString: secretKeySelector.optional(),
    storageAccount: secretKeySelector.optional(),
    storageKey: secretKeySelector.optional(),
    storageSasToken: secretKeySelector.optional(),
    inheritFromAzureAD: z.boolean().optional(),
    useDefaultAzureCredentials: z.boolean().optional(),
  })
  .superRefine((credentials, ctx) => {
    const set = AZURE_METHODS.filter((method) => Boolean(credentials[method]));
    if (set.length !== 1) report(ctx, [], set.length ? msg.mutuallyExclusive(set) : msg.oneRequired(AZURE_METHODS));
    if (credentials.storageAccount && Boolean(credentials.storageKey) === Boolean(credentials.storageSasToken)) {
      report(ctx, [], msg.requires('storageAccount', 'exactly one of storageKey, storageSasToken'));
    }
  });

const googleCredentials = z.strictObject({
  applicationCredentials: secretKeySelector.optional(),
  gkeEnvironment: z.boolean().optional(),
});

// What S3 and Azure both accept in a tag (10 per object), so a manifest that passes here is one
// every store takes.
const TAG_TEXT = /^[\p{L}\p{N} +\-=._:/@]*$/u;
const objectTags = stringMap.superRefine((tags, ctx) => {
  const entries = Object.entries(tags);
  if (entries.length > 10) report(ctx, [], msg.tooManyTags(entries.length));
  for (const [key, value] of entries) {
    if (key.length === 0 || key.length > 128 || !TAG_TEXT.test(key)) report(ctx, [key], msg.tagKey(key));
    if (value.length > 256 || !TAG_TEXT.test(value)) report(ctx, [key], msg.tagValue());
  }
});

const compression = z.enum(['bzip2', 'gzip', 'lz4', 'snappy', 'xz', 'zstd']);
const encryption = z.enum(['AES256', 'aws:kms']);

const walConfiguration = z.strictObject({
  compression: compression.optional(),
  encryption: encryption.optional(),
  maxParallel: z.int().min(1).optional(),
  archiveAdditionalCommandArgs: z.array(z.string()).optional(),
  restoreAdditionalCommandArgs: z.array(z.string()).optional(),
});

const dataConfiguration = z.strictObject({
  compression: z.enum(['bzip2', 'gzip', 'lz4', 'snappy']).optional(),
  encryption: encryption.optional(),
  immediateCheckpoint: z.boolean().default(false),
  jobs: z.int().min(1).optional(),
  additionalCommandArgs: z.array(z.string()).optional(),
  restoreAdditionalCommandArgs: z.array(z.string()).optional(),
});

// Which credentials make sense for which destination scheme.
const CREDENTIAL_SCHEMES = {
  s3Credentials: ['s3://'],
  azureCredentials: ['https://', 'http://'],
  googleCredentials: ['gs://'],
} as const;

export const barmanObjectStoreSchema = z
  .strictObject({
    destinationPath: nonEmptyString,
    endpointURL: nonEmptyString.optional(),
    endpointCA: secretKeySelector.optional(),
    serverName: nonEmptyString.optional(),
    s3Credentials: s3Credentials.optional(),
    azureCredentials: azureCredentials.optional(),
    googleCredentials: googleCredentials.optional(),
    wal: walConfiguration.optional(),
    data: dataConfiguration.optional(),
    tags: objectTags.optional(),
    historyTags: objectTags.optional(),
  })
  .superRefine((store, ctx) => {
    const scheme = SCHEMES.find((prefix) => store.destinationPath.startsWith(prefix));
    if (!scheme) {
      report(ctx, ['destinationPath'], msg.destinationPath(store.destinationPath));
      return;
    }
    const given = (Object.keys(CREDENTIAL_SCHEMES) as (keyof typeof CREDENTIAL_SCHEMES)[]).filter((key) => store[key]);
    if (given.length > 1) report(ctx, [], msg.mutuallyExclusive(given));
    for (const key of given) {
      if (!(CREDENTIAL_SCHEMES[key] as readonly string[]).includes(scheme)) {
        report(ctx, [key], msg.credentialsForScheme(key, scheme));
      }
    }
    if (scheme !== 's3://') {
      if (store.data?.encryption) report(ctx, ['data', 'encryption'], msg.encryptionNotS3(scheme));
      if (store.wal?.encryption) report(ctx, ['wal', 'encryption'], msg.encryptionNotS3(scheme));
    }
    for (const [path, message] of barmanArgs(store, scheme).problems) report(ctx, path, message);
    if (scheme === 'file://') {
      if (store.tags) report(ctx, ['tags'], msg.fileStoreNoTags());
      if (store.historyTags) report(ctx, ['historyTags'], msg.fileStoreNoTags());
    }
  });

export type BarmanObjectStore = z.infer<typeof barmanObjectStoreSchema>;
