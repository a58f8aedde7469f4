/**
 * Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource): `1Gi`, `500M`, `1.5Ti`, `2e3`, `100m`.
 * Parsed to a number of base units; exact enough for comparing storage sizes.
 */

const quantityPattern = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const binarySuffixes: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const decimalSuffixes: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** Returns the quantity's value in base units, or undefined when `text` is not a valid Kubernetes quantity. */
export function parseQuantity(text: string | number): number | undefined {
  if (typeof text === "number") return Number.isFinite(text) ? text : undefined;
  const match = quantityPattern.exec(text.trim() === text ? text : "");
  if (!match) return undefined;
  const [, digits, suffix = ""] = match;
  const base = Number(digits);
  if (!Number.isFinite(base)) return undefined;
  let multiplier: number;
  if (suffix in binarySuffixes) multiplier = binarySuffixes[suffix]!;
  else if (suffix in decimalSuffixes) multiplier = decimalSuffixes[suffix]!;
  else multiplier = 10 ** Number(suffix.slice(1));
  const value = base * multiplier;
  return Number.isFinite(value) ? value : undefined;
}

const decimalSpelling: Record<string, string> = { k: "k", m: "M", g: "G", t: "T", p: "P", e: "E" };
/** A size written the way people write sizes elsewhere: `10GB`, `10 Gi`, `10gb`, `1.5TiB`, `500Mb`. */
const familiarSize = /^\s*(\d+(?:\.\d+)?)\s*([kmgtpe])(i?)(b?)\s*$/i;

/**
 * The quantities someone most likely meant by a text that is not one, for example ["10G", "10Gi"] for `10GB`:
 * the decimal and the binary suffix when the text does not say which, only the binary one for `GiB`. Empty when the
 * text is a valid quantity or nothing close to one.
 */
export function quantitySuggestions(text: string): string[] {
  if (parseQuantity(text) !== undefined) return [];
  const match = familiarSize.exec(text);
  if (!match) return [];
  const [, digits, unit, binary] = match as unknown as [string, string, string, string];
  const decimal = `${digits}${decimalSpelling[unit.toLowerCase()]}`;
  const twos = `${digits}${unit.toUpperCase()}i`;
  return binary ? [twos] : [decimal, twos];
}

/** Kubernetes' own suffixes, by the byte unit people write with them: `GB` is `G`, `GiB` is `Gi`. */
const byteUnit = /^\s*(\d+(?:\.\d+)?)\s*(k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)B?\s*$/;

/**
 * The one quantity a text that is not one can only mean, or undefined. That is a suffix of Kubernetes' grammar written
 * in its own case, followed by a B or set apart by spaces: `10GB` is `10G` (SI gigabytes), `1.5TiB` is `1.5Ti`,
 * `10 Gi` is `10Gi`. The grammar is case-sensitive (`m` is milli, `M` mega), so a letter in another case says nothing
 * certain: `10gb`, `10g` and `10KB` (1000 or 1024 bytes) could each mean two quantities.
 *
 * @example quantityMeant("10GB") // "10G"
 */
export function quantityMeant(text: string): string | undefined {
  if (parseQuantity(text) !== undefined) return undefined;
  const match = byteUnit.exec(text);
  if (!match) return undefined;
  const meant = `${match[1]}${match[2]}`;
  return parseQuantity(meant) === undefined ? undefined : meant;
}
