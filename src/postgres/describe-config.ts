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

// Below every integer parameter's minimum (PostgreSQL's own minima are INT_MIN at the lowest)
// and below every real one's, and never an enum's value: the server must refuse each.
const PROBES: Partial<Record<GucType, string>> = { integer: '-2147483648', real: '-1e300', enum: 'cnpg-ts-not-a-value' };

/** The refused value to start the server with to learn this parameter's unit or values, if any. */
export function probeValue(description: GucDescription): string | undefined {
  return PROBES[description.type];
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
