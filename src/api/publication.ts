// Publication (postgresql.cnpg.io/v1): a CREATE PUBLICATION on a Cluster's primary, kept as declared.
import { z } from 'zod';
import { msg, report } from './errors.js';
import { logicalReplicationSchema, pgName, reclaimPolicy } from './logical-replication.js';

const tableSchema = z.strictObject({
  name: pgName,
  schema: pgName.optional(),
  /** ONLY: the table without its descendants (partitions or inheritance children). */
  only: z.boolean().optional(),
  columns: z.array(pgName).optional(),
});

const targetObjectSchema = z
  .strictObject({
    tablesInSchema: pgName.optional(),
    table: tableSchema.optional(),
  })
  .superRefine((object, ctx) => {
    const given = [object.tablesInSchema, object.table].filter((x) => x !== undefined).length;
    if (given === 0) report(ctx, [], msg.oneRequired(['tablesInSchema', 'table']));
    if (given > 1) report(ctx, ['table'], msg.mutuallyExclusive(['tablesInSchema', 'table']));
  });

const targetSchema = z
  .strictObject({
    allTables: z.boolean().optional(),
    objects: z.array(targetObjectSchema).max(100_000).optional(),
  })
  .superRefine((target, ctx) => {
    const objects = target.objects ?? [];
    // As CloudNativePG's CEL rule: allTables written at all (even false) excludes objects.
    if (target.allTables !== undefined && target.objects !== undefined) report(ctx, ['objects'], msg.mutuallyExclusive(['allTables', 'objects']));
    if (!target.allTables && objects.length === 0) report(ctx, [], msg.oneRequired(['allTables: true', 'objects']));
    const withColumns = objects.findIndex((o) => (o.table?.columns?.length ?? 0) > 0);
    if (withColumns >= 0 && objects.some((o) => o.tablesInSchema !== undefined)) report(ctx, ['objects', withColumns, 'table', 'columns'], msg.publicationColumnsWithSchema());
  });

/** The publisher is spec.cluster. */
export const publicationSchema = logicalReplicationSchema('Publication', {
  target: targetSchema,
  publicationReclaimPolicy: reclaimPolicy,
});

export type Publication = z.infer<typeof publicationSchema>;
export type PublicationTarget = Publication['spec']['target'];
