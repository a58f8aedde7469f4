import type { LabelSelector } from "./objects.js";

/** The fields of a LabelSelector that select: an object's, or a record of the cluster view. */
interface SelectorTerms {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: readonly { key: string; operator: string; values?: readonly string[] | null }[] | null;
}

/** Whether a LabelSelector selects `labels`, as in k8s.io/apimachinery's `LabelSelectorAsSelector`. */
export function selectorMatches(selector: SelectorTerms, labels: Record<string, string> | null | undefined): boolean {
  const have = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (have[key] !== value) return false;
  }
  for (const { key, operator, values } of selector.matchExpressions ?? []) {
    const present = Object.hasOwn(have, key);
    const listed = present && (values ?? []).includes(have[key]!);
    if (operator === "In" && !listed) return false;
    if (operator === "NotIn" && listed) return false;
    if (operator === "Exists" && !present) return false;
    if (operator === "DoesNotExist" && present) return false;
  }
  return true;
}

/** Whether a selector selects nothing at all, which a StatefulSet's selector may not do. */
export function selectorIsEmpty(selector: LabelSelector): boolean {
  return Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}
