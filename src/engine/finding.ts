import { type FieldError, type FieldErrorType, formatFieldError } from "../k8s/field.js";
import type { Action } from "./types.js";

export interface Finding {
  ruleId: string;
  action: Exclude<Action, "off">;
  error: FieldError;
}

/** An object's exemption from one rule: the annotation that asks for it and the reason it gives. */
export interface Exemption {
  ruleId: string;
  /** `stateward.dev/ignore-<rule-id>`. */
  annotation: string;
  reason: string;
}

/** A finding an exemption took out of the answer: reported as exempted, never dropped. */
export interface ExemptedFinding extends Finding {
  exemption: Exemption;
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
  /** Set on an exempted finding: the annotation and its reason. */
  exemption?: { annotation: string; reason: string };
}

export function renderFinding(finding: Finding | ExemptedFinding): RenderedFinding {
  const path = finding.error.path.toString();
  const rendered: RenderedFinding = { ruleId: finding.ruleId, action: finding.action, path, type: finding.error.type, message: formatFieldError(finding.error, path) };
  if ("exemption" in finding) rendered.exemption = { annotation: finding.exemption.annotation, reason: finding.exemption.reason };
  return rendered;
}

/** The API server truncates each warning beyond this length (k8s.io/apiserver `filters/warning.go`). */
export const maxWarningLength = 256;

/** One line in Kubernetes' field-error style, ending with the rule id: `spec.serviceName: Not found: "x": ... [rule]`. */
export function formatFinding(finding: Finding): string {
  return `${formatFieldError(finding.error)} [${finding.ruleId}]`;
}
