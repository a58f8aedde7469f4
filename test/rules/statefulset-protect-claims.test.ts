/** statefulset-protect-claims through the webhook's handler: scale-downs of test/fixtures/rollouts.ts. */
import { describe, expect, it } from "vitest";
import { reviewAdmission } from "../../src/admission/handler.js";
import { type ClusterView, emptyClusterView, memoryClusterView } from "../../src/cluster/view.js";
import { recordOf } from "../../src/cluster/kinds.js";
import type { AdmissionRequest } from "../../src/k8s/admission.js";
import { buildPolicy } from "../../src/policy/policy.js";
import { claimItem, claimsWarning, scaleDown } from "../fixtures/rollouts.js";

const id = "statefulset-protect-claims";

const claimsView = (...names: string[]) =>
  memoryClusterView({ persistentVolumeClaims: names.map((name) => recordOf("PersistentVolumeClaim", claimItem(name))!) });

async function answer(request: unknown, cluster: ClusterView, document: unknown = {}) {
  const outcome = await reviewAdmission(request as AdmissionRequest, "validate", { policy: buildPolicy(document), cluster });
  const warnings = (outcome.response.warnings ?? []).filter((w) => w.endsWith(`[${id}]`));
  return { allowed: outcome.response.allowed, warnings, message: outcome.response.status?.message };
}

const all = ["www-web-0", "www-web-1", "www-web-2", "www-web-3", "www-web-4"];

describe(id, () => {
  it("names the claims of the removed ordinals that the cluster view holds, highest first", async () => {
    expect(await answer(scaleDown(5, 3).request, claimsView(...all))).toEqual({ allowed: true, warnings: [claimsWarning], message: undefined });
  });

  it("leaves out a claim the view knows does not exist, and says nothing when none does", async () => {
    const result = await answer(scaleDown(5, 3).request, claimsView("www-web-0", "www-web-1", "www-web-2", "www-web-4"));
    expect(result.warnings).toEqual([claimsWarning.replace("www-web-4, www-web-3", "www-web-4")]);
    expect((await answer(scaleDown(5, 3).request, claimsView("www-web-0"))).warnings).toEqual([]);
  });

  it("names them from the templates when the view cannot tell, and says why", async () => {
    const result = await answer(scaleDown(5, 3).request, emptyClusterView());
    expect(result.warnings).toEqual([
      claimsWarning.replace(" [", " (not verified: no cluster view is configured) ["),
    ]);
  });

  it("denies when a policy says so", async () => {
    const result = await answer(scaleDown(5, 3).request, claimsView(...all), { rules: { [id]: { action: "deny" } } });
    expect(result.allowed).toBe(false);
    expect(result.message).toBe(`StatefulSet "web" is invalid: ${claimsWarning}`);
  });

  it("says nothing under whenScaled: Retain, nor of a scale-up", async () => {
    expect((await answer(scaleDown(5, 3, "Retain").request, claimsView(...all))).warnings).toEqual([]);
    expect((await answer(scaleDown(3, 5).request, claimsView(...all))).warnings).toEqual([]);
  });

  it("names a scale-down of more claims than it looks up from the templates, counting them", async () => {
    const review = scaleDown(5, 3);
    review.request.oldObject.spec.replicas = 2_147_483_647;
    expect((await answer(review.request, claimsView(...all))).warnings).toEqual([
      "spec.replicas: Forbidden: scaling 2147483647 -> 3 under whenScaled: Delete deletes 2147483644 PVCs (www-web-2147483646, www-web-2147483645, www-web-2147483644, ...) and their data; set whenScaled: Retain to keep them (not ve... [statefulset-protect-claims]",
    ]);
  });

  it("counts what does not fit", async () => {
    const names = Array.from({ length: 10 }, (_, i) => `www-web-${i}`);
    expect((await answer(scaleDown(10, 2).request, claimsView(...names))).warnings).toEqual([
      "spec.replicas: Forbidden: scaling 10 -> 2 under whenScaled: Delete deletes 8 PVCs (www-web-9, www-web-8, www-web-7, ...) and their data; set whenScaled: Retain to keep them [statefulset-protect-claims]",
    ]);
  });
});
