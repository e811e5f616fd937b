// ScheduledBackup schedules use CloudNativePG's cron dialect: six fields with seconds first
// (`0 0 2 * * *`), or a descriptor such as `@daily`. Many tutorials write the five-field
// Kubernetes CronJob form instead; that is accepted by reading it with seconds = 0, and the
// caller warns about it. A schedule must fire, and at most once a minute: runs closer than a base
// backup can complete would only pile Backups up (Kubernetes CronJobs stop at a minute too).
import { cronOf, everyIntervalMs } from './cron-time.js';
import { msg } from './errors.js';

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[]; // symbolic values, in order from `min`
  question?: boolean; // `?` allowed (day-of-month, day-of-week)
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const FIELDS: readonly FieldSpec[] = [
  { name: 'seconds', min: 0, max: 59 },
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, question: true },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 0, max: 6, names: DAYS, question: true },
];

const DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
const EVERY = /^@every\s+(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
const MIN_INTERVAL_MS = 60_000;
const TIMEZONE = /^(CRON_TZ|TZ)=\S+\s+/;

export type CronResult =
  | { ok: true; schedule: string; normalisedFrom?: string }
  | { ok: false; message: string };

export function normaliseSchedule(schedule: string): CronResult {
  const trimmed = schedule.trim();
  const zone = TIMEZONE.exec(trimmed)?.[0] ?? '';
  const body = trimmed.slice(zone.length);
  if (body.startsWith('@')) {
    if (!DESCRIPTORS.includes(body) && !EVERY.test(body)) return { ok: false, message: msg.cronDescriptor(schedule) };
    const every = everyIntervalMs(body);
    if (every !== undefined && every < MIN_INTERVAL_MS) return { ok: false, message: msg.cronEveryTooShort(schedule) };
    return { ok: true, schedule: trimmed };
  }
  const fields = body.split(/\s+/).filter((field) => field !== '');
  if (fields.length !== 5 && fields.length !== 6) return { ok: false, message: msg.cronFieldCount(schedule, fields.length) };
  const full = fields.length === 5 ? ['0', ...fields] : fields;
  for (const [index, field] of full.entries()) {
    const spec = FIELDS[index];
    if (spec && !validField(field, spec)) {
      return { ok: false, message: msg.cronField(schedule, spec.name, field, rangeText(spec)) };
    }
  }
  // One second value means one run per matching minute at most; any other form allows two.
  const seconds = full[0] ?? '';
  if (!/^\d+$/.test(seconds)) return { ok: false, message: msg.cronTooFrequent(schedule, seconds) };
  const normalised = zone + full.join(' ');
  const never = neverFires(normalised, schedule);
  if (never) return { ok: false, message: never };
  return fields.length === 5 ? { ok: true, schedule: normalised, normalisedFrom: schedule } : { ok: true, schedule: trimmed };
}

function neverFires(normalised: string, schedule: string): string | undefined {
  try {
    return cronOf(normalised).nextRun(new Date()) ? undefined : msg.cronNeverFires(schedule);
  } catch (e) {
    return msg.cronUnreadable(schedule, (e as Error).message);
  }
}

function rangeText(spec: FieldSpec): string {
  const names = spec.names ? ` or ${spec.names[0]}-${spec.names[spec.names.length - 1]}` : '';
  return `${spec.min}-${spec.max}${names}`;
}

function validField(field: string, spec: FieldSpec): boolean {
  if (field === '?' && spec.question) return true;
  return field.split(',').every((part) => validPart(part, spec));
}

function validPart(part: string, spec: FieldSpec): boolean {
  const [range = '', step, ...extra] = part.split('/');
  if (extra.length > 0) return false;
  if (step !== undefined && !/^[1-9]\d*$/.test(step)) return false;
  if (range === '*') return true;
  const [low = '', high, ...more] = range.split('-');
  if (more.length > 0) return false;
  const lowValue = value(low, spec);
  const highValue = high === undefined ? lowValue : value(high, spec);
  return lowValue !== undefined && highValue !== undefined && lowValue <= highValue;
}

function value(text: string, spec: FieldSpec): number | undefined {
  const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return spec.min + named;
  if (!/^\d+$/.test(text)) return undefined;
  const number = Number(text);
  return number >= spec.min && number <= spec.max ? number : undefined;
}
