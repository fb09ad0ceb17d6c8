/**
 * Checks of a parsed YAML document that the yaml library either does in quadratic time (unique
 * keys: every key compared with every earlier one) or only reports by throwing from `toJS`
 * without a position (undefined aliases, alias bombs). One linear walk in document order.
 */
import { type Document, isAlias, isMap, isPair, isScalar, isSeq, type Node } from 'yaml';

/** The same limit `toJS` is given: uses of an anchor times the aliases inside it. */
export const MAX_ALIAS_COUNT = 100;
/** Deeper than any spec needs, far below what would exhaust the stack. */
export const MAX_DEPTH = 64;

export interface YamlProblem {
  /** Offset in the text of the node to fix. */
  offset: number;
  message: string;
}

interface AnchorUse {
  count: number;
  /** 0 until the first use; then what one expansion of the anchored node costs. */
  aliasCount: number;
}

/** The first problem in document order, or undefined. */
export function checkYamlDocument(doc: Document): YamlProblem | undefined {
  const walker = new Walker();
  try {
    walker.walk(doc.contents as Node | null, 0);
  } catch (error) {
    if (error instanceof Found) return error.problem;
    throw error;
  }
  return undefined;
}

class Found extends Error {
  constructor(readonly problem: YamlProblem) {
    super(problem.message);
  }
}

class Walker {
  /** The latest node with each anchor, as the document is read. */
  private readonly anchors = new Map<string, Node>();
  private readonly uses = new Map<Node, AnchorUse>();
  /** Collections being walked: an alias to one of them would expand forever. */
  private readonly open = new Set<Node>();

  walk(node: unknown, depth: number): void {
    if (!node || typeof node !== 'object') return;
    const current = node as Node;
    if (depth > MAX_DEPTH) {
      this.fail(current, `the YAML is nested more than ${MAX_DEPTH} levels deep`);
    }
    if (isAlias(current)) {
      this.useAlias(current);
      return;
    }
    const anchor = (current as { anchor?: string }).anchor;
    if (anchor) {
      this.anchors.set(anchor, current);
      this.uses.set(current, { count: 0, aliasCount: 0 });
    }
    if (isMap(current)) {
      this.open.add(current);
      const seen = new Map<string, number>();
      for (const pair of current.items) {
        this.checkUniqueKey(pair.key, seen);
        this.walk(pair.key, depth + 1);
        this.walk(pair.value, depth + 1);
      }
      this.open.delete(current);
    } else if (isSeq(current)) {
      this.open.add(current);
      for (const item of current.items) this.walk(item, depth + 1);
      this.open.delete(current);
    }
  }

  private checkUniqueKey(key: unknown, seen: Map<string, number>): void {
    if (!isScalar(key)) return;
    // toJS turns keys into strings: 1 and "1" would silently overwrite each other.
    const text = String(key.value);
    const first = seen.get(text);
    if (first === undefined) {
      seen.set(text, key.range?.[0] ?? 0);
      return;
    }
    this.fail(key, `duplicate key ${shorten(text)}: each key may appear only once in a mapping`);
  }

  /** Mirrors what toJS counts, so that a document passing here never throws there. */
  private useAlias(alias: Node & { source: string }): void {
    const target = this.anchors.get(alias.source);
    if (!target) {
      this.fail(
        alias,
        `undefined alias *${shorten(alias.source)}: no anchor &${shorten(alias.source)} before it`,
      );
    }
    if (this.open.has(target)) {
      this.fail(alias, `alias *${shorten(alias.source)} refers to the node it is inside`);
    }
    const use = this.uses.get(target) ?? { count: 0, aliasCount: 0 };
    this.uses.set(target, use);
    use.count += 1;
    if (use.aliasCount === 0) use.aliasCount = this.aliasCount(target);
    if (use.count * use.aliasCount > MAX_ALIAS_COUNT) {
      this.fail(
        alias,
        `alias *${shorten(alias.source)} expands too often (more than ${MAX_ALIAS_COUNT} copies: a YAML alias bomb?)`,
      );
    }
  }

  private aliasCount(node: unknown): number {
    if (isAlias(node)) {
      const target = this.anchors.get(node.source);
      const use = target && this.uses.get(target);
      return use ? use.count * use.aliasCount : 0;
    }
    if (isPair(node)) return Math.max(this.aliasCount(node.key), this.aliasCount(node.value));
    if (isMap(node) || isSeq(node)) {
      let count = 0;
      for (const item of node.items as unknown[]) count = Math.max(count, this.aliasCount(item));
      return count;
    }
    return 1;
  }

  private fail(node: Node, message: string): never {
    throw new Found({ offset: node.range?.[0] ?? 0, message });
  }
}

/** Keys and anchors come from the file: a 5 MB key must not become a 5 MB error line. */
export function shorten(text: string, max = 60): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
