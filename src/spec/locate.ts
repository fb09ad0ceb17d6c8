/** Maps a field path to a line and column in the YAML (or JSON) text it came from. */
import { type Document, LineCounter, isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';

export interface Position {
  line: number;
  column: number;
}

/**
 * Finds positions of field paths in one document. Each mapping gets a key index on first use,
 * so that locating every issue of a map with 100k keys stays linear.
 */
export class Locator {
  private readonly indexes = new WeakMap<YAMLMap, Map<string, Pair>>();

  constructor(
    private readonly doc: Document,
    private readonly lineCounter: LineCounter,
  ) {}

  /**
   * The position of the deepest node on `path` that exists in the document: the key of a mapping
   * entry, or the item of a list. A path into something missing lands on its nearest parent.
   */
  locate(path: readonly PropertyKey[]): Position | undefined {
    let node: unknown = this.doc.contents;
    let offset: number | undefined = (this.doc.contents as Node | null)?.range?.[0];
    for (const segment of path) {
      if (isMap(node)) {
        const pair = this.index(node).get(String(segment));
        if (!pair) break;
        offset = isScalar(pair.key) ? pair.key.range?.[0] : offset;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment] as Node | undefined;
        if (!item) break;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else {
        break;
      }
    }
    if (offset === undefined) return undefined;
    const { line, col } = this.lineCounter.linePos(offset);
    return { line, column: col };
  }

  private index(map: YAMLMap): Map<string, Pair> {
    let index = this.indexes.get(map);
    if (!index) {
      index = new Map();
      for (const pair of map.items) {
        // The first pair with a key wins, as the linear search did.
        if (isScalar(pair.key) && !index.has(String(pair.key.value))) index.set(String(pair.key.value), pair);
      }
      this.indexes.set(map, index);
    }
    return index;
  }
}

/** One-off lookup; use a Locator for many paths of the same document. */
export function locate(
  doc: Document,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
): Position | undefined {
  return new Locator(doc, lineCounter).locate(path);
}
