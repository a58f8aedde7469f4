/** Shared by the defaults tests: seeds, admission fixtures and one call of the mutate engine. */
import { readFileSync } from "node:fs";
import { applyPatch, type Operation as PatchOperation } from "rfc6902";
import { parseAllDocuments } from "yaml";
import { describeChange } from "../../src/engine/change.js";
import { defaultsChanges, type MutationResult, mutate } from "../../src/engine/mutate.js";
import type { Operation, DecodedObjects } from "../../src/engine/types.js";
import type { ReviewedKind } from "../../src/k8s/kinds.js";
import { defaults } from "../../src/defaults/index.js";
import { buildPolicy, type PolicyDocument } from "../../src/policy/policy.js";

const fixtures = new URL("../fixtures/", import.meta.url);

type Json = Record<string, any>;

/** The document of `kind` (and `name`) in a seed manifest, as a user wrote it. */
export function seed(file: string, kind: ReviewedKind, name?: string): Json {
  const text = readFileSync(new URL(`seeds/${file}`, fixtures), "utf8");
  const found = parseAllDocuments(text)
    .map((d) => d.toJS() as Json)
    .find((d) => d?.kind === kind && (name === undefined || d.metadata?.name === name));
  if (!found) throw new Error(`no ${kind} ${name ?? ""} in ${file}`);
  return found;
}

export interface AdmissionFixture {
  operation: Operation;
  kind: ReviewedKind;
  object: Json;
  oldObject: Json | undefined;
}

/** The request of an AdmissionReview fixture, e.g. `002-mysql.statefulset-mysql.server.mutate`. */
export function admission(name: string): AdmissionFixture {
  const review = JSON.parse(readFileSync(new URL(`admission/${name}.json`, fixtures), "utf8"));
  const request = review.request;
  return {
    operation: request.operation,
    kind: request.kind.kind,
    object: request.object,
    oldObject: request.oldObject ?? undefined,
  };
}

/** A policy document that switches on `id` alone, with `params`, so a test sees only that default's changes. */
export function only(id: string, params: Record<string, unknown> = {}, extra: Json = {}): PolicyDocument {
  const section: Json = Object.fromEntries(defaults.map((d) => [d.id, { enabled: d.id === id }]));
  section[id] = { enabled: true, ...params };
  return { defaults: { ...section, ...extra } } as PolicyDocument;
}

// Building a policy composes the whole schema (milliseconds); property tests build thousands.
const built = new Map<string, ReturnType<typeof buildPolicy>>();
function policyFor(document: PolicyDocument) {
  const key = JSON.stringify(document);
  let policy = built.get(key);
  if (!policy) {
    policy = buildPolicy(document);
    if (built.size > 1000) built.clear();
    built.set(key, policy);
  }
  return policy;
}

export interface Outcome extends MutationResult {
  /** The defaults' changes as the webhook's warnings word them. */
  described: string[];
  /** The object after applying the patch to a copy of the input, the way the API server would. */
  patched: Json;
}

export function run(
  kind: ReviewedKind,
  object: Json,
  policy: PolicyDocument = {},
  operation: Operation = "CREATE",
  oldObject?: Json,
): Outcome {
  const review = { kind, object, oldObject } as DecodedObjects;
  const result = mutate(review, operation, policyFor(policy).forNamespace("default"));
  const patched = structuredClone(object);
  if (result.patch) {
    const errors = applyPatch(patched, result.patch);
    if (errors.some((e) => e !== null)) throw new Error(`patch does not apply: ${errors.join("; ")}`);
  }
  return { ...result, patched, described: defaultsChanges(result.changes).map(describeChange) };
}

export function runFixture(name: string, policy: PolicyDocument = {}): Outcome {
  const f = admission(name);
  return run(f.kind, f.object, policy, f.operation, f.oldObject);
}

/** The patch as the API server receives it: base64 of JSON, decoded back. */
export const roundTrip = (patch: PatchOperation[]): PatchOperation[] =>
  JSON.parse(Buffer.from(Buffer.from(JSON.stringify(patch)).toString("base64"), "base64").toString("utf8"));
