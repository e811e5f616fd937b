// What `status NAME -v -v` adds, as CloudNativePG's plugin: the primary's PostgreSQL
// configuration and HBA rules as its files hold them, and the Cluster's certificates.
import type { CertificatesStatus } from '../../api/cluster-status.js';
import { parseTimestamp } from './age.js';
import { tabwrite } from './tabwriter.js';

const DAY_MS = 86_400_000;

/** The primary's files, or why they could not be read (the plugin lists such errors and goes on). */
export interface PrimaryConfiguration {
  postgresqlConf?: string;
  pgHbaConf?: string;
  errors: string[];
}

function certificates(status: CertificatesStatus | undefined, now: Date): string {
  const rows = Object.entries(status?.expirations ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, expires]) => {
      const at = parseTimestamp(expires);
      return [name, expires, at === undefined ? '-' : `${Math.floor((at - now.getTime()) / DAY_MS)}`];
    });
  if (rows.length === 0) return 'Certificates Status\nNone\n';
  const lines = [['Certificate Name', 'Expiration Date', 'Days Left Until Expiration'], ['----------------', '---------------', '--------------------------'], ...rows];
  return `Certificates Status\n${tabwrite(`${lines.map((r) => r.join('\t')).join('\n')}\n`, { minWidth: 0, padding: 2 })}`;
}

export function renderVerboseSections(conf: PrimaryConfiguration, certs: CertificatesStatus | undefined, now: Date): string {
  const file = (text: string | undefined) => (text === undefined ? '(not available)\n' : text.endsWith('\n') ? text : `${text}\n`);
  const errors = conf.errors.length > 0 ? `Error(s) extracting status\n${conf.errors.map((e) => `${e}\n`).join('')}\n` : '';
  return `PostgreSQL Configuration\n${file(conf.postgresqlConf)}\nPostgreSQL HBA Rules\n${file(conf.pgHbaConf)}\n${certificates(certs, now)}\n${errors}`;
}
