import { type FieldError, formatFieldError } from "../k8s/field.js";
import type { Action } from "./types.js";

export interface Finding {
  ruleId: string;
  action: Exclude<Action, "off">;
  error: FieldError;
}

/** The API server truncates each warning beyond this length. */
export const maxWarningLength = 256;

/** One line in Kubernetes' field-error style, ending with the rule id: `spec.serviceName: Not found: "x": ... [rule]`. */
export function formatFinding(finding: Finding, maxLength = Number.POSITIVE_INFINITY): string {
  const tag = ` [${finding.ruleId}]`;
  let body = formatFieldError(finding.error);
  if (body.length + tag.length > maxLength) body = `${body.slice(0, maxLength - tag.length - 3)}...`;
  return body + tag;
}
