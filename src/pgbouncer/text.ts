// What may appear in a value written into one of PgBouncer's files. Its parsers read a line at a
// time and give no escape for a line break, so a control character is never written: a newline
// would start a line of the attacker's choosing (a setting, a [section], an %include).

/** C0 and C1 control characters and DEL; a tab is one too. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Why a value cannot be written as it is, or undefined when it can. */
export function controlCharacterProblem(value: string): string | undefined {
  const found = CONTROL.exec(value);
  if (!found) return undefined;
  const code = found[0].charCodeAt(0).toString(16).padStart(2, '0');
  return `contains the control character U+00${code.toUpperCase()} at position ${found.index}; line breaks and other control characters are not allowed`;
}
