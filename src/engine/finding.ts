import { type FieldError, formatFieldError } from "../k8s/field.js";
import type { Action } from "./types.js";

export interface Finding {
  ruleId: string;
  action: Exclude<Action, "off">;
  error: FieldError;
}

/** The API server truncates each warning beyond this length (k8s.io/apiserver `filters/warning.go`). */
export const maxWarningLength = 256;

/** One line in Kubernetes' field-error style, ending with the rule id: `spec.serviceName: Not found: "x": ... [rule]`. */
export function formatFinding(finding: Finding): string {
  return `${formatFieldError(finding.error)} [${finding.ruleId}]`;
}
