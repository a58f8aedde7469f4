import * as z from "zod";
import { FieldPath, invalid, notSupported } from "../../k8s/field.js";
import { advisory, defineRule, type RuleIssue } from "../../engine/types.js";
import { celStrings } from "../../engine/cel.js";

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
  cel: {
    variables: [
      { name: "strategyType", expression: "object.?spec.?updateStrategy.?type.orValue('') == '' ? 'RollingUpdate' : object.spec.updateStrategy.type" },
      { name: "rolling", expression: "object.?spec.?updateStrategy.?rollingUpdate" },
      { name: "partition", expression: "variables.rolling.?partition.orValue(null)" },
      { name: "maxUnavailable", expression: "variables.rolling.?maxUnavailable.orValue(null)" },
    ],
    validations({ onDelete }) {
      const rollingUpdate = "variables.strategyType == 'RollingUpdate'";
      const partitionIsInt = "type(variables.partition) == int";
      const m = "variables.maxUnavailable";
      const maxUnavailableOk = `(${m} == null || (type(${m}) == int ? ${m} >= 1 : type(${m}) == string && ${m}.matches('^0*[0-9]{1,3}%$') && int(${m}.substring(0, size(${m}) - 1)) >= 1 && int(${m}.substring(0, size(${m}) - 1)) <= 100))`;
      return [
        {
          expression: `variables.strategyType in ${celStrings(strategyTypes)}`,
          message: `'spec.updateStrategy.type ' + variables.strategyType + ' is not supported; use ${strategyTypes.join(" or ")}'`,
        },
        {
          expression: "variables.strategyType != 'OnDelete'",
          message: "'spec.updateStrategy.type OnDelete: pods change only when you delete them by hand; use RollingUpdate unless you roll out pod by pod on purpose'",
          advisory: onDelete !== "deny",
        },
        {
          expression: "variables.strategyType != 'OnDelete' || !variables.rolling.hasValue()",
          message: "'spec.updateStrategy.rollingUpdate is only allowed for updateStrategy RollingUpdate; remove it'",
        },
        {
          expression: `!(${rollingUpdate}) || !(${partitionIsInt}) || variables.partition >= 0`,
          message: "'spec.updateStrategy.rollingUpdate.partition must be greater than or equal to 0'",
        },
        {
          expression: `!(${rollingUpdate}) || !(${partitionIsInt}) || variables.partition < 0 || variables.partition <= object.?spec.?replicas.orValue(1)`,
          message: "'spec.updateStrategy.rollingUpdate.partition is above replicas, so no pod gets updated; lower it to roll out the template'",
          advisory: true,
        },
        {
          expression: `!(${rollingUpdate}) || ${maxUnavailableOk}`,
          message: "'spec.updateStrategy.rollingUpdate.maxUnavailable must be an integer of at least 1 or a percentage from 1% to 100%'",
        },
      ];
    },
    cost: "about 30: field reads and one regular expression over maxUnavailable",
  },
});
