/** Reading request bodies within the limits: the byte limit before reading, the shape limits before any code walks. */
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { type AdmissionReviewRequest, decodeAdmissionReview, describeIssues } from "../k8s/admission.js";
import { maxCollectionEntries, maxNestingDepth, shapeProblem } from "./limits.js";
import { jsonError } from "./service.js";

export type Parsed<T> = ({ ok: true } & T) | { ok: false; error: string };

/**
 * The parsed JSON body, or why it is refused. Shape limits stop pathological objects before any code walks them; a
 * cluster inventory may legitimately hold more entries than one object.
 */
export function parseJsonBody(text: string, entriesLimit = maxCollectionEntries): Parsed<{ value: unknown }> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: "request body is not valid JSON" };
  }
  const problem = shapeProblem(value, maxNestingDepth, entriesLimit);
  return problem ? { ok: false, error: problem } : { ok: true, value };
}

/** The AdmissionReview in the body, or why it is refused. */
export function parseReview(text: string): Parsed<{ review: AdmissionReviewRequest }> {
  const body = parseJsonBody(text);
  if (!body.ok) return body;
  const parsed = decodeAdmissionReview(body.value);
  if (!parsed.success) return { ok: false, error: `not an AdmissionReview: ${describeIssues(parsed.issues)}` };
  return { ok: true, review: parsed.data };
}

/** A 413 with a JSON body for a body over `bytes`, judged from Content-Length or while streaming, never after. */
export function sizeLimit(bytes: number): MiddlewareHandler {
  const tooLarge = (c: Context) => jsonError(c, 413, `request body exceeds ${bytes} bytes`);
  const streaming = bodyLimit({ maxSize: bytes, onError: tooLarge });
  return async (c, next) => {
    // Judged from the header alone when there is one, as bodyLimit would, but without touching `body` first: on Node
    // that turns the request into a web stream, which cost more CPU than all of Stateward's own work per review.
    const length = c.req.header("content-length");
    if (length !== undefined && c.req.header("transfer-encoding") === undefined) {
      return Number.parseInt(length, 10) > bytes ? tooLarge(c) : next();
    }
    return streaming(c, next);
  };
}
