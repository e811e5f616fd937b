// A metric family as the exporter computes it: a name, its help, its Prometheus type and samples.
// Collections produce plain families; prom-client renders them (render.ts).
export type FamilyType = 'gauge' | 'counter' | 'histogram';

export interface Sample {
  labels: Record<string, string>;
  value: number;
  /** `_bucket`, `_sum` or `_count` of a histogram. */
  suffix?: string;
}

export interface Family {
  name: string;
  help: string;
  type: FamilyType;
  samples: Sample[];
}

/** Collects families by name; two queries may feed one family (a query's `name` override), as long as they agree on its type. */
export class FamilySet {
  private readonly byName = new Map<string, Family>();

  add(name: string, help: string, type: FamilyType, sample: Sample): void {
    const family = this.family(name, help, type);
    family.samples.push(sample);
  }

  family(name: string, help: string, type: FamilyType): Family {
    let family = this.byName.get(name);
    if (!family) {
      family = { name, help, type, samples: [] };
      this.byName.set(name, family);
    } else if (family.type !== type) {
      throw new Error(`metric ${name} is produced both as a ${family.type} and as a ${type}`);
    }
    return family;
  }

  /** Keeps the families of `other` this set does not already produce. */
  merge(other: Iterable<Family>): void {
    for (const f of other) {
      const own = this.byName.get(f.name);
      if (!own) this.byName.set(f.name, { ...f, samples: [...f.samples] });
      else if (own.type === f.type) own.samples.push(...f.samples);
    }
  }

  get families(): Family[] {
    return [...this.byName.values()];
  }
}
