// Reading a server's description of its own parameters.
//
// `postgres --describe-config` prints one tab-separated line per parameter that may appear in
// postgresql.conf: name, context, group, type (BOOLEAN, INTEGER, REAL, STRING, ENUM), reset
// value, min, max, short and long description. It names neither units nor enum values, so each
// numeric and enum parameter is also probed once with a value the server must refuse: its
// refusal names the base unit ("-2147483648 8kB is outside the valid range for parameter …") or
// lists the enum values ("HINT:  Available values: minimal, replica, logical.").
import type { GucCatalog, GucDescription, GucType } from '../api/guc-catalog.js';

const TYPES: Record<string, GucType> = { BOOLEAN: 'bool', INTEGER: 'integer', REAL: 'real', STRING: 'string', ENUM: 'enum' };

/** The parameters of one `--describe-config` output, without units and enum values yet. */
export function parseDescribeConfig(output: string): Record<string, GucDescription> {
  const parameters: Record<string, GucDescription> = {};
  output.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const [name, context, , typeName, , min, max] = line.split('\t');
    const type = TYPES[typeName ?? ''];
    if (!name || !context || !type) throw new Error(`--describe-config line ${index + 1} is not name, context, group, type, …: ${JSON.stringify(line)}`);
    const description: GucDescription = { type, context };
    if (type === 'integer' || type === 'real') {
      description.min = Number(min);
      description.max = Number(max);
    }
    parameters[name.toLowerCase()] = description;
  });
  return parameters;
}

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const NOT_A_NUMBER = '1cnpgts';

/**
 * The refused value to start the server with to learn this parameter's unit or values, if any:
 * just outside a number's range (the refusal names the unit), or a unit no parameter has when
 * the range is the whole of int (then a refusal with no hint about units means there is none).
 */
export function probeValue(description: GucDescription): string | undefined {
  const { type, min = 0, max = 0 } = description;
  if (type === 'enum') return 'cnpg-ts-not-a-value';
  if (type === 'real') return min > -1e300 ? '-1e300' : max < 1e300 ? '1e300' : NOT_A_NUMBER;
  if (type !== 'integer') return undefined;
  if (min > INT_MIN) return String(min - 1);
  return max < INT_MAX ? String(max + 1) : NOT_A_NUMBER;
}

export interface ProbeAnswer {
  unit?: string;
  values?: string[];
}

/**
 * What the server's refusal of a probe says (run with LC_ALL=C: the messages are matched in
 * English); undefined when it is not a refusal we know, so a changed message is noticed.
 */
export function parseProbeRefusal(name: string, stderr: string): ProbeAnswer | undefined {
  const range = new RegExp(`FATAL:\\s+\\S+(?: (\\S+))? is outside the valid range for parameter "${name}"`, 'i').exec(stderr);
  if (range) return range[1] ? { unit: range[1] } : {};
  const values = /HINT:\s+Available values: (.*)\.\s*$/m.exec(stderr);
  if (values?.[1] !== undefined) return { values: values[1].split(', ') };
  // The answer to NOT_A_NUMBER: a unit family is named only with a hint, which says no base unit.
  if (stderr.includes(`invalid value for parameter "${name}": "${NOT_A_NUMBER}"`) && !/HINT:/.test(stderr)) return {};
  return undefined;
}

/** One major's catalog from its description and the answers to the probes. */
export function buildCatalog(
  version: string,
  described: Record<string, GucDescription>,
  answers: Readonly<Record<string, ProbeAnswer>>,
): GucCatalog {
  const parameters: Record<string, GucDescription> = {};
  for (const name of Object.keys(described).sort()) {
    const answer = answers[name] ?? {};
    const description = described[name];
    if (!description) continue;
    parameters[name] = { ...description, ...(answer.unit ? { unit: answer.unit } : {}), ...(answer.values ? { values: answer.values } : {}) };
  }
  return { major: Number(version.split('.')[0]), version, parameters };
}

/**
 * Probe answers already known from a catalog of the same major (generated the same way from a real
 * server) for every parameter the server describes exactly as that catalog does: the same type,
 * context and range mean the same unit and values, so only what differs needs a probe.
 */
export function knownAnswers(described: Readonly<Record<string, GucDescription>>, known: GucCatalog | undefined): Record<string, ProbeAnswer> {
  const answers: Record<string, ProbeAnswer> = {};
  if (!known) return answers;
  for (const [name, description] of Object.entries(described)) {
    const entry = known.parameters[name];
    if (!entry || entry.type !== description.type || entry.context !== description.context || entry.min !== description.min || entry.max !== description.max) continue;
    answers[name] = { ...(entry.unit ? { unit: entry.unit } : {}), ...(entry.values ? { values: [...entry.values] } : {}) };
  }
  return answers;
}
