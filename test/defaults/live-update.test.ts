/**
 * Defaults on live objects, replayed step by step through the model API server: an UPDATE never changes a field the
 * update left as it was, and a default acts on UPDATE only where the field is absent or where the API server filled
 * it in again after the user dropped it from an applied manifest.
 */
import { describe, expect, it } from "vitest";
import type { PolicyDocument } from "../../src/policy/policy.js";
import { clientSideApply, patch, serverSideApply, type Step, update } from "./apiserver.js";
import { type Outcome, run, seed } from "./helpers.js";

type Json = Record<string, any>;

/** The web StatefulSet as its owner keeps it in git: no updateStrategy, no grace period, no retention policy. */
function manifest(): Json {
  const web = seed("000-web.yaml", "StatefulSet");
  delete web.spec.template.spec.terminationGracePeriodSeconds;
  return web;
}

/** Sends a step through /mutate's engine; returns the outcome and what the API server stores. */
function admit(step: Step, policy: PolicyDocument = {}): { out: Outcome; live: Json } {
  const out = run("StatefulSet", step.object, policy, step.operation, step.oldObject);
  return { out, live: out.patched };
}

const custom: PolicyDocument = {
  defaults: {
    "default-termination-grace": { seconds: 60 },
    "default-update-strategy": { type: "RollingUpdate", partition: 1 },
    "default-retention-policy": { whenDeleted: "Delete", whenScaled: "Delete" },
  },
} as PolicyDocument;

/** The three sequences: `kubectl patch`, then `kubectl apply` of a manifest that never names the field. */
const sequences = [
  ["updateStrategy OnDelete", { spec: { updateStrategy: { type: "OnDelete", rollingUpdate: null } } }],
  ["terminationGracePeriodSeconds 120", { spec: { template: { spec: { terminationGracePeriodSeconds: 120 } } } }],
  ["retention whenScaled Delete", { spec: { persistentVolumeClaimRetentionPolicy: { whenScaled: "Delete" } } }],
] as const;

describe("defaults on UPDATE", () => {
  it.each(sequences)("kubectl patch %s, then kubectl apply: no patch with the built-in policy", (_, body) => {
    let { live } = admit(clientSideApply(undefined, manifest()));
    const patched = admit(patch(live, body));
    expect(patched.out.patch).toBeUndefined();
    live = patched.live;
    const changed = manifest();
    changed.spec.template.spec.containers[0].image = "nginx:1.27";
    const applied = admit(clientSideApply(live, changed));
    expect(applied.out.patch).toBeUndefined();
    expect(applied.out.changes).toEqual([]);
  });

  it.each(sequences)("kubectl patch %s, then kubectl apply: no patch with a policy of its own either", (_, body) => {
    let { live } = admit(clientSideApply(undefined, manifest()), custom);
    live = admit(patch(live, body), custom).live;
    const before = JSON.stringify(live.spec);
    const applied = admit(clientSideApply(live, manifest()), custom);
    expect(applied.out.patch).toBeUndefined();
    expect(JSON.stringify(applied.live.spec)).toBe(before);
  });

  it("kubectl edit and a controller's update keep what they wrote, also a value equal to the built-in default", () => {
    const withGrace = manifest();
    withGrace.spec.template.spec.terminationGracePeriodSeconds = 120;
    let { live } = admit(clientSideApply(undefined, withGrace), custom);
    const edited = admit(update(live, (o) => (o.spec.template.spec.terminationGracePeriodSeconds = 30)), custom);
    expect(edited.out.patch).toBeUndefined();
    live = edited.live;
    const byController = admit(update(live, (o) => (o.spec.updateStrategy = { type: "RollingUpdate", rollingUpdate: { partition: 0 } }), "operator"), custom);
    expect(byController.out.patch).toBeUndefined();
  });

  it("acts where the user dropped a field from the applied manifest and the API server filled it in again", () => {
    const withGrace = manifest();
    withGrace.spec.template.spec.terminationGracePeriodSeconds = 120;
    const { live } = admit(clientSideApply(undefined, withGrace), custom);
    expect(live.spec.template.spec.terminationGracePeriodSeconds).toBe(120);
    const dropped = clientSideApply(live, manifest());
    expect(dropped.object.spec.template.spec.terminationGracePeriodSeconds).toBe(30);
    const out = admit(dropped, custom);
    expect(out.live.spec.template.spec.terminationGracePeriodSeconds).toBe(60);
    expect(out.out.described).toEqual(["set spec.template.spec.terminationGracePeriodSeconds to 60 [default-termination-grace]"]);
    // A second pass over its own result changes nothing.
    expect(run("StatefulSet", out.live, custom, "UPDATE", dropped.oldObject).patch).toBeUndefined();
  });

  it("the same with server-side apply: the field the manager gave up is owned by nobody and gets the policy's value", () => {
    const withGrace = manifest();
    withGrace.spec.template.spec.terminationGracePeriodSeconds = 120;
    const { live } = admit(serverSideApply(undefined, withGrace), custom);
    const dropped = serverSideApply(live, manifest());
    expect(dropped.object.spec.template.spec.terminationGracePeriodSeconds).toBe(30);
    expect(admit(dropped, custom).live.spec.template.spec.terminationGracePeriodSeconds).toBe(60);
  });

  it("fills a field that is absent on UPDATE", () => {
    const { live } = admit(clientSideApply(undefined, manifest()));
    const step = clientSideApply(live, manifest());
    delete step.object.spec.persistentVolumeClaimRetentionPolicy;
    delete step.oldObject.spec.persistentVolumeClaimRetentionPolicy;
    const out = admit(step, custom);
    expect(out.live.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: "Delete", whenScaled: "Delete" });
  });

  it("never changes a field the update left as it was, even one no record names", () => {
    const { live } = admit(clientSideApply(undefined, manifest()));
    const step = update(live, (o) => (o.spec.replicas = 5), "kube-controller-manager");
    delete step.object.metadata.managedFields;
    delete step.object.metadata.annotations;
    expect(admit(step, custom).out.patch).toBeUndefined();
  });
});
