/** Name validation as in k8s.io/apimachinery/pkg/util/validation. */

const dns1123LabelPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123SubdomainPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const dns1123LabelMaxLength = 63;
export const dns1123SubdomainMaxLength = 253;

/** Returns the reasons `value` is not a DNS-1123 label, empty when it is one. */
export function dns1123LabelErrors(value: string): string[] {
  const errors: string[] = [];
  if (value.length > dns1123LabelMaxLength) errors.push(`must be no more than ${dns1123LabelMaxLength} characters`);
  if (!dns1123LabelPattern.test(value)) {
    errors.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
    );
  }
  return errors;
}

export function dns1123SubdomainErrors(value: string): string[] {
  const errors: string[] = [];
  if (value.length > dns1123SubdomainMaxLength) {
    errors.push(`must be no more than ${dns1123SubdomainMaxLength} characters`);
  }
  if (!dns1123SubdomainPattern.test(value)) {
    errors.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
    );
  }
  return errors;
}

export const isDns1123Label = (value: string): boolean => dns1123LabelErrors(value).length === 0;
export const isDns1123Subdomain = (value: string): boolean => dns1123SubdomainErrors(value).length === 0;

/**
 * The edit distance between two names: insertions, deletions, substitutions, and swaps of neighbours (which typing
 * makes most often), each costing one (optimal string alignment).
 *
 * @example editDistance("polcy", "policy") // 1; editDistance("ploicy", "policy") // 1
 */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/** Whether `short` can be read out of `long` in order, as an abbreviation is: `db-hl` out of `db-headless`. */
function abbreviates(short: string, long: string): boolean {
  let at = 0;
  for (const char of long) if (char === short[at]) at++;
  return at === short.length;
}

/** Shorter than this, a name is not matched by what it contains or abbreviates: too many names would fit. */
const minOverlap = 3;

/**
 * The one "did you mean" of Stateward, for rule ids, policy keys, flags, commands, exemption annotations, claim
 * template and Service names: the known name `typed` most likely meant, ignoring case. First the nearest by
 * editDistance when it is near for the name's length (a third of it, at least 1); a known name that `typed` begins
 * counts as nearer than any typo. Failing that, the one known name that contains it, that it contains, or that is an
 * abbreviation of it either way starting with the same letter (`db-hl` and `db-headless`). Undefined when nothing
 * fits, or when two fit equally well: a guess between two is no help, and a fix must have exactly one answer.
 *
 * @example closestName("storage-clas", ["storage-class", "storage-request"]) // "storage-class"
 */
export function closestName(typed: string, known: readonly string[]): string | undefined {
  const lower = typed.toLowerCase();
  const others = known.filter((name) => name.toLowerCase() !== lower);
  let best: string[] = [];
  let bestDistance = Math.max(1, Math.floor(typed.length / 3));
  for (const name of others) {
    const other = name.toLowerCase();
    const distance = lower.length >= minOverlap && other.startsWith(lower) ? 0.5 : editDistance(lower, other);
    if (distance < bestDistance) [best, bestDistance] = [[name], distance];
    else if (distance === bestDistance) best.push(name);
  }
  if (best.length > 0) return best.length === 1 ? best[0] : undefined;
  const overlapping = others.filter((name) => {
    const other = name.toLowerCase();
    const [short, long] = other.length < lower.length ? [other, lower] : [lower, other];
    return short.length >= minOverlap && (long.includes(short) || (short[0] === long[0] && abbreviates(short, long)));
  });
  return overlapping.length === 1 ? overlapping[0] : undefined;
}

/** `; did you mean <name>?`, or nothing: the one wording of a suggestion after a message, `render` styling the name. */
export function didYouMean(typed: string, known: readonly string[], render = (name: string) => name): string {
  const meant = closestName(typed, known);
  return meant === undefined ? "" : `; did you mean ${render(meant)}?`;
}
