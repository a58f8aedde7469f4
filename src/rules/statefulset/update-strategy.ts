import * as z from "zod";
import { FieldPath, invalid, notSupported } from "../../k8s/field.js";
import { advisory, defineRule, type RuleIssue } from "../../engine/types.js";

const strategyPath = FieldPath.root("spec", "updateStrategy");
const rollingPath = strategyPath.child("rollingUpdate");
const strategyTypes = ["OnDelete", "RollingUpdate"] as const;
const percentPattern = /^(\d+)%$/;

function maxUnavailableIssue(value: number | string): RuleIssue | undefined {
  const path = rollingPath.child("maxUnavailable");
  if (typeof value === "number") {
    if (Number.isInteger(value) && value >= 1) return undefined;
    return invalid(path, value, "must be an integer of at least 1 or a percentage such as 25%");
  }
  const match = percentPattern.exec(value);
  if (!match) return invalid(path, value, "must be an integer of at least 1 or a percentage such as 25%");
  const percent = Number(match[1]);
  if (percent >= 1 && percent <= 100) return undefined;
  return invalid(path, value, "must be a percentage from 1% to 100%");
}

export const statefulSetUpdateStrategy = defineRule({
  id: "statefulset-update-strategy",
  summary:
    "updateStrategy.type is RollingUpdate or OnDelete, rollingUpdate comes only with RollingUpdate, partition and maxUnavailable are in range; OnDelete and a partition above replicas warn.",
  rationale:
    "An unsupported type, a rollingUpdate block under OnDelete, a negative partition or a maxUnavailable of 0 are rejected by the API server or stall rollouts. A partition above replicas updates no pod at all, and OnDelete changes pods only when someone deletes them, so a changed template silently stays unrolled.",
  fix: "Use type: RollingUpdate, with rollingUpdate.partition between 0 and replicas and maxUnavailable a positive integer or 1%-100%. Keep OnDelete only when you roll pods out by hand on purpose.",
  kinds: ["StatefulSet"],
  defaultAction: "deny",
  params: z.object({
    onDelete: z
      .enum(["warn", "deny"])
      .default("warn")
      .describe("Whether updateStrategy OnDelete denies (with the rule's action deny) or only warns."),
  }),
  check({ object, params }) {
    const spec = object.spec;
    const strategy = spec?.updateStrategy;
    // The API server defaults an empty type to RollingUpdate.
    const type = strategy?.type || "RollingUpdate";
    const rolling = strategy?.rollingUpdate;
    if (!(strategyTypes as readonly string[]).includes(type)) {
      return [notSupported(strategyPath.child("type"), type, strategyTypes)];
    }
    if (type === "OnDelete") {
      const issues: RuleIssue[] = [
        advisory(
          invalid(
            strategyPath.child("type"),
            type,
            "pods change only when you delete them by hand; use RollingUpdate unless you roll out pod by pod on purpose",
          ),
          params.onDelete !== "deny",
        ),
      ];
      if (rolling) issues.push(invalid(rollingPath, rolling, "only allowed for updateStrategy 'RollingUpdate'; remove it"));
      return issues;
    }
    const issues: RuleIssue[] = [];
    const partition = rolling?.partition;
    if (typeof partition === "number") {
      const replicas = spec?.replicas ?? 1;
      if (partition < 0) {
        issues.push(invalid(rollingPath.child("partition"), partition, "must be greater than or equal to 0"));
      } else if (partition > replicas) {
        issues.push(
          advisory(
            invalid(
              rollingPath.child("partition"),
              partition,
              `above replicas (${replicas}), so no pod gets updated; lower it to roll out the template`,
            ),
          ),
        );
      }
    }
    const maxUnavailable = rolling?.maxUnavailable;
    if (maxUnavailable !== undefined && maxUnavailable !== null) {
      const issue = maxUnavailableIssue(maxUnavailable);
      if (issue) issues.push(issue);
    }
    return issues;
  },
});
