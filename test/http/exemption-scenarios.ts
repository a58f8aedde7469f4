/**
 * Per-object exemptions at /validate, as one set of cases that both runtimes run: test/http/exemption.test.ts in
 * Node, test/http/exemption.worker.test.ts inside workerd. The object is the seed StatefulSet `web` without its
 * selector: a denial of statefulset-selector, and warnings (statefulset-spread among them) with no cluster view.
 */
import { describe, expect, it } from "vitest";
import { emptyClusterView } from "../../src/cluster/view.js";
import { createApp } from "../../src/http/app.js";
import type { LogLine } from "../../src/http/service.js";
import { loadPolicy } from "../../src/policy/policy.js";
import stsCreate from "../fixtures/admission/000-web.statefulset-web.create.validate.json";
import { appFetcher, post } from "./helpers.js";

function appWith(policyText: string | undefined, log: LogLine[]) {
  const policy = loadPolicy(policyText);
  if (!policy.ok) throw new Error(policy.error);
  const cluster = emptyClusterView();
  return appFetcher(createApp({ config: () => ({ token: undefined, policy, cluster }), log: (line) => log.push(line) }));
}

/** The seed StatefulSet without its selector, with these annotations. */
function reviewWith(annotations: Record<string, string>) {
  const review = structuredClone(stsCreate);
  const object = review.request.object as any;
  delete object.spec.selector;
  object.metadata.annotations = { ...object.metadata.annotations, ...annotations };
  return review;
}

async function validate(annotations: Record<string, string>, policy?: string) {
  const log: LogLine[] = [];
  const { status, body } = await post(appWith(policy, log), "/validate", reviewWith(annotations));
  expect(status).toBe(200);
  return { response: body.response, line: log.find((l) => l.msg === "review") };
}

export function exemptionScenarios(runtime: string) {
  describe(`per-object exemptions at /validate (${runtime})`, () => {
    it("without annotations, the object is denied by statefulset-selector and warned by statefulset-spread", async () => {
      const { response, line } = await validate({});
      expect(response.allowed).toBe(false);
      expect(response.status.message).toContain("[statefulset-selector]");
      expect(response.warnings.some((w: string) => w.endsWith("[statefulset-spread]"))).toBe(true);
      expect(line?.exempted).toBeUndefined();
    });

    it("an annotation with a reason takes out its rule's denials and warnings, and the log line records each with its reason", async () => {
      const { response, line } = await validate({
        "stateward.dev/ignore-statefulset-selector": "the operator sets the selector on apply",
        "stateward.dev/ignore-statefulset-spread": "a single-node test cluster",
      });
      expect(response.allowed).toBe(true);
      expect(response.status).toBeUndefined();
      expect(response.warnings.some((w: string) => w.includes("statefulset-spread"))).toBe(false);
      expect(response.warnings.some((w: string) => w.endsWith("[statefulset-readiness-probe]"))).toBe(true);
      expect(line).toMatchObject({ decision: "allowed" });
      expect(line?.exempted).toEqual([
        { rule: "statefulset-selector", annotation: "stateward.dev/ignore-statefulset-selector", reason: "the operator sets the selector on apply", findings: 1 },
        { rule: "statefulset-spread", annotation: "stateward.dev/ignore-statefulset-spread", reason: "a single-node test cluster", findings: 1 },
      ]);
    });

    it("an annotation without a reason is refused with a message naming it, and exempts nothing", async () => {
      const { response, line } = await validate({ "stateward.dev/ignore-statefulset-selector": "  " });
      expect(response.allowed).toBe(false);
      expect(response.status.message).toBe(
        'StatefulSet "web" is invalid: [spec.selector: Required value: a StatefulSet must select its pods; set matchLabels to the template\'s labels [statefulset-selector], ' +
          "metadata.annotations[stateward.dev/ignore-statefulset-selector]: Required value: an exemption needs its reason as the annotation's value, " +
          'e.g. stateward.dev/ignore-statefulset-selector: "why this object may ignore the rule" [exemption-annotation]]',
      );
      expect(line?.exempted).toBeUndefined();
    });

    it("a misspelt rule id is a warning with the annotation it most likely meant", async () => {
      const { response } = await validate({ "stateward.dev/ignore-statefulset-sprad": "single node" });
      expect(response.warnings).toContain(
        'metadata.annotations[stateward.dev/ignore-statefulset-sprad]: Not found: "statefulset-sprad": no rule has this id, so this exempts nothing ' +
          "(did you mean stateward.dev/ignore-statefulset-spread?) [exemption-annotation]",
      );
      expect(response.warnings.some((w: string) => w.endsWith("[statefulset-spread]"))).toBe(true);
    });

    it("a built-in check cannot be exempted", async () => {
      const review = reviewWith({ "stateward.dev/ignore-object-decoding": "it is fine" });
      (review.request.object as any).spec.replicas = "three";
      const log: LogLine[] = [];
      const { body } = await post(appWith(undefined, log), "/validate", review);
      expect(body.response.allowed).toBe(false);
      expect(body.response.status.message).toContain("spec.replicas: Invalid value");
      expect(body.response.status.message).toContain("[object-decoding]");
    });

    it("a policy with exemptions.denyRules: false denies the annotation on a deny rule, naming it and the setting, and still exempts warn rules", async () => {
      const { response, line } = await validate(
        {
          "stateward.dev/ignore-statefulset-selector": "the operator sets the selector on apply",
          "stateward.dev/ignore-statefulset-spread": "a single-node test cluster",
        },
        "exemptions:\n  denyRules: false\n",
      );
      expect(response.allowed).toBe(false);
      expect(response.status.message).toContain("[statefulset-selector]");
      expect(response.status.message).toContain(
        "metadata.annotations[stateward.dev/ignore-statefulset-selector]: Forbidden: statefulset-selector denies in this namespace and the policy forbids " +
          "exempting an object from a deny rule (exemptions.denyRules: false) [exemption-annotation]",
      );
      expect(response.warnings.some((w: string) => w.includes("statefulset-spread"))).toBe(false);
      expect(line?.exempted).toEqual([
        { rule: "statefulset-spread", annotation: "stateward.dev/ignore-statefulset-spread", reason: "a single-node test cluster", findings: 1 },
      ]);
    });
  });
}
