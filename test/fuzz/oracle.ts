/**
 * What every answer to an abusive request must be: a well-formed AdmissionReview echoing the request's uid (whose
 * patch, if any, applies cleanly to the request's own object), or a 4xx JSON error; never a 5xx, never a hang.
 * Returns the problems found, empty when the answer is right.
 */
import { applyPatch } from "rfc6902";
import { admissionReviewSchema } from "../../src/k8s/admission.js";
import { maxBodyBytes, maxNestingDepth, nestingWithin, shapeProblem } from "../../src/http/limits.js";

export const answerTimeoutMs = 5_000;
const maxWarningLength = 256;

export interface Answer {
  status: number;
  contentType: string | null;
  text: string;
}

/** Sends a request through `fetcher` and bounds the wait; a hang is reported as an answer with status 0. */
export async function ask(
  fetcher: { fetch(request: Request): Response | Promise<Response> },
  route: string,
  body: string,
): Promise<Answer> {
  const request = new Request(`http://stateward.fuzz${route}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<Answer>((resolve) => {
    timer = setTimeout(() => resolve({ status: 0, contentType: null, text: `no answer within ${answerTimeoutMs} ms` }), answerTimeoutMs);
  });
  try {
    return await Promise.race([
      (async () => {
        const response = await fetcher.fetch(request);
        return { status: response.status, contentType: response.headers.get("content-type"), text: await response.text() };
      })(),
      hang,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function decodeBase64Utf8(text: string): string {
  const binary = atob(text);
  return new TextDecoder("utf-8", { fatal: true } as never).decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0)));
}

/** What the server is expected to make of the body, judged with the same published limits and envelope schema. */
type Expectation =
  | { kind: "too-large" }
  | { kind: "bad" }
  | { kind: "review"; review: any }
  /** A valid review over the collection-entries limit: refused with 400 once the app enforces it, answered before. */
  | { kind: "review-over-entries"; review: any };

function expectation(body: string): Expectation {
  if (new TextEncoder().encode(body).length > maxBodyBytes) return { kind: "too-large" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { kind: "bad" };
  }
  if (!nestingWithin(parsed, maxNestingDepth)) return { kind: "bad" };
  const envelope = admissionReviewSchema.safeParse(parsed);
  if (!envelope.success) return { kind: "bad" };
  return shapeProblem(parsed) ? { kind: "review-over-entries", review: parsed } : { kind: "review", review: parsed };
}

export function judge(route: string, body: string, answer: Answer): string[] {
  const problems: string[] = [];
  const expected = expectation(body);
  if (answer.status === 0) return [answer.text];
  if (answer.status >= 500) return [`HTTP ${answer.status}: ${answer.text.slice(0, 300)}`];
  if (!answer.contentType?.startsWith("application/json")) problems.push(`content-type ${answer.contentType}`);
  let json: any;
  try {
    json = JSON.parse(answer.text);
  } catch {
    return [...problems, `answer is not JSON: ${answer.text.slice(0, 200)}`];
  }
  if (answer.status !== 200) {
    if (answer.status < 400 || answer.status >= 500) problems.push(`unexpected HTTP ${answer.status}`);
    if (typeof json?.error !== "string" || json.status !== answer.status) problems.push(`malformed error ${answer.text.slice(0, 200)}`);
    if (json?.response?.patch !== undefined || json?.patch !== undefined) problems.push("a non-200 answer carries a patch");
    if (expected.kind === "too-large" && answer.status !== 413) problems.push(`body over the limit answered ${answer.status}`);
    if (expected.kind === "review") problems.push(`a well-formed AdmissionReview was refused: ${answer.status} ${json?.error}`);
    return problems;
  }
  if (expected.kind !== "review" && expected.kind !== "review-over-entries") {
    return [...problems, `HTTP 200 for a body that is ${expected.kind === "too-large" ? "over the limit" : "not a valid review"}`];
  }
  const request = expected.review.request;
  if (json.apiVersion !== expected.review.apiVersion) problems.push(`apiVersion ${json.apiVersion}`);
  if (json.kind !== "AdmissionReview") problems.push(`kind ${json.kind}`);
  const response = json.response;
  if (!response || typeof response !== "object") return [...problems, "no response"];
  if (response.uid !== request.uid) problems.push(`uid ${JSON.stringify(response.uid)} for request ${JSON.stringify(request.uid)}`);
  if (typeof response.allowed !== "boolean") problems.push(`allowed ${response.allowed}`);
  if (response.allowed === false) {
    const status = response.status;
    if (typeof status?.code !== "number" || typeof status?.message !== "string" || status.message === "") {
      problems.push(`denial without a status: ${JSON.stringify(status)}`);
    }
  }
  if (response.warnings !== undefined) {
    if (!Array.isArray(response.warnings)) problems.push("warnings is not a list");
    else {
      for (const w of response.warnings) {
        if (typeof w !== "string") problems.push(`warning ${JSON.stringify(w)}`);
        else if (w.length > maxWarningLength) problems.push(`warning of ${w.length} chars: ${w.slice(0, 120)}...`);
      }
    }
  }
  if (response.patch !== undefined) {
    if (route !== "/mutate") problems.push(`${route} answered with a patch`);
    if (response.allowed !== true) problems.push("a denial carries a patch");
    if (response.patchType !== "JSONPatch") problems.push(`patchType ${response.patchType}`);
    let operations: unknown;
    try {
      operations = JSON.parse(decodeBase64Utf8(response.patch));
    } catch (error) {
      return [...problems, `patch is not base64 JSON: ${String(error)}`];
    }
    if (!Array.isArray(operations) || operations.length === 0) return [...problems, `patch ${JSON.stringify(operations)}`];
    // The patch must apply to the object exactly as the API server holds it: parse the body afresh.
    const object = JSON.parse(body).request.object;
    const errors = applyPatch(object, operations as never);
    const failed = errors.filter((e) => e !== null);
    if (failed.length > 0) problems.push(`patch does not apply: ${failed.map(String).join("; ")} (${JSON.stringify(operations).slice(0, 300)})`);
  } else if (response.patchType !== undefined) {
    problems.push("patchType without a patch");
  }
  return problems;
}
