// What a CREATE/ALTER ROLE statement carries as a role's password. By default a SCRAM-SHA-256
// verifier computed here, so the statement never holds the cleartext; a value PostgreSQL already
// reads as a hash (md5 or SCRAM) is sent as it is, as the server would store it anyway. With the
// Secret's passthrough annotation the value goes as given and the server applies password_encryption.
import { scramSha256Verifier } from './scram.js';

const MD5_HASH = /^md5[0-9a-f]{32}$/;
const SCRAM_SECRET = /^SCRAM-SHA-256\$(\d+):([^$:]+)\$([^$:]+):([^$:]+)$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const keyOf32Bytes = (b64: string) => BASE64.test(b64) && Buffer.from(b64, 'base64').length === 32;

/** PostgreSQL's own test (get_password_type): an md5 hash, or a SCRAM-SHA-256 secret it can parse. */
export function isEncryptedPassword(value: string): boolean {
  if (MD5_HASH.test(value)) return true;
  const m = SCRAM_SECRET.exec(value);
  return m !== null && BASE64.test(m[2]!) && keyOf32Bytes(m[3]!) && keyOf32Bytes(m[4]!);
}

/** The value to put in the PASSWORD clause; `passthrough` is the Secret's cnpg.io/passwordPassthrough. */
export function passwordToSend(password: string, passthrough: boolean): string {
  return passthrough || isEncryptedPassword(password) ? password : scramSha256Verifier(password);
}
