import { type FieldError, type FieldErrorType, formatFieldError } from "../k8s/field.js";
import type { Action } from "./types.js";

export interface Finding {
  ruleId: string;
  action: Exclude<Action, "off">;
  error: FieldError;
}

/** A finding as plain data, path and error rendered the Kubernetes way: what JSON output and PolicyReports carry. */
export interface RenderedFinding {
  ruleId: string;
  action: "deny" | "warn";
  /** The field path as Kubernetes renders it. */
  path: string;
  /** The field error's type: `Not found`, `Invalid value`, ... */
  type: FieldErrorType;
  /** The finding without its rule id: `spec.serviceName: Not found: "mysql": ...`. */
  message: string;
}

export function renderFinding(finding: Finding): RenderedFinding {
  const path = finding.error.path.toString();
  return { ruleId: finding.ruleId, action: finding.action, path, type: finding.error.type, message: formatFieldError(finding.error, path) };
}

/** The API server truncates each warning beyond this length (k8s.io/apiserver `filters/warning.go`). */
export const maxWarningLength = 256;

/** One line in Kubernetes' field-error style, ending with the rule id: `spec.serviceName: Not found: "x": ... [rule]`. */
export function formatFinding(finding: Finding): string {
  return `${formatFieldError(finding.error)} [${finding.ruleId}]`;
}
