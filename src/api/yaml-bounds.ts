// Limits on YAML structure, checked on the concrete syntax tree before any document is composed:
// composing and converting nest one call per level, so a deep enough input exhausts the stack.
import { LineCounter, Parser, type CST } from 'yaml';

/** Deeper than any real manifest (a Cluster's affinity rules nest about a dozen levels). */
export const MAX_YAML_DEPTH = 100;
/** Alias expansions per document; more is an alias bomb, not a manifest. */
export const MAX_YAML_ALIASES = 100;

export interface TooDeep {
  /** 1-based, counting documents as parseAllDocuments does. */
  document: number;
  /** Where the first node (in the text) below the limit starts, 1-based. */
  line: number;
  col: number;
}

type Node = CST.Token | undefined;

/** Each child node of a CST node that nests one level deeper. */
function children(node: CST.Token): Node[] {
  switch (node.type) {
    case 'document':
      return [node.value];
    case 'block-map':
    case 'block-seq':
    case 'flow-collection':
      return node.items.flatMap((item) => [item.key, item.value] as Node[]);
    default:
      return [];
  }
}

/** The first document nesting deeper than maxDepth, without recursion. */
export function findTooDeep(text: string, maxDepth = MAX_YAML_DEPTH): TooDeep | undefined {
  const lines = new LineCounter();
  let document = 0;
  for (const top of new Parser(lines.addNewLine).parse(text)) {
    if (top.type !== 'document') continue;
    document++;
    const stack: Array<[CST.Token, number]> = [[top, 0]];
    for (let entry = stack.pop(); entry; entry = stack.pop()) {
      const [node, depth] = entry;
      if (depth > maxDepth) return { document, ...lines.linePos(node.offset) };
      // Pushed last to first, so the first node in the text too deep is the one reported.
      for (const child of children(node).reverse()) if (child) stack.push([child, depth + 1]);
    }
  }
  return undefined;
}

/** Whether a decoded value (a JSON patch body, say) nests deeper than maxDepth, without recursion. */
export function nestedDeeperThan(value: unknown, maxDepth = MAX_YAML_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  for (let entry = stack.pop(); entry; entry = stack.pop()) {
    const [node, depth] = entry;
    if (depth > maxDepth) return true;
    if (typeof node === 'object' && node !== null) for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}
