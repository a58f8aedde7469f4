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

/** Edit distance (insertions, deletions, substitutions) between two names. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Whether `short` can be read out of `long` in order, as an abbreviation is: `db-hl` out of `db-headless`. */
function abbreviates(short: string, long: string): boolean {
  let at = 0;
  for (const char of long) if (char === short[at]) at++;
  return at === short.length;
}

/**
 * The object name someone most likely meant by `name`, among `known`: a near typo (`db-headles`), or an abbreviation
 * either way that starts the same (`db-hl` and `db-headless`). Undefined when none is close, or when two are equally so.
 *
 * @example similarName("db-headless", ["db-hl", "cache"]) // "db-hl"
 */
export function similarName(name: string, known: readonly string[]): string | undefined {
  const others = known.filter((k) => k !== name);
  const scored = others
    .map((k) => ({ k, distance: editDistance(name, k) }))
    .filter(({ distance }) => distance <= Math.max(2, Math.floor(name.length / 4)))
    .sort((a, b) => a.distance - b.distance);
  if (scored.length > 0) return scored.length === 1 || scored[0]!.distance < scored[1]!.distance ? scored[0]!.k : undefined;
  const abbreviations = others.filter((k) => {
    const [short, long] = k.length < name.length ? [k, name] : [name, k];
    return short.length >= 3 && short[0] === long[0] && abbreviates(short, long);
  });
  return abbreviations.length === 1 ? abbreviations[0] : undefined;
}

/**
 * The known name a typo most likely meant: the closest by edit distance when it is close for the name's length, or
 * the one name that contains it or that it contains (`statefulset-headless-service` for `headless-service`, `max`
 * for `maximum`). Undefined when nothing fits.
 *
 * @example closestName("storage-clas", ["storage-class", "storage-request"]) // "storage-class"
 */
export function closestName(unknown: string, known: readonly string[]): string | undefined {
  const lower = unknown.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(lower, name.toLowerCase());
    if (!best || distance < best.distance) best = { name, distance };
  }
  const tolerance = Math.max(2, Math.floor(unknown.length / 3));
  if (best && best.distance <= tolerance) return best.name;
  const overlapping = known.filter((name) => {
    const other = name.toLowerCase();
    return Math.min(lower.length, other.length) >= 3 && (other.includes(lower) || lower.includes(other));
  });
  return overlapping.length === 1 ? overlapping[0] : undefined;
}
