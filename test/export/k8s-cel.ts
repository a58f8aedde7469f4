/**
 * A CEL environment as the API server gives ValidatingAdmissionPolicies (k8s.io/apiserver/pkg/cel/environment), on
 * @marcbachmann/cel-js: the standard library with optional types and the strings extension, which cel-js has, plus the
 * Kubernetes library functions the exported expressions use, written here (cel-js has none of them) and tested on the
 * Go library's own examples in k8s-cel.test.ts. Only what the expressions use: quantity(), isQuantity(), and a
 * Quantity's isLessThan, isGreaterThan, compareTo and ==.
 */
import { Environment } from "@marcbachmann/cel-js";

/** apimachinery's wording (resource.ErrFormatWrong). */
const formatWrong = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const binaryExponents: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const decimalExponents: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** A quantity as an exact fraction: numerator / 10^scale (binary suffixes multiply the numerator). */
export class Quantity {
  constructor(
    readonly numerator: bigint,
    readonly scale: bigint,
  ) {}

  compareTo(other: Quantity): number {
    const a = this.numerator * 10n ** other.scale;
    const b = other.numerator * 10n ** this.scale;
    return a < b ? -1 : a > b ? 1 : 0;
  }
}

/**
 * resource.ParseQuantity: a sign, digits with at most one decimal point, then a suffix that is binary (Ki..Ei),
 * decimal SI (n..E) or a decimal exponent (e3, E-2). Throws apimachinery's errors.
 */
export function parseQuantity(text: string): Quantity {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?([eEinumkKMGTP]*[-+]?\d*)$/.exec(text);
  if (!match || (match[2] === "" && (match[3] ?? "") === "")) throw new Error(formatWrong);
  const [, sign, whole, fraction = "", suffix = ""] = match;
  let numerator = BigInt(`${whole}${fraction}` || "0") * (sign === "-" ? -1n : 1n);
  let exponent = -fraction.length;
  if (suffix in binaryExponents) numerator *= 2n ** BigInt(binaryExponents[suffix]!);
  else if (suffix in decimalExponents) exponent += decimalExponents[suffix]!;
  else if (/^[eE][+-]?\d+$/.test(suffix)) exponent += Number(suffix.slice(1));
  else throw new Error("unable to parse quantity's suffix");
  if (exponent >= 0) return new Quantity(numerator * 10n ** BigInt(exponent), 0n);
  return new Quantity(numerator, BigInt(-exponent));
}

function isQuantity(text: string): boolean {
  try {
    parseQuantity(text);
    return true;
  } catch {
    return false;
  }
}

/** The environment every exported expression is evaluated in: object, oldObject, request and variables. */
export function kubernetesCelEnvironment(): Environment {
  return new Environment({ enableOptionalTypes: true, homogeneousAggregateLiterals: false })
    .registerType("Quantity", Quantity)
    .registerVariable("object", "dyn")
    .registerVariable("oldObject", "dyn")
    .registerVariable("request", "dyn")
    .registerVariable("variables", "dyn")
    .registerFunction("quantity(string): Quantity", parseQuantity)
    .registerFunction("isQuantity(string): bool", isQuantity)
    .registerFunction("Quantity.isLessThan(Quantity): bool", (a: Quantity, b: Quantity) => a.compareTo(b) < 0)
    .registerFunction("Quantity.isGreaterThan(Quantity): bool", (a: Quantity, b: Quantity) => a.compareTo(b) > 0)
    .registerFunction("Quantity.compareTo(Quantity): int", (a: Quantity, b: Quantity) => BigInt(a.compareTo(b)))
    .registerOperator("Quantity == Quantity", (a: Quantity, b: Quantity) => a.compareTo(b) === 0);
}

/**
 * An object as the API server hands it to CEL: decoded into its Go type and back, so a null field is absent, and a
 * whole number is an int (cel-js reads a JavaScript number as a double).
 */
export function asApiServerSees(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(asApiServerSees);
  if (typeof value === "number") return Number.isInteger(value) ? BigInt(value) : value;
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => [k, asApiServerSees(v)]),
  );
}
