/**
 * Equality of decoded objects as apimachinery's semantic equality sees it: Go's zero values and nil or empty
 * collections compare equal, and resource quantities compare by value (1Gi equals 1024Mi). Erring towards "equal"
 * only ever leaves a judgement to the API server or the controller themselves.
 */
import { parseQuantity } from "./quantity.js";

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === "" || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  return isRecord(v) && Object.keys(v).length === 0;
}

/** Resource lists hold quantities. */
const quantityMaps = new Set(["requests", "limits"]);

export function semanticallyEqual(a: unknown, b: unknown, quantities = false): boolean {
  if (isEmpty(a) && isEmpty(b)) return true;
  if (quantities && (typeof a === "string" || typeof a === "number") && (typeof b === "string" || typeof b === "number")) {
    const x = parseQuantity(a);
    const y = parseQuantity(b);
    if (x !== undefined && y !== undefined) return x === y;
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => semanticallyEqual(x, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      if (!semanticallyEqual(a[k], b[k], quantities || quantityMaps.has(k))) return false;
    }
    return true;
  }
  return a === b;
}
