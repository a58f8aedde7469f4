/** The AdmissionReview envelope (admission.k8s.io/v1 and v1beta1), validated with zod at the HTTP boundary. */
import * as z from "zod";
import { acceptsOf } from "./accepts.js";
import { fieldPathOf } from "./field.js";

export const admissionApiVersions = ["admission.k8s.io/v1", "admission.k8s.io/v1beta1"] as const;
export type AdmissionApiVersion = (typeof admissionApiVersions)[number];

const groupVersionKind = z.object({ group: z.string(), version: z.string(), kind: z.string() });
const groupVersionResource = z.object({ group: z.string(), version: z.string(), resource: z.string() });
const kubeObject = z.record(z.string(), z.unknown());

export const admissionRequestSchema = z.object({
  uid: z.string().min(1),
  kind: groupVersionKind,
  resource: groupVersionResource,
  subResource: z.string().nullish(),
  requestKind: groupVersionKind.nullish(),
  requestResource: groupVersionResource.nullish(),
  requestSubResource: z.string().nullish(),
  name: z.string().nullish(),
  namespace: z.string().nullish(),
  operation: z.enum(["CREATE", "UPDATE", "DELETE", "CONNECT"]),
  userInfo: z
    .object({
      username: z.string().nullish(),
      uid: z.string().nullish(),
      groups: z.array(z.string()).nullish(),
    })
    .nullish(),
  object: kubeObject.nullish(),
  oldObject: kubeObject.nullish(),
  dryRun: z.boolean().nullish(),
  options: z.unknown().optional(),
});
export type AdmissionRequest = z.infer<typeof admissionRequestSchema>;

export const admissionReviewSchema = z.object({
  apiVersion: z.enum(admissionApiVersions),
  kind: z.literal("AdmissionReview"),
  request: admissionRequestSchema,
});
export type AdmissionReviewRequest = z.infer<typeof admissionReviewSchema>;

const acceptsReview = acceptsOf(admissionReviewSchema);

/**
 * The AdmissionReview in a parsed body, or zod's issues. An accepted body is returned as it is rather than as zod's
 * copy: the object and the fields read are the same, and the copy of a large object is not made twice.
 */
export function decodeAdmissionReview(value: unknown): { success: true; data: AdmissionReviewRequest } | { success: false; issues: z.core.$ZodIssue[] } {
  if (acceptsReview(value)) return { success: true, data: value as AdmissionReviewRequest };
  const parsed = admissionReviewSchema.safeParse(value);
  return parsed.success ? { success: true, data: parsed.data } : { success: false, issues: parsed.error.issues };
}

export interface AdmissionStatus {
  code: number;
  reason: string;
  message: string;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: AdmissionStatus;
  warnings?: string[];
  patch?: string;
  patchType?: "JSONPatch";
}

export interface AdmissionReviewResponse {
  apiVersion: AdmissionApiVersion;
  kind: "AdmissionReview";
  response: AdmissionResponse;
}

/** Renders zod issues as `request.uid: expected string, received undefined`, naming each wrong or missing field. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], limit = 5): string {
  const shown = issues.slice(0, limit).map((issue) => `${fieldPathOf(issue.path)}: ${issue.message}`);
  if (issues.length > limit) shown.push(`and ${issues.length - limit} more`);
  return shown.join("; ");
}

/** Base64 of UTF-8 text, without Node's Buffer so it runs the same on workerd. */
export function base64Utf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}
