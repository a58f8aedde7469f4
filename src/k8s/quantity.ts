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
