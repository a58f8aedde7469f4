/**
 * `stateward plan`: the scenarios of issue 25 (test/fixtures/rollouts.ts) as a user runs them, the manifest in a file
 * and the live objects as `kubectl get ... -o json` prints them, on standard input or with --live.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { appliedOver } from "../../src/cli/plan.js";
import {
  claimItem,
  claimsWarning,
  fixStuckRollout,
  impactScenarios,
  scaleDown,
  stuckWarning,
  type UpdateReview,
} from "../fixtures/rollouts.js";
import { cli, repoRoot } from "./io.js";

const dir = mkdtempSync(path.join(tmpdir(), "stateward-plan-"));
let files = 0;
function file(content: unknown, ext = "json"): string {
  const at = path.join(dir, `${files++}.${ext}`);
  writeFileSync(at, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return at;
}

/** The scenario's new object as the user's manifest (no status), and its old object as kubectl prints it. */
function inputs(review: UpdateReview, liveExtras: unknown[] = []) {
  const { status: _, ...manifest } = review.request.object;
  const live = liveExtras.length === 0 ? review.request.oldObject : { apiVersion: "v1", kind: "List", items: [review.request.oldObject, ...liveExtras] };
  return { manifest: file(manifest), live: JSON.stringify(live) };
}

describe("stateward plan", () => {
  for (const scenario of impactScenarios) {
    it(scenario.name, async () => {
      const { manifest, live } = inputs(scenario.review());
      const result = await cli(["plan", manifest], { stdin: live });
      expect([result.code, result.stderr]).toEqual([0, ""]);
      if (scenario.warning === undefined) {
        expect(result.stdout).toBe("StatefulSet default/web: nothing changes that the controller acts on\n");
      } else {
        const lines = result.stdout.split("\n");
        expect(lines[0]).toBe("StatefulSet default/web:");
        expect(lines.filter((line) => line.endsWith("[statefulset-impact]"))).toEqual([`  warn: ${scenario.warning}`]);
      }
    });
  }

  it("names the pod a stuck rollout waits for", async () => {
    const { manifest, live } = inputs(fixStuckRollout());
    const { stdout } = await cli(["plan", manifest, "--live", file(live)]);
    expect(stdout.split("\n")).toContain(`  warn: ${stuckWarning}`);
  });

  it("names the claims a scale-down deletes, from the live PVCs of the List", async () => {
    const claims = ["www-web-0", "www-web-1", "www-web-2", "www-web-3", "www-web-4"].map(claimItem);
    const { manifest, live } = inputs(scaleDown(5, 3), claims);
    const { stdout } = await cli(["plan", manifest], { stdin: live });
    expect(stdout.split("\n")).toContain(`  warn: ${claimsWarning}`);
  });

  it("prints the API server's refusal of a claim template resize with the recipe, and exits 1", async () => {
    const review = scaleDown(2, 2, "Retain");
    review.request.object.spec.volumeClaimTemplates[0]!.spec.resources.requests.storage = "5Gi";
    const storageClass = { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "my-storage-class" }, provisioner: "csi.example" };
    const { manifest, live } = inputs(review, [storageClass]);
    const result = await cli(["plan", manifest, "-o", "json"], { stdin: live });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { objects: { action: string; findings: { ruleId: string; action: string; message: string }[] }[] };
    expect(report.objects).toHaveLength(1);
    expect(report.objects[0]!.action).toBe("update");
    expect(report.objects[0]!.findings.map((f) => [f.ruleId, f.action])).toEqual([["statefulset-immutable-fields", "deny"]]);
    expect(report.objects[0]!.findings[0]!.message).toContain(
      `are forbidden; StorageClass "my-storage-class" does not allow volume expansion (allowVolumeExpansion is not true), so the claims cannot grow; only new claims of a class that does can; to resize: for i in 0 1; do kubectl -n default patch pvc www-web-$i -p '{"spec":{"resources":{"requests":{"storage":"5Gi"}}}}'; done;`,
    );
  });

  it("reads a manifest as written, without the API server's defaults, against the defaulted live object", async () => {
    const review = impactScenarios[0]!.review();
    review.request.oldObject.spec.replicas = 2;
    review.request.oldObject.status = { ...(review.request.oldObject.status as object), replicas: 2, readyReplicas: 2 };
    const seed = path.join(repoRoot, "test/fixtures/seeds/000-web.yaml");
    const same = await cli(["plan", seed], { stdin: JSON.stringify(review.request.oldObject) });
    expect(same).toEqual({ code: 0, stdout: "StatefulSet default/web: nothing changes that the controller acts on\n", stderr: "" });
  });

  it("says which objects are not live, and refuses standard input twice", async () => {
    const { manifest } = inputs(impactScenarios[0]!.review());
    const result = await cli(["plan", manifest], { stdin: JSON.stringify({ apiVersion: "v1", kind: "List", items: [] }) });
    expect(result).toEqual({ code: 0, stdout: "StatefulSet default/web: not among the live objects; applying creates it\n", stderr: "" });
    const unreadable = await cli(["plan", manifest, "--live", path.join(dir, "missing.json")]);
    expect(unreadable).toEqual({ code: 2, stdout: `${path.join(dir, "missing.json")}: error: no such file or directory\n`, stderr: "" });
    const twice = await cli(["plan", "-"], { stdin: "" });
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain("standard input can hold the manifests or the live objects, not both");
  });

  it("lays the manifest over the live object: defaulted fields stay, written ones win, lists of another length are replaced", () => {
    const live = { spec: { replicas: 3, template: { containers: [{ name: "a", image: "x:1", imagePullPolicy: "IfNotPresent" }] } }, status: { replicas: 3 } };
    expect(appliedOver(live, { spec: { template: { containers: [{ name: "a", image: "x:2" }] } } })).toEqual({
      spec: { replicas: 3, template: { containers: [{ name: "a", image: "x:2", imagePullPolicy: "IfNotPresent" }] } },
      status: { replicas: 3 },
    });
    expect(appliedOver(live, { spec: { template: { containers: [{ name: "a" }, { name: "b" }] } } })).toMatchObject({
      spec: { template: { containers: [{ name: "a" }, { name: "b" }] } },
    });
  });
});
