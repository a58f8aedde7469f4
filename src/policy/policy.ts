/**
 * The policy document: per-rule actions and parameters, defaults, exemptions and per-namespace overrides. Parsed
 * once with zod; every namespace's effective settings are resolved at load time so admission only looks them up.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument as parseYamlDocument } from "yaml";
import * as z from "zod";
import { defaults as defaultRegistry } from "../defaults/index.js";
import type { Action, Default, ParamsSchema, Policy, Rule, ScopePolicy } from "../engine/types.js";
import { apiServerRules } from "../rules/apiserver/index.js";
import { builtInChecks, rules as ruleRegistry } from "../rules/index.js";
import { fieldPathOf } from "../k8s/field.js";
import { closestName } from "../k8s/names.js";
import { keysAt } from "./suggest.js";
import { refusedKey } from "../k8s/refused-key.js";

const actionSchema = z.enum(["deny", "warn", "off"]);

function rulesSection(rules: readonly Rule[]) {
  return z.strictObject(
    Object.fromEntries(
      rules.map((rule) => [rule.id, rule.params.safeExtend({ action: actionSchema.optional() }).strict().nullish()]),
    ),
  );
}

function defaultsSection(defaults: readonly Default[]) {
  return z.strictObject({
    overrideBuiltinDefaults: z.boolean().optional(),
    warnings: z.boolean().optional(),
    annotate: z.boolean().optional(),
    ...Object.fromEntries(
      defaults.map((d) => [d.id, d.params.safeExtend({ enabled: z.boolean().optional() }).strict().nullish()]),
    ),
  });
}

export function policyDocumentSchema(rules: readonly Rule[] = ruleRegistry, defaults: readonly Default[] = defaultRegistry) {
  // A YAML key whose children are all commented out reads as null; treat it as absent, like kubectl does.
  const scope = { rules: rulesSection(rules).nullish(), defaults: defaultsSection(defaults).nullish() };
  return z.strictObject({
    apiVersion: z.literal("stateward.dev/v1alpha1").optional(),
    kind: z.literal("Policy").optional(),
    ...scope,
    exemptions: z
      .strictObject({
        namespaces: z.array(z.string()).optional(),
        users: z.array(z.string()).optional(),
        groups: z.array(z.string()).optional(),
        denyRules: z.boolean().optional(),
      })
      .nullish(),
    namespaces: z.record(z.string(), z.strictObject(scope).nullish()).nullish(),
    clusterView: z.strictObject({ timeoutMs: z.number().int().min(1).max(10_000).optional() }).nullish(),
  });
}

export type PolicyDocument = z.input<ReturnType<typeof policyDocumentSchema>>;

/** A loaded policy, or why not: one line for logs and probes, and each problem with its line for `policy lint`. */
export type PolicyState = { ok: true; policy: Policy } | { ok: false; error: string; problems: PolicyProblem[] };

type Section = Record<string, Record<string, unknown> | boolean | undefined>;

function mergeScope(top: Section, override: Section | undefined): Section {
  if (!override) return top;
  const merged: Section = { ...top };
  for (const [key, value] of Object.entries(override)) {
    const base = merged[key];
    merged[key] =
      typeof value === "object" && value && typeof base === "object" && base ? { ...base, ...value } : value;
  }
  return merged;
}

/**
 * Parameters as one scope sees them. A namespace's override merges into the top level's, so a merge can make values
 * that are each valid contradict each other (min above max): the error names the scope where they meet.
 */
function scopeParams(schema: ParamsSchema, params: Record<string, unknown>, path: string[]): z.output<ParamsSchema> {
  const parsed = schema.safeParse(params);
  if (!parsed.success) {
    throw new PolicyError(parsed.error.issues.map((issue) => ({ path: [...path, ...issue.path], message: issue.message })));
  }
  return parsed.data;
}

function buildScope(
  rulesInput: Section,
  defaultsInput: Section,
  rules: readonly Rule[],
  defaults: readonly Default[],
  scopePath: string[],
): ScopePolicy {
  return {
    rules: rules.map((rule) => {
      const { action, ...params } = (rulesInput[rule.id] as Record<string, unknown> | undefined) ?? {};
      return {
        rule,
        action: (action as Action | undefined) ?? rule.defaultAction,
        params: scopeParams(rule.params, params, [...scopePath, "rules", rule.id]),
      };
    }),
    defaults: defaults.map((d) => {
      const { enabled, ...params } = (defaultsInput[d.id] as Record<string, unknown> | undefined) ?? {};
      return {
        default: d,
        enabled: (enabled as boolean | undefined) ?? d.enabledByDefault,
        params: scopeParams(d.params, params, [...scopePath, "defaults", d.id]),
      };
    }),
    overrideBuiltinDefaults: (defaultsInput.overrideBuiltinDefaults as boolean | undefined) ?? true,
    warnings: (defaultsInput.warnings as boolean | undefined) ?? true,
    annotate: (defaultsInput.annotate as boolean | undefined) ?? true,
  };
}

export const defaultClusterViewTimeoutMs = 1000;

