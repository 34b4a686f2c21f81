/**
 * "Did you mean …?" for mistyped command and option names: the closest known name by edit
 * distance (Damerau–Levenshtein, so a swap of two neighbours costs 1), within 2 edits and less
 * than half the typed word; or the only known name the typed word begins.
 */

/** Edits (insert, delete, substitute, swap neighbours) turning `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const prev = rows[i - 1] ?? [];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row.push(best);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? Math.max(a.length, b.length);
}

/** The known name `typed` most likely meant, or undefined when none is close. */
export function closest(typed: string, known: readonly string[]): string | undefined {
  const word = typed.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.min(2, Math.ceil(word.length / 2) - 1);
  for (const name of known) {
    const d = editDistance(word, name.toLowerCase());
    if (d <= bestDistance && (best === undefined || d < bestDistance)) {
      best = name;
      bestDistance = d;
    }
  }
  if (best !== undefined) return best;
  const starting = known.filter((name) => word.length >= 2 && name.startsWith(word));
  return starting.length === 1 ? starting[0] : undefined;
}

/** ` (did you mean "x"?)` for `typed`, or "" when no known name is close. */
export function didYouMean(typed: string, known: readonly string[], render = (s: string) => s): string {
  const match = closest(typed, known);
  return match === undefined ? "" : `; did you mean ${render(match)}?`;
}
