// spec.postgresql.parameters against what the server says about itself: the name must exist in
// the cluster's major, and the value must be one that major's server would read.
import { closestMatch, msg, type Finding } from './errors.js';
import { allowedUnits, enumAccepts, humanAmount, parseGucBool, parseGucNumber, type GucCatalog, type GucDescription } from './guc-catalog.js';
import { checkParameters, isCustomGucName } from './gucs.js';

/**
 * Findings for names and values the catalogs refuse. With several catalogs (the cluster's major
 * is not known), a name is looked up in each in turn and the first that knows it decides.
 * Names the operator-owned rules already refuse, and extension parameters, are left alone.
 */
export function checkParametersAgainst(parameters: Readonly<Record<string, string>>, catalogs: readonly GucCatalog[]): Finding[] {
  if (catalogs.length === 0) return [];
  const refused = new Set(checkParameters(parameters).map((finding) => finding.path));
  const findings: Finding[] = [];
  for (const [name, value] of Object.entries(parameters)) {
    if (refused.has(name) || isCustomGucName(name)) continue;
    const key = name.toLowerCase();
    const description = catalogs.map((catalog) => catalog.parameters[key]).find((d) => d !== undefined);
    const problem = description
      ? valueProblem(key, value, description)
      : msg.unknownParameter(name, catalogs.map((c) => c.major), suggestion(key, catalogs));
    if (problem) findings.push({ path: name, message: problem });
  }
  return findings;
}

function suggestion(key: string, catalogs: readonly GucCatalog[]): string | undefined {
  const names = [...new Set(catalogs.flatMap((catalog) => Object.keys(catalog.parameters)))];
  return closestMatch(key, names);
}

/** Why the server would refuse `value` for this parameter, if it would. */
export function valueProblem(name: string, value: string, description: GucDescription): string | undefined {
  if (description.context === 'internal') return msg.internalParameter(name);
  switch (description.type) {
    case 'bool':
      return parseGucBool(value) === undefined ? msg.invalidBoolean(value) : undefined;
    case 'enum':
      return enumAccepts(description, value) ? undefined : msg.oneOf(description.values ?? [], value);
    case 'string':
      return undefined;
    case 'integer':
    case 'real':
      return numberProblem(value, description);
    default: {
      const never: never = description.type;
      return never;
    }
  }
}

function numberProblem(value: string, description: GucDescription): string | undefined {
  const parsed = parseGucNumber(value, description);
  const units = allowedUnits(description);
  if ('problem' in parsed) {
    if (parsed.problem === 'unit') return msg.gucUnit(units, value);
    if (parsed.problem === 'no-unit') return msg.gucNoUnit(value);
    return msg.gucNumber(description.type === 'integer', units, value);
  }
  const { min, max, unit } = description;
  if ((min !== undefined && parsed.value < min) || (max !== undefined && parsed.value > max)) {
    return msg.gucRange(bound(min, unit), bound(max, unit), value);
  }
  return undefined;
}

function bound(amount: number | undefined, unit: string | undefined): string {
  if (amount === undefined) return 'unbounded';
  if (!unit) return String(amount);
  if (amount === 0) return `0${unit.replace(/^\d+/, '')}`;
  const human = humanAmount(amount, unit);
  const raw = /^\d/.test(unit) ? `${amount} × ${unit}` : `${amount}${unit}`;
  return human === raw ? raw : `${raw} (${human})`;
}
