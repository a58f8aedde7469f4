/**
 * Field paths and field errors in the shape of k8s.io/apimachinery's `field` package, so every finding reads like the
 * API server's own messages: `spec.volumeClaimTemplates[0].metadata.name: Invalid value: "WWW": ...`.
 */
import { semanticEqual } from "./semantic.js";

/** One step of a field path: a property name, a list index, or a map key (`metadata.labels[app]`). */
export type PathSegment =
  | { readonly type: "name"; readonly name: string }
  | { readonly type: "index"; readonly index: number }
  | { readonly type: "key"; readonly key: string };

/**
 * A path from an object's root to one of its fields, kept as segments like apimachinery's `field.Path`: whoever needs
 * the field (the CLI's locator, a test) walks the segments; only `toString()` renders it for people.
 *
 * @example FieldPath.root("spec", "volumeClaimTemplates").index(0).child("metadata", "name").toString()
 *   // "spec.volumeClaimTemplates[0].metadata.name"
 */
export class FieldPath {
  #segments: readonly PathSegment[] | undefined;

  /**
   * A linked list like apimachinery's: a child points at its parent, so building a path copies nothing. Rules build
   * paths for every field they look at, and most of those never become a finding.
   */
  private constructor(
    private readonly parent: FieldPath | undefined,
    private readonly last: PathSegment | undefined,
  ) {}

  private static readonly empty = new FieldPath(undefined, undefined);

  static root(...names: string[]): FieldPath {
    return FieldPath.empty.child(...names);
  }

  /** The steps from the root, in order. */
  get segments(): readonly PathSegment[] {
    if (this.#segments === undefined) {
      const segments: PathSegment[] = [];
      for (let path: FieldPath = this; path.last !== undefined; path = path.parent!) segments.push(path.last);
      this.#segments = segments.reverse();
    }
    return this.#segments;
  }

  child(...names: string[]): FieldPath {
    let path: FieldPath = this;
    for (const name of names) path = new FieldPath(path, { type: "name", name });
    return path;
  }

  index(i: number): FieldPath {
    return new FieldPath(this, { type: "index", index: i });
  }

  /** A map key, as Kubernetes renders it: `metadata.labels[app.kubernetes.io/name]`. */
  key(k: string): FieldPath {
    return new FieldPath(this, { type: "key", key: k });
  }

  /**
   * Whether `other` is the same field, step by step; with `anyIndex`, the same field of any list items (the paths of
   * one `pattern()`). Compared as segments, not as text: a map key `0` and a list index 0 both render as `[0]`.
   */
  equals(other: FieldPath, { anyIndex = false } = {}): boolean {
    if (this === other) return true;
    const mine = this.segments;
    const theirs = other.segments;
    return mine.length === theirs.length && mine.every((segment, i) => sameSegment(segment, theirs[i]!, anyIndex));
  }

  /** `field.Path.String()`'s rendering; the object itself is `<root>`. */
  toString(): string {
    return this.render(false);
  }

  /**
   * The path with every list index as `*`, the field of every item, as PodSecurity's aggregated warnings write it:
   * `spec.template.spec.containers[*].readinessProbe`.
   */
  pattern(): string {
    return this.render(true);
  }

  private render(anyIndex: boolean): string {
    const { segments } = this;
    if (segments.length === 0) return "<root>";
    let out = "";
    for (const segment of segments) {
      if (segment.type === "name") out = out === "" ? segment.name : `${out}.${segment.name}`;
      else out += `[${segment.type === "key" ? segment.key : anyIndex ? "*" : segment.index}]`;
    }
    return out;
  }

}

function sameSegment(a: PathSegment, b: PathSegment, anyIndex: boolean): boolean {
  if (a.type === "name") return b.type === "name" && a.name === b.name;
  if (a.type === "key") return b.type === "key" && a.key === b.key;
  return b.type === "index" && (anyIndex || a.index === b.index);
}

/**
 * The field a zod issue is about: zod's `issue.path` (property names and list indices) as a FieldPath, so that a
 * schema's complaint names its field as every finding does, `spec.containers[0].name`.
 *
 * @example `${fieldPathOf(issue.path)}: ${issue.message}` // "request.object.spec.containers[0].name: Invalid input"
 */
export function fieldPathOf(path: readonly PropertyKey[]): FieldPath {
  let fieldPath = FieldPath.root();
  for (const segment of path) fieldPath = typeof segment === "number" ? fieldPath.index(segment) : fieldPath.child(String(segment));
  return fieldPath;
}

