/**
 * The warnings of an admission answer, shaped so that they reach the user. The API server cuts each warning at 256
 * characters, and once the warnings of one request pass 4,096 characters in total it cuts every one to 256 and drops
 * the rest (k8s.io/apiserver `filters/warning.go`: `truncateItemRunes`, `truncateAtTotalRunes`). That total is shared
 * by everything that warns on the request: the API server itself (a deprecated apiVersion, unknown fields under
 * `fieldValidation=Warn`), PodSecurity admission (its "would violate PodSecurity" warning on a pod template),
 * every other webhook, and both of Stateward's webhooks, since /mutate and /validate see the same request.
 *
 * So the findings are grouped (one warning per rule and field pattern, naming the items, as PodSecurity writes
 * `containers "a", "b" must set ...`), ordered by importance, and cut to a budget with a closing line that says how
 * many were left out. The full text of every finding stays in `stateward check` and in the review's log line.
 */
import { describeChange, type FieldChange } from "../engine/change.js";
import { defaultsChanges } from "../engine/mutate.js";
import { type Finding, maxWarningLength } from "../engine/finding.js";
import { FieldErrorType, formatFieldError, type PathSegment, sameFieldError } from "../k8s/field.js";
import { checks } from "../rules/index.js";

/**
 * Characters of warnings /validate adds to one request. With /mutate's 1,000 Stateward takes at most 3,000 of the API
 * server's 4,096, and leaves 1,096 (four warnings of the longest kind) to the API server, PodSecurity and other
 * webhooks: a warning that pushes the total past 4,096 is dropped, whoever sent it, so a webhook that used it all up
 * would silence the others.
 */
export const validateWarningBudget = 2_000;

/** Characters of warnings /mutate adds to one request: skipped defaults and, when the policy asks, each change. */
export const mutateWarningBudget = 1_000;

/** Items named in a grouped warning before "and N more". */
const maxNamedItems = 3;
const maxItemName = 40;

/**
 * Importance, most important first; the order in which the warnings are kept when the budget runs out:
 * 0. "could not verify" (type Unverified): a check that did not run, so silence on what it checks means nothing;
 * 1. findings of a rule whose default action is deny, here only a warning because the policy or the rule softened it
 *    (a storage class that does not exist, a claim the pods cannot use): the object, as written, will not work;
 * 2. the advice of warn rules (a Service that is not headless, a probe, anti-affinity, a disruption budget), in the
 *    registry's order, which lists the Service and storage checks before probe and placement advice.
 * Within a rank, findings keep the rules' order.
 */
const defaultActions = new Map(checks.map((check) => [check.id, check.defaultAction]));
function importance(finding: Finding): number {
  if (finding.error.type === FieldErrorType.Unverified) return 0;
  return defaultActions.get(finding.ruleId) === "deny" ? 1 : 2;
}

interface Line {
  text: string;
  /** The findings (or changes) the line stands for, counted in the closing line when it is left out. */
  count: number;
}

/**
 * The warnings of /validate for `findings`, reviewed on `object` (the request's object, to name the items of a
 * group): grouped, most important first, each within 256 characters, all within `budget`.
 *
 * @example validationWarnings(result.warnings, request.object)
 *   // ['spec.template.spec.containers[*].readinessProbe: Required value: ... (containers "app", "sidecar") [statefulset-readiness-probe]']
 */
export function validationWarnings(findings: readonly Finding[], object: unknown, budget = validateWarningBudget): string[] {
  const ranked = groupAlike(findings)
    .map((group, order) => ({ group, order, rank: importance(group[0]!) }))
    .sort((a, b) => a.rank - b.rank || a.order - b.order);
  const lines = ranked.map(({ group }) => ({ text: groupWarning(group, object), count: group.length }));
  return withinBudget(lines, budget, "run stateward check");
}

/** Findings alike but for the list item they are about: the same rule, pattern, type, value and detail. */
function groupAlike(findings: readonly Finding[]): Finding[][] {
  // Only findings of one rule can be alike: with one finding per rule (the usual answer), each is its own group, and
  // none needs comparing.
  const rules = new Set(findings.map((f) => f.ruleId));
  if (rules.size === findings.length) return findings.map((finding) => [finding]);
  const groups: Finding[][] = [];
  for (const finding of findings) {
    const alike = ([first]: Finding[]) => first!.ruleId === finding.ruleId && sameFieldError(first!.error, finding.error, { anyIndex: true });
    const group = groups.find(alike);
    if (group) group.push(finding);
    else groups.push([finding]);
  }
  return groups;
}

