import type * as z from "zod";
import type { ClusterView } from "../cluster/view.js";
import type { ObjectOf, ReviewedKind } from "../k8s/kinds.js";
import type { FieldError } from "../k8s/field.js";
import type { Change, FieldChange } from "./change.js";

export type Operation = "CREATE" | "UPDATE" | "DELETE" | "CONNECT";
export type Action = "deny" | "warn" | "off";

/**
 * The object under review and, on UPDATE, the stored one, decoded by their kind's schema and narrowed by the kind;
 * `DecodedObjects<"StatefulSet">` is a StatefulSet's.
 */
export type DecodedObjects<K extends ReviewedKind = ReviewedKind> = {
  [k in K]: { kind: k; object: ObjectOf<k>; oldObject: ObjectOf<k> | undefined };
}[K];

/** What a rule's check reads: the object under review, typed for the kinds `K` the rule declares. */
export type RuleInput<P, K extends ReviewedKind = ReviewedKind> = DecodedObjects<K> & {
  operation: Operation;
  /** The namespace of the object under review (the request's, defaulted to "default" offline). */
  namespace: string;
  params: P;
  cluster: ClusterView;
};

/**
 * A rule's finding. An advisory finding is at most a warning whatever the configured action: it reports something
 * that may be fine (a Service not created yet, a lookup that could not be made).
 */
export type RuleIssue = FieldError & { advisory?: boolean };

/**
 * `error` as an advisory finding, or as a plain one when `isAdvisory` is false.
 *
 * @example return [advisory(unverified(path, `Service "${name}"`, reason))];
 */
export function advisory(error: FieldError, isAdvisory = true): RuleIssue {
  // Marked on the error itself, which each constructor of ../k8s/field.ts makes anew: a spread into a new object with
  // one more key cost about a microsecond on Node 20, more than most rules take.
  const issue: RuleIssue = error;
  issue.advisory = isAdvisory;
  return issue;
}

// biome-ignore lint: the parameter schema is any zod object whose fields all have defaults.
export type ParamsSchema = z.ZodObject<any>;

/** What the documentation, SARIF and the README say of every check: the rules, and the built-in checks. */
export interface CheckMetadata {
  id: string;
  /** One line: what the check verifies. */
  summary: string;
  /** Why it matters: what breaks in a cluster when it is ignored. */
  rationale: string;
  /** How to fix a finding. */
  fix: string;
  kinds: readonly ReviewedKind[];
  /** Operations the check runs on; CREATE and UPDATE unless said otherwise. */
  operations?: readonly Operation[];
  defaultAction: Exclude<Action, "off">;
  /** Changes the check judges, shown in docs/rules.md; test/rules/examples.test.ts replays each one. */
  examples?: readonly ChangeExample[];
}

/**
 * One change to a live object and the check's answer, as docs/rules.md shows it. `before` and `after` are YAML
 * fragments: `before` is laid over the example's base object (the StatefulSet `web` of the rollout fixtures: 3 pods
 * of nginx:1.21.6, all Ready on one revision), `after` over `before`, as `stateward plan` lays a manifest over the live
 * object.
 */
export interface ChangeExample {
  title: string;
  before: string;
  after: string;
  /** Other live objects the cluster view holds (PVCs, StorageClasses), as a YAML list; none when left out. */
  cluster?: string;
  /** The finding as the webhook words it, without the rule id; null when the check says nothing. */
  says: string | null;
}

/**
 * A check the pipeline makes itself, before any rule, where no policy can switch it: a rule needs an object it can
 * read. Its findings carry its id as their rule id.
 */
export interface BuiltInCheck extends CheckMetadata {
  /** Where it runs: in every review, or only when `stateward check` reads a manifest file. */
  runs: "always" | "offline";
  /** The fix of a finding, from the manifest's object as written. */
  autofix?: AutoFix<Record<string, unknown>>;
}

/** What fixing one finding takes: changes to the object's fields, and objects to write beside it (a missing Service). */
export interface Repair {
  changes: FieldChange[];
  created?: Record<string, unknown>[];
}

/** A check's fix of one finding: the repair, or why there is none (more than one right answer, for one). */
export type RepairOutcome = Repair | { refused: string };

/**
 * The automatic fix a check carries, which `stateward check --fix` applies. A check has one only where a finding has
 * exactly one right answer; where a finding has several, `of` refuses and says why, and the finding stays.
 */
export interface AutoFix<I> {
  /** What the fix changes, as docs/rules.md says it. */
  summary: string;
  /** The fix of `finding`, a finding the check made of `input`; undefined when the fix does not cover that finding. */
  of(input: I, finding: FieldError): RepairOutcome | undefined | Promise<RepairOutcome | undefined>;
}

export interface Rule<S extends ParamsSchema = ParamsSchema, K extends ReviewedKind = ReviewedKind> extends CheckMetadata {
  /** The kinds the rule reads; the engine runs it on these only, so its check needs no test of the kind. */
  kinds: readonly K[];
  /** Parameters a policy may set, every one with a default. */
  params: S;
  // Method syntax on purpose: a Rule<S, "StatefulSet"> then stands in the registry's Rule[], which the engine only
  // calls with the kinds the rule declares (engine/validate.ts's activeRules).
  check(input: RuleInput<z.output<S>, K>): RuleIssue[] | Promise<RuleIssue[]>;
  /**
   * The same check in CEL, for `stateward export vap`, or why the API server cannot make it. Written beside `check`
   * so that the two change together; test/export/vap-equivalence.test.ts holds them to the same verdict.
   */
  cel?: RuleCel<z.output<S>>;
  /** The fix of some of its findings (`stateward check --fix`); `fix` above says how a person fixes them. */
  autofix?: AutoFix<RuleInput<z.output<S>, K>>;
}