/** The checks no `stateward.dev/ignore-<rule-id>` annotation exempts from, and why. */
export const unexemptableChecks: ReadonlyMap<string, string> = new Map([
  ...builtInChecks.map((check) => [check.id, "it is a built-in check, which no policy or annotation switches off"] as const),
  ...apiServerRules.map((rule) => [rule.id, "the API server itself rejects what it finds, whatever the annotations say"] as const),
]);

/**
 * An absent or empty document (no --policy, a blank file) has nothing to validate, so its schema, one object schema
 * per rule and default and the slowest step of a one-file `stateward check`, is not built for it.
 */
function isEmpty(document: unknown): boolean {
  return document === undefined || document === null || (typeof document === "object" && !Array.isArray(document) && Object.keys(document).length === 0);
}

function parseDocument(document: unknown, rules: readonly Rule[], defaults: readonly Default[]): z.output<ReturnType<typeof policyDocumentSchema>> {
  const schema = policyDocumentSchema(rules, defaults);
  const parsed = schema.safeParse(document);
  if (!parsed.success) throw new PolicyError(describeIssues(schema, parsed.error.issues));
  return parsed.data;
}

/** Builds a policy from an already parsed document (an object), throwing a PolicyError on any invalid field. */
export function buildPolicy(
  document: unknown,
  rules: readonly Rule[] = ruleRegistry,
  defaults: readonly Default[] = defaultRegistry,
): Policy {
  const doc = isEmpty(document) ? {} : parseDocument(document, rules, defaults);
  // Resolve from the input, not the parsed output, so that a namespace override only replaces what it names.
  const input = (document ?? {}) as {
    rules?: Section | null;
    defaults?: Section | null;
    namespaces?: Record<string, { rules?: Section | null; defaults?: Section | null } | null> | null;
  };
  const topRules = input.rules ?? {};
  const topDefaults = input.defaults ?? {};
  const global = buildScope(topRules, topDefaults, rules, defaults, []);
  const byNamespace = new Map<string, ScopePolicy>();
  for (const [namespace, scope] of Object.entries(input.namespaces ?? {})) {
    byNamespace.set(
      namespace,
      buildScope(
        mergeScope(topRules, scope?.rules ?? undefined),
        mergeScope(topDefaults, scope?.defaults ?? undefined),
        rules,
        defaults,
        ["namespaces", namespace],
      ),
    );
  }
  const exemptNamespaces = new Set(doc.exemptions?.namespaces ?? ["kube-system"]);
  const exemptUsers = new Set(doc.exemptions?.users ?? []);
  const exemptGroups = new Set(doc.exemptions?.groups ?? []);
  return {
    objectExemptions: { denyRules: doc.exemptions?.denyRules ?? true, unexemptable: unexemptableChecks },
    forNamespace: (namespace) => byNamespace.get(namespace) ?? global,
    exemption(namespace, user) {
      if (exemptNamespaces.has(namespace)) return `namespace ${JSON.stringify(namespace)} is exempt`;
      if (user?.username && exemptUsers.has(user.username)) return `user ${JSON.stringify(user.username)} is exempt`;
      const group = user?.groups?.find((g) => exemptGroups.has(g));
      if (group) return `group ${JSON.stringify(group)} is exempt`;
      return undefined;
    },
    clusterViewTimeoutMs: doc.clusterView?.timeoutMs ?? defaultClusterViewTimeoutMs,
  };
}

/** One thing wrong with a policy document: where (keys from the document's root) and what. */
export interface PolicyProblem {
  path: PropertyKey[];
  message: string;
  /** For an unknown field: its name, a child of `path`. */
  unknownKey?: string;
  /** 1-based line in the document's text, when the problem has a place in it. */
  line?: number;
}

export class PolicyError extends Error {
  override name = "PolicyError";
  constructor(readonly problems: PolicyProblem[]) {
    super(problems.map(formatProblem).join("; "));
  }
}

export function formatProblem({ path, message }: PolicyProblem): string {
  return `${fieldPathOf(path)}: ${message}`;
}

/** One problem per issue, and per unknown key, each unknown key with the known name it most likely meant. */
function describeIssues(schema: z.core.$ZodType, issues: readonly z.core.$ZodIssue[]): PolicyProblem[] {
  return issues.flatMap((issue): PolicyProblem[] => {
    const path = [...issue.path];
    if (issue.code !== "unrecognized_keys") return [{ path, message: issue.message }];
    const known = keysAt(schema, path);
    return issue.keys.map((key) => {
      const meant = closestName(key, known);
      return { path, unknownKey: key, message: `unknown field(s) ${key}${meant ? ` (did you mean ${meant}?)` : ""}` };
    });
  });
}

/**
 * The policy document's bounds, checked before any of it is built. The in-cluster overlay mounts the policy from a
 * ConfigMap, which holds at most 1 MiB; a 10 MB policy (330,000 exempt users) took `serve` to 428 MiB, past the
 * in-cluster heap. Each namespace override is resolved into its own copy of every rule's settings at load time.
 */
