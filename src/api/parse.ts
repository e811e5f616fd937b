// Multi-document YAML in, validated resources out, all or nothing: one bad document rejects the
// whole input, with every problem of every document listed.
import { LineCounter, parseAllDocuments, visit, type Document } from 'yaml';
import type { KubeObject } from './meta.js';
import { ManifestError, formatIssue, msg, toIssue, unnamedDocument, type ValidationIssue } from './errors.js';
import { validateDocument, type Origin } from './validate.js';
import { findTooDeep, MAX_YAML_ALIASES, MAX_YAML_DEPTH } from './yaml-bounds.js';

export interface ParsedManifests {
  resources: KubeObject[];
  warnings: string[];
}

export function parseManifests(text: string): ParsedManifests {
  const deep = findTooDeep(text);
  if (deep) {
    throw new ManifestError([toIssue('', unnamedDocument(deep.document), { path: `line ${deep.line}, column ${deep.col}`, message: msg.yamlTooDeep(MAX_YAML_DEPTH) })]);
  }
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const issues: ValidationIssue[] = [];
  const resources: KubeObject[] = [];
  const warnings: string[] = [];
  const seen = new Map<string, number>();

  documents.forEach((document, index) => {
    const origin: Origin = { document: index + 1, line: lineCounter.linePos(document.range[0]).line };
    if (document.errors.length > 0) {
      for (const error of document.errors) {
        const { line, col } = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
        issues.push(toIssue('', unnamedDocument(origin.document), {
          path: `line ${line}, column ${col}`,
          message: msg.yamlSyntax(firstLine(error.message)),
        }));
      }
      return;
    }
    let decoded: unknown;
    try {
      decoded = document.toJS({ maxAliasCount: MAX_YAML_ALIASES });
    } catch (error) {
      if (!(error instanceof ReferenceError)) throw error;
      const { line, col } = lineCounter.linePos(firstAlias(document) ?? document.range[0]);
      issues.push(toIssue('', unnamedDocument(origin.document), { path: `line ${line}, column ${col}`, message: msg.yamlAliasBomb(MAX_YAML_ALIASES) }));
      return;
    }
    for (const [value, itemOrigin] of expandLists(decoded, origin)) {
      const outcome = validateDocument(value, itemOrigin);
      issues.push(...outcome.issues);
      warnings.push(...outcome.warnings);
      if (!outcome.resource) continue;
      const key = identity(outcome.resource);
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        const { kind, metadata } = outcome.resource;
        warnings.push(formatIssue(toIssue(kind, metadata.name, { path: '', message: msg.duplicateObject(itemOrigin.document) })));
      }
      seen.set(key, itemOrigin.document);
      resources.push(outcome.resource);
    }
  });

  if (issues.length > 0) throw new ManifestError(issues);
  return { resources, warnings };
}

// Empty documents (a lone `---`, comments only) are skipped; a `kind: List` stands for its items,
// as kubectl reads it.
function expandLists(value: unknown, origin: Origin): [unknown, Origin][] {
  if (value === null || value === undefined) return [];
  if (typeof value === 'object' && !Array.isArray(value)) {
    const list = value as Record<string, unknown>;
    if (list['kind'] === 'List' && list['apiVersion'] === 'v1' && Array.isArray(list['items'])) {
      return list['items'].map((item) => [item, origin]);
    }
  }
  return [[value, origin]];
}

function identity(resource: KubeObject): string {
  return `${resource.apiVersion}/${resource.kind}/${resource.metadata.namespace ?? ''}/${resource.metadata.name}`;
}

function firstAlias(document: Document): number | undefined {
  let offset: number | undefined;
  visit(document, {
    Alias(_, node) {
      offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  return offset;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
