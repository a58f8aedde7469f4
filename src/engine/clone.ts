/**
 * A deep copy of a value decoded from JSON or YAML (plain objects, arrays and primitives), several times faster than a
 * JSON round trip or structuredClone. /mutate copies each value a default sets into the mutated object with it, so
 * the object never shares a value with the policy's parameters.
 */
export function cloneJson<T>(value: T): T {
  return copy(value) as T;
}

function copy(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copy(value[i]);
    return out;
  }
  const out: Record<string, unknown> = {};
  // for...in rather than Object.keys: a quarter faster, and the same keys for objects JSON or YAML made, whose only
  // prototype is Object.prototype (nothing enumerable of its own).
  for (const key in value) {
    const child = copy((value as Record<string, unknown>)[key]);
    // JSON.parse makes `__proto__` an own key; plain assignment would set the copy's prototype instead.
    if (key === "__proto__") Object.defineProperty(out, key, { value: child, enumerable: true, writable: true, configurable: true });
    else out[key] = child;
  }
  return out;
}
