import { describe, expect, it } from "vitest";
import { admissionRequest, baseStatefulSet, none, runRule, seedStatefulSet } from "./helpers.js";

const id = "statefulset-volume-mode";
const mountPath = "spec.template.spec.containers[0].volumeMounts[0].name";

function blockClaim() {
  const sts = baseStatefulSet();
  Object.assign(sts.spec!.volumeClaimTemplates![0]!.spec!, { volumeMode: "Block" });
  return sts;
}

describe(id, () => {
  it("passes Filesystem claims mounted as filesystems, set or defaulted", async () => {
    expect(await runRule(id, seedStatefulSet("000-web.yaml", "web"))).toEqual(none);
    const sts = baseStatefulSet();
    Object.assign(sts.spec!.volumeClaimTemplates![0]!.spec!, { volumeMode: "Filesystem" });
    expect(await runRule(id, sts)).toEqual(none);
    // The API server's defaulted objects carry volumeMode: Filesystem on every template.
    expect(await runRule(id, admissionRequest("000-web.statefulset-web.server.validate.json").object)).toEqual(none);
  });

  it("denies a Block claim used through volumeMounts", async () => {
    expect(await runRule(id, blockClaim())).toEqual({
      denials: [
        `${mountPath}: Invalid value: "www": claim template "www" has volumeMode Block, so the pods never start; use volumeDevices with a devicePath, or give the claim volumeMode Filesystem [${id}]`,
      ],
      warnings: [],
    });
  });

  it("passes a Block claim used through volumeDevices, in a container and an init container", async () => {
    const sts = blockClaim();
    const podSpec = sts.spec!.template!.spec!;
    podSpec.containers![0]!.volumeMounts = [];
    podSpec.containers![0]!.volumeDevices = [{ name: "www", devicePath: "/dev/xvda" }];
    podSpec.initContainers = [{ name: "format", volumeDevices: [{ name: "www", devicePath: "/dev/xvda" }] }];
    expect(await runRule(id, sts)).toEqual(none);
  });

  it("denies a Filesystem claim, set or left unset, used through volumeDevices, in init containers too", async () => {
    const sts = baseStatefulSet();
    const podSpec = sts.spec!.template!.spec!;
    podSpec.initContainers = [{ name: "raw", volumeDevices: [{ name: "www", devicePath: "/dev/xvda" }] }];
    expect((await runRule(id, sts)).denials).toEqual([
      `spec.template.spec.initContainers[0].volumeDevices[0].name: Invalid value: "www": claim template "www" has volumeMode Filesystem, so the pods never start; use volumeMounts with a mountPath, or give the claim volumeMode Block [${id}]`,
    ]);
  });

  it("judges generic ephemeral volumes, and lets a claim template win over a pod volume of the same name", async () => {
    const sts = baseStatefulSet();
    const podSpec = sts.spec!.template!.spec!;
    podSpec.volumes = [
      { name: "scratch", ephemeral: { volumeClaimTemplate: { spec: { volumeMode: "Block" } } } },
      // The controller replaces this volume with the claim template "www" (Filesystem): the mount is right.
      { name: "www", ephemeral: { volumeClaimTemplate: { spec: { volumeMode: "Block" } } } },
    ];
    podSpec.containers![0]!.volumeMounts!.push({ name: "scratch", mountPath: "/scratch" });
    expect((await runRule(id, sts)).denials).toEqual([
      `spec.template.spec.containers[0].volumeMounts[1].name: Invalid value: "scratch": ephemeral volume "scratch" has volumeMode Block, so the pods never start; use volumeDevices with a devicePath, or give the claim volumeMode Filesystem [${id}]`,
    ]);
  });

  it("leaves an unknown volumeMode and names that are no claim to other rules", async () => {
    const sts = baseStatefulSet();
    Object.assign(sts.spec!.volumeClaimTemplates![0]!.spec!, { volumeMode: "Raw" });
    sts.spec!.template!.spec!.containers![0]!.volumeDevices = [{ name: "nothing", devicePath: "/dev/x" }];
    expect(await runRule(id, sts)).toEqual(none);
  });

  it("follows the configured action", async () => {
    const warned = await runRule(id, blockClaim(), { policy: { rules: { [id]: { action: "warn" } } } });
    expect([warned.denials.length, warned.warnings.length]).toEqual([0, 1]);
    expect(await runRule(id, blockClaim(), { policy: { rules: { [id]: { action: "off" } } } })).toEqual(none);
  });
});
