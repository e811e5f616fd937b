// The claims of an instance as CloudNativePG names and labels them, on both platforms (locally
// they are folders shown as claims): `<pod>`, `<pod>-wal`, `<pod>-tbs-<name>`.
import { tablespacePvcName, tablespaceVolumeName } from './tablespaces.js';

export type PvcRole = 'PG_DATA' | 'PG_WAL' | 'PG_TABLESPACE';

export const TABLESPACE_NAME_LABEL = 'cnpg.io/tablespaceName';

export function pvcName(instance: string, role: PvcRole, tablespace?: string): string {
  if (role === 'PG_DATA') return instance;
  if (role === 'PG_WAL') return `${instance}-wal`;
  if (tablespace === undefined) throw new Error('a tablespace claim needs the tablespace name');
  return tablespacePvcName(instance, tablespace);
}

/** A name with a $ is no label value; its volume suffix stands in for it then. */
export function tablespaceLabel(tablespace: string | undefined): Record<string, string> {
  if (tablespace === undefined) return {};
  return { [TABLESPACE_NAME_LABEL]: /^[A-Za-z0-9_]+$/.test(tablespace) ? tablespace : tablespaceVolumeName(tablespace).slice('tbs-'.length) };
}