export const policyLimits = {
  bytes: 1024 * 1024,
  namespaceOverrides: 1000,
  /** Aliases (`*name`) a document may expand: the `yaml` package's own default, which stops a "billion laughs". */
  aliases: 100,
} as const;

/** The size of a text in UTF-8, without encoding it when its length alone decides. */
function exceedsBytes(text: string, limit: number): boolean {
  if (text.length > limit) return true;
  if (text.length * 3 <= limit) return false;
  return new TextEncoder().encode(text).length > limit;
}

function failed(error: string, problems: PolicyProblem[]): PolicyState {
  return { ok: false, error, problems };
}

/** Every `__proto__` key of the document, at any depth, with its path and line. */
function refusedKeys(node: unknown, path: PropertyKey[], lines: LineCounter): PolicyProblem[] {
  if (isMap(node)) {
    return node.items.flatMap((pair) => {
      if (!isPair(pair) || !isScalar(pair.key)) return [];
      const key = String(pair.key.value);
      if (key !== refusedKey) return refusedKeys(pair.value, [...path, key], lines);
      const offset = pair.key.range?.[0];
      return [
        {
          path: [...path, key],
          message: `Forbidden: a "${refusedKey}" key is not accepted (it is no rule, default, namespace, label or policy key)`,
          ...(offset === undefined ? {} : { line: lines.linePos(offset).line }),
        },
      ];
    });
  }
  if (isSeq(node)) return node.items.flatMap((item, i) => refusedKeys(item, [...path, i], lines));
  return [];
}

/**
 * Parses a policy document given as YAML or JSON text; undefined or blank text means the built-in defaults. The one
 * loader of every runtime and of `stateward policy lint`, so what lint passes every server loads, and the reverse.
 */
export function loadPolicy(text: string | undefined): PolicyState {
  if (text === undefined || text.trim() === "") return { ok: true, policy: buildPolicy({}) };
  if (exceedsBytes(text, policyLimits.bytes)) {
    const message = `the document is larger than ${policyLimits.bytes} bytes (1 MiB, what a ConfigMap holds), the limit of a policy`;
    return failed(`invalid policy: ${message}`, [{ path: [], message }]);
  }
  const lines = new LineCounter();
  const document = parseYamlDocument(text, { lineCounter: lines, prettyErrors: false });
  if (document.errors.length > 0) {
    const problems = document.errors.map((error) => ({
      path: [],
      message: `not valid YAML or JSON: ${error.message.split("\n")[0]}`,
      line: lines.linePos(error.pos[0]).line,
    }));
    return failed(`policy is ${problems.map((p) => p.message).join("; ")}`, problems);
  }
  const locate = (problem: PolicyProblem): PolicyProblem => {
    if (problem.line !== undefined) return problem;
    const node = nodeAt(document.contents, problem.unknownKey === undefined ? problem.path : [...problem.path, problem.unknownKey]);
    const offset = node?.range?.[0];
    return offset === undefined ? problem : { ...problem, line: lines.linePos(offset).line };
  };
  const invalid = (problems: PolicyProblem[]) => failed(`invalid policy: ${problems.map(formatProblem).join("; ")}`, problems.map(locate));
  const refused = refusedKeys(document.contents, [], lines);
  if (refused.length > 0) return invalid(refused);
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: policyLimits.aliases });
  } catch (error) {
    // The yaml package throws a ReferenceError when aliases expand past maxAliasCount.
    const message = error instanceof ReferenceError
      ? `cannot be read: its aliases (*name) expand more than ${policyLimits.aliases} times; write the values out`
      : `cannot be read: ${(error as Error).message}`;
    return failed(`policy ${message}`, [{ path: [], message }]);
  }
  const namespaces = (value as { namespaces?: unknown } | null)?.namespaces;
  if (typeof namespaces === "object" && namespaces !== null && Object.keys(namespaces).length > policyLimits.namespaceOverrides) {
    const count = Object.keys(namespaces).length;
    return invalid([{ path: ["namespaces"], message: `${count} namespace overrides; the limit is ${policyLimits.namespaceOverrides}` }]);
  }
  try {
    return { ok: true, policy: buildPolicy(value) };
  } catch (error) {
    if (error instanceof PolicyError) return invalid(error.problems);
    return failed(`invalid policy: ${(error as Error).message}`, [{ path: [], message: (error as Error).message }]);
  }
}

/**
 * The node closest to `path`: the key of a map entry (that is where a reader looks for a misspelt key), or the item
 * of a list; the deepest node found when the path leaves the document (a missing required field).
 */
function nodeAt(root: unknown, path: readonly PropertyKey[]): Node | undefined {
  let current = root as Node | null | undefined;
  let found: Node | undefined = current ?? undefined;
  for (const segment of path) {
    if (isMap(current)) {
      const pair = current.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) return found;
      found = (pair.key as Node | null) ?? found;
      current = pair.value as Node | null;
    } else if (isSeq(current) && typeof segment === "number") {
      current = current.items[segment] as Node | null;
      if (!current) return found;
      found = current;
    } else {
      return found;
    }
  }
  return found;
}
