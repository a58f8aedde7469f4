/** `stateward check` on a StatefulSet and its PodDisruptionBudgets in one file: each budget is reviewed on its own. */
import { describe, expect, it } from "vitest";
import { cli, findingLines } from "./io.js";

const file = "examples/disruption-budgets/db.yaml";

describe("stateward check of PodDisruptionBudgets", () => {
  it("judges each budget against the file's StatefulSet, and the StatefulSet against its budgets", async () => {
    const { code, stdout, stderr } = await cli(["check", file]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const budgetFindings = findingLines(stdout).filter((line) => / disruption-budget-/.test(line));
    expect(budgetFindings).toEqual([
      `${file}:26 disruption-budget-eviction warn`,
      `${file}:27 disruption-budget-overlap warn`,
      `${file}:25 disruption-budget-unhealthy-eviction warn`,
      `${file}:38 disruption-budget-overlap warn`,
      `${file}:49 disruption-budget-selector warn`,
    ]);
    expect(stdout).toContain(
      `PodDisruptionBudget default/db: spec.minAvailable: Invalid value: 1: allows no eviction of StatefulSet "db"'s pods (minAvailable: 1 of 1 replicas), so node drains wait forever [disruption-budget-eviction]`,
    );
    expect(stdout).toContain(`PodDisruptionBudgets "db", "db-extra" all select the pods`);
    expect(stdout).toMatch(/^4 objects checked in 1 file, none denied, 8 warnings$/m);
  });

  it("with --warnings-as-errors, exits 1 on them", async () => {
    expect((await cli(["check", "--warnings-as-errors", file])).code).toBe(1);
  });

  it("with the cluster view off, says it could not verify what each budget selects", async () => {
    const { stdout } = await cli(["check", "--cluster-view=off", file]);
    expect(stdout).toContain("PodDisruptionBudget default/web: spec.selector: could not verify the StatefulSets it selects:");
    expect(stdout).not.toContain("[disruption-budget-eviction]");
  });

  it("denies maxUnavailable: -1 as the API server does (disruption-budget-api-validation), not as a budget that allows no eviction", async () => {
    const stdin = "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: db\nspec:\n  maxUnavailable: -1\n  selector:\n    matchLabels: {app: db}\n";
    const { code, stdout } = await cli(["check", "-"], { stdin });
    expect(code).toBe(1);
    expect(stdout).toContain("<stdin>:6: deny: PodDisruptionBudget default/db: spec.maxUnavailable: Invalid value: -1: must be greater than or equal to 0 [disruption-budget-api-validation]");
    expect(stdout).not.toContain("[disruption-budget-eviction]");
  });
});
