/** Maps a field path to a line and column in the YAML (or JSON) text it came from. */
import { type Document, LineCounter, isMap, isScalar, isSeq, type Node } from 'yaml';

export interface Position {
  line: number;
  column: number;
}

/**
 * The position of the deepest node on `path` that exists in the document: the key of a mapping
 * entry, or the item of a list. A path into something missing lands on its nearest parent.
 */
export function locate(
  doc: Document,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
): Position | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined = (doc.contents as Node | null)?.range?.[0];
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
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
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}
