// Renders computed families in the Prometheus text format through prom-client's registry, together
// with the process metrics prom-client collects for the manager itself.
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Family } from './family.js';

/** A family whose values are already known, in the shape prom-client's registry reads. */
class ComputedMetric {
  constructor(private readonly family: Family) {}

  get name(): string {
    return this.family.name;
  }

  /** What the registry's text renderer reads: a histogram's samples carry their `_bucket`/`_sum`/`_count` names. */
  get(): { name: string; help: string; type: string; aggregator: 'sum'; values: { labels: Record<string, string>; value: number; metricName?: string }[] } {
    const { name, help, type, samples } = this.family;
    return {
      name,
      help,
      type,
      aggregator: 'sum',
      values: samples.map((s) => ({ labels: s.labels, value: s.value, ...(s.suffix ? { metricName: `${name}${s.suffix}` } : {}) })),
    };
  }
}

export class MetricsRenderer {
  private readonly processRegistry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.processRegistry });
  }

  get contentType(): string {
    return this.processRegistry.contentType;
  }

  async render(families: Family[]): Promise<string> {
    const computed = new Registry();
    for (const f of families) computed.registerMetric(new ComputedMetric(f) as unknown as Parameters<Registry['registerMetric']>[0]);
    return Registry.merge([computed, this.processRegistry]).metrics();
  }
}
