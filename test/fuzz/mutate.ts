/** Mutations shared by the fuzz suites: hostile values and structural edits of JSON-like data. */
import type { Prng } from './prng.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Values that break naive code: wrong types, extremes, empties, odd strings. */
export function hostileValue(prng: Prng): Json {
  const choices: Array<() => Json> = [
    () => null,
    () => true,
    () => 0,
    () => -1,
    () => 1.5,
    () => 1e308,
    () => Number.MAX_SAFE_INTEGER + 2,
    () => '',
    () => 'x',
    () => '__proto__',
    () => 'constructor',
    () => ' leading space',
    () => 'ünïcödé ✓',
    () => 'a'.repeat(1 + prng.int(5000)),
    () => [],
    () => [null],
    () => ({}),
    () => ({ $secret: 'x' }),
    () => ({ nested: { deeper: [1, 'two', { three: null }] } }),
  ];
  return prng.pick(choices)();
}

/** Every path (list of keys and indexes) to a value inside `value`, the root included. */
export function paths(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const found: Array<Array<string | number>> = [prefix];
  if (Array.isArray(value)) value.forEach((item, index) => found.push(...paths(item, [...prefix, index])));
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) found.push(...paths(inner, [...prefix, key]));
  }
  return found;
}

export type StructuralEdit = 'replace' | 'delete' | 'add-key' | 'empty';

/** A deep copy of `value` with one edit at a random place. Returns what was done, for messages. */
export function mutateStructure(value: unknown, prng: Prng): { value: unknown; edit: string } {
  const copy = JSON.parse(JSON.stringify(value)) as unknown;
  const all = paths(copy).filter((path) => path.length > 0);
  if (all.length === 0) return { value: hostileValue(prng), edit: 'replace root' };
  const path = prng.pick(all);
  const parent = path
    .slice(0, -1)
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], copy) as
    Record<string | number, unknown> | unknown[];
  const key = path[path.length - 1]!;
  const edit: StructuralEdit = prng.pick(['replace', 'replace', 'delete', 'add-key', 'empty'] as const);
  const target = (parent as Record<string | number, unknown>)[key];
  switch (edit) {
    case 'replace':
      (parent as Record<string | number, unknown>)[key] = hostileValue(prng);
      break;
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete (parent as Record<string, unknown>)[key];
      break;
    case 'add-key':
      if (target && typeof target === 'object' && !Array.isArray(target)) {
        (target as Record<string, unknown>)[prng.pick(['extra', 'nmae', 'typ', 'x'])] = hostileValue(prng);
      } else {
        (parent as Record<string | number, unknown>)[key] = { unexpected: hostileValue(prng) };
      }
      break;
    case 'empty':
      (parent as Record<string | number, unknown>)[key] = Array.isArray(target)
        ? []
        : typeof target === 'string'
          ? ''
          : {};
      break;
  }
  return { value: copy, edit: `${edit} ${path.join('.')}` };
}

/** Byte-level damage: one byte flipped, a range zeroed, a cut, or bytes inserted. */
export function flipByte(bytes: Buffer, prng: Prng): Buffer {
  const copy = Buffer.from(bytes);
  const at = prng.int(copy.length);
  copy[at] = copy[at]! ^ (1 + prng.int(255));
  return copy;
}

export function zeroRange(bytes: Buffer, prng: Prng): Buffer {
  const copy = Buffer.from(bytes);
  const start = prng.int(copy.length);
  copy.fill(0, start, Math.min(copy.length, start + 1 + prng.int(200)));
  return copy;
}
