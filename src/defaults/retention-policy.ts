import * as z from "zod";
import { FieldPath } from "../k8s/field.js";
import { defineDefault } from "../engine/types.js";
import { set } from "./change.js";

const path = ["spec", "persistentVolumeClaimRetentionPolicy"] as const;
const retention = z.enum(["Retain", "Delete"]);

interface RetentionPolicy {
  whenDeleted?: string | null;
  whenScaled?: string | null;
}

/** The API server fills either missing half with Retain. */
const sameAs = (a: RetentionPolicy, b: RetentionPolicy): boolean =>
  (a.whenDeleted ?? "Retain") === (b.whenDeleted ?? "Retain") && (a.whenScaled ?? "Retain") === (b.whenScaled ?? "Retain");

export const defaultRetentionPolicy = defineDefault({
  id: "default-retention-policy",
  summary:
    "Sets spec.persistentVolumeClaimRetentionPolicy of a StatefulSet the user wrote without one to the configured policy.",
  kinds: ["StatefulSet"],
  // The API server allows the retention policy to change on UPDATE.
  operations: ["CREATE", "UPDATE"],
  enabledByDefault: true,
  params: z.object({ whenDeleted: retention.default("Retain"), whenScaled: retention.default("Retain") }),
  apply({ object, params, provenance }) {
    if (!object.spec) return [];
    const desired = { whenDeleted: params.whenDeleted, whenScaled: params.whenScaled };
    const current = object.spec.persistentVolumeClaimRetentionPolicy;
    if (current != null && sameAs(current, desired)) return [];
    const builtin = (value: unknown) => typeof value === "object" && value !== null && sameAs(value, {});
    if (provenance.userSet(path, builtin)) return [];
    return [set(FieldPath.root(...path), desired)];
  },
});
