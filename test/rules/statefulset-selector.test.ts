import { describe, expect, it } from "vitest";
import { baseStatefulSet, none, runRule, seedStatefulSet } from "./helpers.js";

const id = "statefulset-selector";

describe(id, () => {
  it("passes the seed StatefulSet web, whose selector picks its template's labels", async () => {
    expect(await runRule(id, seedStatefulSet("000-web.yaml", "web"))).toEqual(none);
  });

  it("denies a StatefulSet without a selector, which apps/v1 requires", async () => {
    const sts = baseStatefulSet();
    delete sts.spec!.selector;
    expect(await runRule(id, sts)).toEqual({
      denials: [`spec.selector: Required value: a StatefulSet must select its pods; set matchLabels to the template's labels [${id}]`],
      warnings: [],
    });
  });

  it("denies an empty selector, which would select every pod of the namespace", async () => {
    const sts = baseStatefulSet();
    sts.spec!.selector = { matchLabels: {} };
    expect(await runRule(id, sts)).toEqual({
      denials: [
        `spec.selector: Invalid value: {"matchLabels":{}}: empty selector is invalid for StatefulSet; set matchLabels to the template's labels [${id}]`,
      ],
      warnings: [],
    });
  });

  it("denies a selector that the template's labels do not satisfy, by labels or by expressions", async () => {
    const byLabel = baseStatefulSet();
    byLabel.spec!.template!.metadata!.labels = { app: "other" };
    const message = `spec.template.metadata.labels: Invalid value: {"app":"other"}: \`selector\` does not match template \`labels\`; give the template every label the selector requires [${id}]`;
    expect(await runRule(id, byLabel)).toEqual({ denials: [message], warnings: [] });

    const byExpression = baseStatefulSet();
    byExpression.spec!.selector = { matchExpressions: [{ key: "tier", operator: "In", values: ["db"] }] };
    expect((await runRule(id, byExpression)).denials).toEqual([expect.stringMatching(/^spec\.template\.metadata\.labels: Invalid value: \{"app":"nginx"\}/)]);
  });

  it("passes expressions the labels satisfy, and is switched off by policy", async () => {
    const sts = baseStatefulSet();
    sts.spec!.selector = { matchExpressions: [{ key: "app", operator: "In", values: ["nginx", "web"] }] };
    expect(await runRule(id, sts)).toEqual(none);
    const broken = baseStatefulSet();
    delete broken.spec!.selector;
    expect(await runRule(id, broken, { policy: { rules: { [id]: { action: "off" } } } })).toEqual(none);
  });
});
