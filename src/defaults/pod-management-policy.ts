import * as z from "zod";
import { FieldPath } from "../k8s/field.js";
import { defineDefault } from "../engine/types.js";
import { set } from "./change.js";

const builtinPolicy = "OrderedReady";
const path = ["spec", "podManagementPolicy"] as const;

export const defaultPodManagementPolicy = defineDefault({
  id: "default-pod-management-policy",
  summary: "Sets spec.podManagementPolicy of a StatefulSet the user wrote without one to the configured policy.",
  kinds: ["StatefulSet"],
  // The API server forbids changing podManagementPolicy after creation.
  operations: ["CREATE"],
  enabledByDefault: true,
  params: z.object({ podManagementPolicy: z.enum(["OrderedReady", "Parallel"]).default(builtinPolicy) }),
  apply({ object, params, provenance }) {
    if (!object.spec) return [];
    if (object.spec.podManagementPolicy === params.podManagementPolicy) return [];
    if (provenance.userSet(path, builtinPolicy)) return [];
    return [set(FieldPath.root(...path), params.podManagementPolicy)];
  },
});
