/** "Did you mean" suggestions for misspelled field names. */

/** Edit distance counting an insertion, deletion, substitution or swap of neighbours as one edit. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const above = rows[i - 1] ?? [];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((above[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (above[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row.push(best);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? 0;
}

/** The closest candidate, if it is close enough to be a plausible typo (case-insensitive). */
export function closestName(word: string, candidates: readonly string[]): string | undefined {
  const limit = word.length <= 3 ? 1 : word.length <= 6 ? 2 : 3;
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    // The distance is at least the difference in length: skip what cannot be close (and a 5 MB
    // key costs nothing).
    if (Math.abs(name.length - word.length) > limit) continue;
    const distance = editDistance(word.toLowerCase(), name.toLowerCase());
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

export function unknownFieldMessage(key: string, candidates: readonly string[]): string {
  const suggestion = closestName(key, candidates);
  const shown = key.length <= 60 ? key : `${key.slice(0, 60)}…`;
  return suggestion === undefined
    ? `unknown field ${shown}; allowed fields are ${candidates.join(', ')}`
    : `unknown field ${shown}; did you mean ${suggestion}?`;
}
