// Go's time.Duration text (`30s`, `1m30s`, `500ms`, `0`), which CloudNativePG's duration fields take.
const UNIT_SECONDS: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
const DURATION = /^(?:0|(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+)$/;

/** The duration in seconds, or undefined when the text is not a non-negative Go duration. */
export function goDurationSeconds(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let total = 0;
  for (const part of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(part[1]) * UNIT_SECONDS[part[2]!]!;
  return total;
}