/** The closed set of error types of `field.ErrorType`, with Kubernetes' own wording. */
export const FieldErrorType = {
  Required: "Required value",
  Invalid: "Invalid value",
  NotFound: "Not found",
  NotSupported: "Unsupported value",
  Forbidden: "Forbidden",
  TooLong: "Too long",
  Duplicate: "Duplicate value",
  Internal: "Internal error",
  /**
   * Not an error: what a change will do, in the form of the API server's own warnings (pkg/api/pod/warnings.go writes
   * `<path>: <message>`), so it is rendered without its type.
   */
  Warning: "Warning",
  /**
   * Not a fault of the object: a check Stateward could not make (a lookup in a cluster view that is not synced, stale
   * or off). Rendered without its type, `<path>: could not verify ...`: `Internal error` is Kubernetes' word for a
   * failure of the server, and a user reading it takes the webhook for broken.
   */
  Unverified: "Unverified",
} as const;
export type FieldErrorType = (typeof FieldErrorType)[keyof typeof FieldErrorType];

/** Types that are no field error of Kubernetes' own, so the rendering leaves the type out. */
const rendersWithoutType = new Set<FieldErrorType>([FieldErrorType.Warning, FieldErrorType.Unverified]);

/** Types that print the offending value after the type, as `field.Error.Error()` does. */
const showsValue = new Set<FieldErrorType>([
  FieldErrorType.Invalid,
  FieldErrorType.NotFound,
  FieldErrorType.NotSupported,
  FieldErrorType.Duplicate,
]);

export interface FieldError {
  path: FieldPath;
  type: FieldErrorType;
  value?: unknown;
  detail: string;
}

/**
 * Whether two errors report the same problem: the same field (with `anyIndex`, of any list items), type, value and
 * detail. Compared as data, never as rendered text, which cuts long values and cannot tell `null` from a missing value.
 */
export function sameFieldError(a: FieldError, b: FieldError, options: { anyIndex?: boolean } = {}): boolean {
  return a.type === b.type && a.detail === b.detail && semanticEqual(a.value, b.value) && a.path.equals(b.path, options);
}

const maxRenderedValue = 64;

export function renderValue(value: unknown): string {
  let text: string;
  if (value === undefined) text = "null";
  else if (typeof value === "string") text = JSON.stringify(value);
  else if (typeof value === "number" || typeof value === "boolean" || value === null) text = String(value);
  else {
    try {
      text = JSON.stringify(value) ?? "null";
    } catch {
      text = "<unprintable>";
    }
  }
  return text.length > maxRenderedValue ? `${text.slice(0, maxRenderedValue - 3)}...` : text;
}

/** `field.Error.Error()`'s rendering; `renderedPath` replaces the path's own rendering (a pattern of several paths). */
export function formatFieldError(error: FieldError, renderedPath = error.path.toString()): string {
  if (rendersWithoutType.has(error.type)) return `${renderedPath}: ${error.detail}`;
  let text = `${renderedPath}: ${error.type}`;
  if (showsValue.has(error.type)) text += `: ${renderValue(error.value)}`;
  if (error.detail) text += `: ${error.detail}`;
  return text;
}

export const required = (path: FieldPath, detail: string): FieldError => ({ path, type: FieldErrorType.Required, detail });
export const invalid = (path: FieldPath, value: unknown, detail: string): FieldError => ({
  path,
  type: FieldErrorType.Invalid,
  value,
  detail,
});
export const notFound = (path: FieldPath, value: unknown, detail: string): FieldError => ({
  path,
  type: FieldErrorType.NotFound,
  value,
  detail,
});
export const notSupported = (path: FieldPath, value: unknown, supported: readonly string[], detail = ""): FieldError => ({
  path,
  type: FieldErrorType.NotSupported,
  value,
  detail: [`supported values: ${supported.map((s) => JSON.stringify(s)).join(", ")}`, detail].filter(Boolean).join("; "),
});
export const forbidden = (path: FieldPath, detail: string): FieldError => ({ path, type: FieldErrorType.Forbidden, detail });
export const tooLong = (path: FieldPath, max: number, detail = ""): FieldError => ({
  path,
  type: FieldErrorType.TooLong,
  detail: [`may not be more than ${max} bytes`, detail].filter(Boolean).join("; "),
});
/** What a change will do, as the API server words its warnings: `spec.template: ...`. */
export const warning = (path: FieldPath, detail: string): FieldError => ({ path, type: FieldErrorType.Warning, detail });
/** A check Stateward could not make (a lookup that failed), not a fault of the object: `could not verify <what>: <why>`. */
export const unverified = (path: FieldPath, what: string, reason: string): FieldError => ({
  path,
  type: FieldErrorType.Unverified,
  detail: `could not verify ${what}: ${reason}`,
});
export const duplicate = (path: FieldPath, value: unknown, detail = ""): FieldError => ({
  path,
  type: FieldErrorType.Duplicate,
  value,
  detail,
});