/**
 * One CEL validation of a ValidatingAdmissionPolicy. The expression sees `object`, `oldObject` (null on CREATE),
 * `request` and the policy's `variables`, as the API server binds them.
 */
export interface CelValidation {
  /** True when the object passes. */
  expression: string;
  /** A CEL expression of type string saying what is wrong; the export puts the rule id in front. */
  message: string;
  /** What the rule reports only as advice (an advisory finding): exported to warn whatever the rule's action. */
  advisory?: boolean;
}

/** A rule as ValidatingAdmissionPolicy validations, built from the parameters one policy scope gives it. */
export interface CelExport<P> {
  /** Named expressions the validations read as `variables.<name>`, in order (spec.variables). */
  variables?: readonly { name: string; expression: string }[];
  /** The validations for these parameters (policy parameters become CEL literals). */
  validations(params: P): CelValidation[];
  /** What the webhook still does for this rule that the expressions cannot, said in the exported YAML. */
  webhookOnly?: string;
  /**
   * Estimated CEL cost per evaluation, with the list sizes it assumes (method: the README's ValidatingAdmissionPolicies section): the API server allows
   * 1,000,000 per expression and 10,000,000 per policy binding.
   */
  cost: string;
}

/** A rule's CEL, or why it has none (it looks objects up, or the API server already refuses what it finds). */
export type RuleCel<P> = CelExport<P> | { notExported: string };

/**
 * A rule, its check typed for the kinds it declares.
 *
 * @example defineRule({ id: "x", kinds: ["StatefulSet"], check: ({ object }) => [] , ... }) // object: StatefulSet
 */
export const defineRule = <S extends ParamsSchema, const K extends ReviewedKind>(rule: Rule<S, K>): Rule<S, K> => rule;

/**
 * The API server's built-in default for a field: a JSON value, or a test for fields whose default depends on the
 * cluster's version or feature gates (for example `updateStrategy.rollingUpdate.maxUnavailable`).
 */
export type BuiltinDefault = unknown | ((value: unknown) => boolean);

export interface Provenance {
  /**
   * Whether the user set the field at `path` (property names from the object's root), judged from server-side apply
   * managedFields, the last-applied annotation, or else from `builtinDefault`: a value equal to the API server's
   * built-in default counts as not set when the policy overrides built-in defaults.
   */
  userSet(path: readonly string[], builtinDefault?: BuiltinDefault): boolean;
}

/** What a default's apply reads and changes: the object under review, typed for the kinds `K` the default declares. */
export type DefaultInput<P, K extends ReviewedKind = ReviewedKind> = DecodedObjects<K> & {
  operation: Operation;
  params: P;
  provenance: Provenance;
};

export interface Default<S extends ParamsSchema = ParamsSchema, K extends ReviewedKind = ReviewedKind> {
  id: string;
  summary: string;
  /** The kinds the default changes; the engine applies it to these only. */
  kinds: readonly K[];
  /** Defaults that touch fields the API server makes immutable after creation run on CREATE only. */
  operations: readonly Operation[];
  enabledByDefault: boolean;
  params: S;
  /**
   * The changes this default makes to `input.object`, one per field it sets (none when it has nothing to do). It reads
   * the object and never writes to it: the object shares its parts with the request, and the engine applies the
   * changes, judges them and builds the patch from them.
   */
  // Method syntax on purpose, as Rule's check: the engine calls it with the declared kinds only (engine/mutate.ts).
  apply(input: DefaultInput<z.output<S>, K>): Change[];
}

/** A default, its apply typed for the kinds it declares. */
export const defineDefault = <S extends ParamsSchema, const K extends ReviewedKind>(d: Default<S, K>): Default<S, K> => d;

/** A rule as a policy scope runs it: its action and its parameters, already checked against its schema. */
export interface ResolvedRule {
  rule: Rule;
  action: Action;
  params: z.output<ParamsSchema>;
}

export interface ResolvedDefault {
  default: Default;
  enabled: boolean;
  params: z.output<ParamsSchema>;
}

/** The engine's input: what one namespace's policy runs. src/policy/ builds it from the policy document. */
export interface ScopePolicy {
  rules: ResolvedRule[];
  defaults: ResolvedDefault[];
  overrideBuiltinDefaults: boolean;
  /** Report each applied default as a warning. */
  warnings: boolean;
  /** Record the applied default ids in the `stateward.dev/defaulted` annotation. */
  annotate: boolean;
}

/** Who makes a request, as far as exemptions care. */
export interface UserInfo {
  username?: string | null;
  groups?: readonly string[] | null;
}

/** What an object's own `stateward.dev/ignore-<rule-id>` annotations may exempt it from. */
export interface ObjectExemptionPolicy {
  /** Whether an annotation may exempt an object from a rule its namespace denies with (`exemptions.denyRules`). */
  denyRules: boolean;
  /** The checks no annotation exempts from, each with why: the built-in checks and the API server's own validation. */
  unexemptable: ReadonlyMap<string, string>;
}

/** A whole policy: each namespace's scope, and who is exempt from it. */
export interface Policy {
  objectExemptions: ObjectExemptionPolicy;
  forNamespace(namespace: string): ScopePolicy;
  /** Why a request is exempt from policy, or undefined. */
  exemption(namespace: string, user: UserInfo | undefined): string | undefined;
  clusterViewTimeoutMs: number;
}
