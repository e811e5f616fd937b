// One apiextensions.k8s.io/v1 CustomResourceDefinition per kind, with the schema derived from
// the kind's zod schema, so the API server and our webhook accept the same manifests.
import { z } from 'zod';
import { KINDS } from '../kinds.js';
import { CRD_DEFINITIONS, groupVersion, type CrdDefinition } from './definitions.js';
import { toStructural, type Schema } from './structural.js';
import { addCelRules } from './validations.js';

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string };
  spec: {
    group: string;
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames: string[]; categories: string[] };
    scope: 'Namespaced' | 'Cluster';
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      additionalPrinterColumns: CrdDefinition['columns'];
      schema: { openAPIV3Schema: Schema };
      subresources?: Record<string, unknown>;
    }[];
  };
}

/** `kubectl get cnpg` lists every kind of ours. */
export const CRD_CATEGORY = 'cnpg';

// The schema as a manifest is written, before zod's defaults and transforms; `reused: 'inline'`
// and `cycles: 'throw'` keep $ref/$defs out, which Kubernetes does not accept.
function jsonSchemaOf(schema: z.ZodType): Schema {
  return z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any', reused: 'inline', cycles: 'throw' }) as Schema;
}

export function openApiSchema(definition: CrdDefinition): Schema {
  const properties = jsonSchemaOf(definition.schema)['properties'] as Record<string, unknown>;
  const root: Schema = {
    type: 'object',
    description: definition.description,
    // The API server owns apiVersion, kind and metadata; Kubernetes allows no more than a type here.
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: toStructural(properties['spec'], `${definition.kind}.spec`),
      ...(definition.hasStatus ? { status: statusSchema(definition) } : {}),
    },
    required: ['metadata', 'spec'],
  };
  addCelRules(definition.kind, root);
  return root;
}

/** Described fields are typed; any other is kept, so an operator writing a newer field loses nothing. */
function statusSchema(definition: CrdDefinition): Schema {
  const typed = definition.status ? toStructural(jsonSchemaOf(definition.status), `${definition.kind}.status`) : { type: 'object' };
  return { ...typed, 'x-kubernetes-preserve-unknown-fields': true };
}

function subresources(definition: CrdDefinition): Record<string, unknown> | undefined {
  if (!definition.hasStatus) return undefined;
  const scale = definition.scale && {
    specReplicasPath: '.spec.instances',
    statusReplicasPath: '.status.instances',
    ...definition.scale,
  };
  return { status: {}, ...(scale ? { scale } : {}) };
}

export function customResourceDefinition(definition: CrdDefinition): CustomResourceDefinition {
  const info = KINDS[definition.kind];
  const extra = subresources(definition);
  const { group, version } = groupVersion(definition.kind);
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${info.plural}.${group}` },
    spec: {
      group,
      names: {
        kind: info.kind,
        listKind: `${info.kind}List`,
        plural: info.plural,
        singular: info.singular,
        shortNames: definition.shortName === undefined ? [] : [definition.shortName],
        categories: [CRD_CATEGORY],
      },
      scope: info.namespaced ? 'Namespaced' : 'Cluster',
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          additionalPrinterColumns: definition.columns,
          schema: { openAPIV3Schema: openApiSchema(definition) },
          ...(extra ? { subresources: extra } : {}),
        },
      ],
    },
  };
}

export function customResourceDefinitions(): CustomResourceDefinition[] {
  return CRD_DEFINITIONS.map(customResourceDefinition);
}
