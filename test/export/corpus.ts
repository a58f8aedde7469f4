/**
 * Every StatefulSet and PersistentVolumeClaim of the repository's manifests (test/fixtures: seeds, the real-world
 * corpus, AdmissionReview requests; examples/), as CREATE reviews, and UPDATE pairs: the AdmissionReview fixtures'
 * own, each object after itself (nothing changed), and each after the previous object of its kind (much changed).
 * Objects of the wrong field types (examples/broken/wrong-type.yaml) are left out: the API server cannot decode them,
 * so no policy sees them, and the webhook's rules do not run on them either (object-decoding denies them first).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseAllDocuments } from "yaml";
import { decodeObjects } from "../../src/engine/decode.js";
import type { Operation } from "../../src/engine/types.js";

const root = join(import.meta.dirname, "..", "..");
export const manifestFolders = ["test/fixtures", "examples"] as const;

export type CorpusKind = "StatefulSet" | "PersistentVolumeClaim";
const corpusKinds: readonly string[] = ["StatefulSet", "PersistentVolumeClaim"];

export interface CorpusReview {
  /** Where it comes from: file (and how the pair was made). */
  source: string;
  kind: CorpusKind;
  operation: Operation;
  namespace: string;
  object: Record<string, unknown>;
  oldObject: Record<string, unknown> | undefined;
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return files(path);
    return /\.(ya?ml|json)$/.test(entry.name) ? [path] : [];
  });
}

/** The objects a file holds: YAML or JSON documents, List items, or an AdmissionReview's request. */
function objectsOf(text: string, file: string): { object: Record<string, unknown>; oldObject?: Record<string, unknown>; operation?: Operation; namespace?: string }[] {
  let docs: unknown[];
  try {
    docs = file.endsWith(".json") ? [JSON.parse(text)] : parseAllDocuments(text).map((d) => d.toJS());
  } catch {
    return [];
  }
  return docs.flatMap((doc) => {
    if (typeof doc !== "object" || doc === null) return [];
    const value = doc as Record<string, unknown>;
    if (value.kind === "AdmissionReview") {
      const request = value.request as { object?: Record<string, unknown>; oldObject?: Record<string, unknown> | null; operation: Operation; namespace?: string } | undefined;
      if (!request?.object) return [];
      return [{ object: request.object, oldObject: request.oldObject ?? undefined, operation: request.operation, namespace: request.namespace }];
    }
    if (Array.isArray(value.items)) return (value.items as Record<string, unknown>[]).filter((i) => i && typeof i === "object").map((object) => ({ object }));
    return [{ object: value }];
  });
}

/** Every review the equivalence test judges. */
export function corpusReviews(): CorpusReview[] {
  const reviews: CorpusReview[] = [];
  const byKind = new Map<CorpusKind, CorpusReview[]>();
  for (const folder of manifestFolders) {
    for (const file of files(join(root, folder)).sort()) {
      const source = relative(root, file);
      for (const found of objectsOf(readFileSync(file, "utf8"), file)) {
        const kind = found.object.kind;
        if (typeof kind !== "string" || !corpusKinds.includes(kind)) continue;
        const metadata = found.object.metadata as { namespace?: string } | undefined;
        const review: CorpusReview = {
          source,
          kind: kind as CorpusKind,
          operation: found.operation === "UPDATE" && found.oldObject ? "UPDATE" : "CREATE",
          namespace: found.namespace ?? metadata?.namespace ?? "default",
          object: found.object,
          oldObject: found.operation === "UPDATE" ? found.oldObject : undefined,
        };
        if (found.operation === "DELETE") continue;
        reviews.push(review);
        if (review.operation === "CREATE") byKind.set(review.kind, [...(byKind.get(review.kind) ?? []), review]);
      }
    }
  }
  for (const created of byKind.values()) {
    created.forEach((review, i) => {
      reviews.push({ ...review, source: `${review.source} (updated, unchanged)`, operation: "UPDATE", oldObject: review.object });
      const previous = created[(i + created.length - 1) % created.length]!;
      reviews.push({ ...review, source: `${review.source} (updated from ${previous.source})`, operation: "UPDATE", oldObject: previous.object });
    });
  }
  return reviews.filter((review) => "review" in decodeObjects(review.kind, review.object, review.oldObject));
}
