// Public API of the object store: barman-cloud compatible backup storage.
export { ObjectStoreError, isNotFound, type ObjectStoreErrorKind } from './errors.js';
export type { AzureCredentials, BlobStore, BlobEntry, GoogleCredentials, ObjectPolicy, PutOptions, StoreTarget } from './blob-store.js';
export { openBlobStore } from './open-store.js';
export {
  COMPRESSIONS,
  compressStream,
  compressionExtension,
  decompressStream,
  isStreamingCompression,
  parseCompression,
  type Compression,
} from './compression.js';
export { isWalFileName, parseWalFileName, walKey, type WalFileKind, type WalFileName } from './wal-names.js';
export { archiveHasWals, archiveWal, listWals, restoreWal, type ArchivedWal } from './wal.js';
export { isBackupId, newBackupId, parseBackupInfo, renderBackupInfo, type BackupInfo, type BackupStatus, type Tablespace } from './backup-info.js';
export { backupInfoKey, dataTarKey } from './backup-files.js';
export { deleteBackup, listBackups, readBackupInfo, readCatalog, writeBackupInfo, type Catalog } from './catalog.js';
export { openBaseBackupTar, uploadBaseBackupTar } from './base-backup.js';
export { extractBaseBackup, type TablespaceTarget } from './extract.js';
export { TarArchiveUpload, type ArchiveTotals, type TarArchiveOptions, type TarEntry } from './tar-archive.js';
export { chooseBaseBackup, type BackupChoice, type RecoveryTargetSpec } from './choose-backup.js';
export { parseTargetTime } from './target-time.js';
export { parseRetentionPolicy, planRetention, pointOfRecoverability, type RetentionPlan, type RetentionPolicy } from './retention.js';
export { enforceRetention } from './enforce-retention.js';
