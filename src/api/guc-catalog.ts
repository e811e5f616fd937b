// What a PostgreSQL server says about its own parameters (`postgres --describe-config`, plus the
// enum values and base units the server names in its own error hints), and checking a
// postgresql.conf value against it the way the server's GUC code reads values.
//
// The catalog is data: committed per major for the Kubernetes webhook and client-side checks
// (src/api/guc-catalogs/), and read from the installed binary by the local control plane.

export type GucType = 'bool' | 'integer' | 'real' | 'string' | 'enum';

export interface GucDescription {
  type: GucType;
  /** postmaster, sighup, superuser, user, … as the server reports it; `internal` cannot be set. */
  context: string;
  min?: number;
  max?: number;
  /** Base unit of a numeric parameter: B, kB, 8kB, MB, ms, s or min. */
  unit?: string;
  /** Enum values the server lists (its hidden boolean spellings are accepted too, see below). */
  values?: string[];
}

export interface GucCatalog {
  major: number;
  /** The server version that described itself. */
  version: string;
  parameters: Record<string, GucDescription>;
}

const MEMORY_UNITS: Record<string, number> = { B: 1, kB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, TB: 2 ** 40 };
const TIME_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };

interface UnitFamily {
  table: Record<string, number>;
  /** Size of one base unit in the family's smallest terms (bytes or milliseconds). */
  base: number;
}

/** `8kB` is 8 × kB: the block-sized units are a multiple of a unit of the table. */
function unitFamily(unit: string | undefined): UnitFamily | undefined {
  const match = unit === undefined ? null : /^(\d*)(\D+)$/.exec(unit);
  if (!match) return undefined;
  const factor = match[1] ? Number(match[1]) : 1;
  const name = match[2] ?? '';
  for (const table of [MEMORY_UNITS, TIME_UNITS]) {
    const size = table[name];
    if (size !== undefined) return { table, base: factor * size };
  }
  return undefined;
}

/** PostgreSQL's parse_bool: on/off, true/false, yes/no (any unique prefix), 1/0; any case. */
export function parseGucBool(value: string): boolean | undefined {
  const v = value.toLowerCase();
  if (v === '') return undefined;
  if (v === 'on') return true;
  if (v.length >= 2 && 'off'.startsWith(v)) return false;
  if ('true'.startsWith(v) || 'yes'.startsWith(v) || v === '1') return true;
  if ('false'.startsWith(v) || 'no'.startsWith(v) || v === '0') return false;
  return undefined;
}

// strtol/strtod as parse_int and parse_real use them: leading blanks, a sign, hex (0x) and octal
// (leading 0) integers, or a decimal with fraction and exponent.
const DECIMAL = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const INTEGER = /^\s*[+-]?(?:0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)/;

function leadingNumber(value: string, integer: boolean): { number: number; rest: string } | undefined {
  const whole = integer ? INTEGER.exec(value) : null;
  const next = whole ? value.charAt(whole[0].length) : '';
  if (whole && !['.', 'e', 'E'].includes(next)) {
    const text = whole[0].trim();
    const negative = text.startsWith('-');
    const digits = text.replace(/^[+-]/, '');
    const number = /^0[xX]/.test(digits) ? parseInt(digits.slice(2), 16) : /^0\d/.test(digits) ? parseInt(digits, 8) : Number(digits);
    return { number: negative ? -number : number, rest: value.slice(whole[0].length) };
  }
  const decimal = DECIMAL.exec(value);
  if (!decimal) return undefined;
  return { number: Number(decimal[0].trim()), rest: value.slice(decimal[0].length) };
}

/** rint(): halves round to even, as the server rounds a converted integer setting. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** A numeric setting in its base unit, or why it cannot be read. */
export function parseGucNumber(value: string, description: GucDescription): { value: number } | { problem: 'syntax' | 'unit' | 'no-unit' } {
  const integer = description.type === 'integer';
  const lead = leadingNumber(value, integer);
  if (!lead) return { problem: 'syntax' };
  const unitText = lead.rest.trim();
  let number = lead.number;
  if (unitText !== '') {
    const family = unitFamily(description.unit);
    if (!family) return { problem: 'no-unit' };
    const size = family.table[unitText];
    if (size === undefined) return { problem: 'unit' };
    number = (number * size) / family.base;
  }
  return { value: integer ? roundHalfEven(number) : number };
}

/** The units a value of this parameter may carry, or none. */
export function allowedUnits(description: GucDescription): string[] {
  const family = unitFamily(description.unit);
  return family ? Object.keys(family.table) : [];
}

/** A base-unit amount as a person reads it: 16 × 8kB → 128kB, 86400 s → 1d. */
export function humanAmount(amount: number, unit: string | undefined): string {
  const family = unitFamily(unit);
  if (!family) return String(amount);
  const total = amount * family.base;
  const units = Object.entries(family.table).sort((a, b) => b[1] - a[1]);
  const [name, size] = units.find(([, s]) => Math.abs(total) >= s) ?? units[units.length - 1] ?? ['', 1];
  return `${Number((total / size).toFixed(2))}${name}`;
}

const BOOLEAN_SPELLINGS = ['true', 'false', 'yes', 'no', '1', '0'];

/**
 * Enum lookup is case-insensitive. Enums that list on and off also take the boolean spellings
 * the server keeps hidden from its hint (synchronous_commit = true is valid).
 */
export function enumAccepts(description: GucDescription, value: string): boolean {
  const values = (description.values ?? []).map((v) => v.toLowerCase());
  const lower = value.toLowerCase();
  if (values.includes(lower)) return true;
  return values.includes('on') && values.includes('off') && BOOLEAN_SPELLINGS.includes(lower);
}