/**
 * The warnings of /mutate: each skipped default first (a change the user expected did not happen), then each change a
 * default made (`set <field> to <value> [<default-id>]`); the annotation that records them is no default's change.
 */
export function mutationWarnings(skipped: readonly string[], changes: readonly FieldChange[], budget = mutateWarningBudget): string[] {
  const lines = [...skipped, ...defaultsChanges(changes).map(describeChange)].map((text) => ({ text: clip(text, maxWarningLength), count: 1 }));
  return withinBudget(lines, budget, "run stateward mutate");
}

/** The lines in order while they fit; then one closing line, itself within the budget, counting what was left out. */
export function withinBudget(lines: readonly Line[], budget: number, remedy: string): string[] {
  const total = (items: readonly Line[]) => items.reduce((sum, line) => sum + line.text.length, 0);
  if (total(lines) <= budget) return lines.map((line) => line.text);
  const closing = (count: number) => `and ${count} more: ${remedy}`;
  const room = budget - closing(lines.reduce((sum, line) => sum + line.count, 0)).length;
  const kept: string[] = [];
  let used = 0;
  let shown = 0;
  // Stop at the first line that does not fit rather than skip it: what is left out is always the least important.
  for (const line of lines) {
    if (used + line.text.length > room) break;
    kept.push(line.text);
    used += line.text.length;
    shown++;
  }
  const leftOut = lines.slice(shown).reduce((sum, line) => sum + line.count, 0);
  return [...kept, closing(leftOut)];
}

function groupWarning(group: readonly Finding[], object: unknown): string {
  const first = group[0]!;
  const tag = ` [${first.ruleId}]`;
  const path = first.error.path;
  // Findings alike on a path through no list are one finding reported twice (the API server would drop the copy).
  if (group.length === 1 || !path.segments.some((s) => s.type === "index")) return clipBody(formatFieldError(first.error), tag);
  const items = group.map((finding) => itemLabel(finding.error.path.segments, object));
  const named = items.slice(0, maxNamedItems).map((name) => JSON.stringify(clip(name, maxItemName)));
  const rest = items.length - named.length;
  const listing = ` (${listNoun(path.segments)} ${named.join(", ")}${rest > 0 ? ` and ${rest} more` : ""})`;
  return clipBody(formatFieldError(first.error, path.pattern()), listing + tag);
}

/** `body` cut with "..." so that `body + suffix` fits in one warning. */
function clipBody(body: string, suffix: string): string {
  return clip(body, maxWarningLength - suffix.length) + suffix;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, Math.max(0, max - 3))}...` : text;
}

/** What the items are: the list field of the path's last index (`containers`), or "items" for an unnamed list. */
function listNoun(segments: readonly PathSegment[]): string {
  const last = segments.findLastIndex((s) => s.type === "index");
  const list = segments[last - 1];
  return list?.type === "name" ? list.name : "items";
}

/**
 * The item of the object a path runs through, by name: for each list index, the element's `name` (a container) or
 * `metadata.name` (a claim template), else the index; joined with "/" for a path through nested lists.
 */
function itemLabel(segments: readonly PathSegment[], object: unknown): string {
  const names: string[] = [];
  let node: unknown = object;
  for (const segment of segments) {
    const parent = node;
    node = step(parent, segment);
    if (segment.type === "index") names.push(nameOf(node) ?? `[${segment.index}]`);
  }
  return names.join("/");
}

function step(node: unknown, segment: PathSegment): unknown {
  if (segment.type === "index") return Array.isArray(node) ? node[segment.index] : undefined;
  if (node === null || typeof node !== "object" || Array.isArray(node)) return undefined;
  const key = segment.type === "name" ? segment.name : segment.key;
  return Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined;
}

function nameOf(item: unknown): string | undefined {
  if (item === null || typeof item !== "object") return undefined;
  const { name, metadata } = item as { name?: unknown; metadata?: { name?: unknown } };
  if (typeof name === "string" && name !== "") return name;
  const metadataName = metadata !== null && typeof metadata === "object" ? metadata.name : undefined;
  return typeof metadataName === "string" && metadataName !== "" ? metadataName : undefined;
}
