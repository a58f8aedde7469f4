import { describe, expect, it } from "vitest";
import { admissionRequest, baseStatefulSet, corpusStatefulSet, none, runAdmission, runRule, seedStatefulSet } from "./helpers.js";

const id = "statefulset-volume-mounts";
const deny = { rules: { [id]: { action: "deny" as const } } };

describe(id, () => {
  it("passes seeds mounting their claim template", async () => {
    expect(await runRule(id, seedStatefulSet("000-web.yaml", "web"))).toEqual(none);
    expect(await runRule(id, seedStatefulSet("002-mysql.yaml", "mysql"))).toEqual(none);
  });

  it("denies a mount naming neither a volume nor a claim template", async () => {
    const sts = baseStatefulSet();
    sts.spec!.volumeClaimTemplates![0]!.metadata!.name = "data";
    expect(await runRule(id, sts)).toEqual({
      denials: [
        `spec.template.spec.containers[0].volumeMounts[0].name: Not found: "www": no volume or volumeClaimTemplate with this name; add one or fix the name [${id}]`,
      ],
      warnings: [
        `spec.volumeClaimTemplates[0].metadata.name: Invalid value: "data": no container mounts this claim template, yet every pod gets a PVC for it; mount it or remove it [${id}]`,
      ],
    });
  });

  it("names the volume or claim template a mistyped mount most likely meant, as only one is that near", async () => {
    const typo = baseStatefulSet();
    typo.spec!.template!.spec!.containers![0]!.volumeMounts![0]!.name = "wwww";
    expect((await runRule(id, typo)).denials).toEqual([
      `spec.template.spec.containers[0].volumeMounts[0].name: Not found: "wwww": no volume or volumeClaimTemplate with this name; did you mean volumeClaimTemplate "www"? [${id}]`,
    ]);
    const volume = baseStatefulSet();
    volume.spec!.template!.spec!.volumes = [{ name: "config", configMap: { name: "web" } } as never];
    volume.spec!.template!.spec!.containers![0]!.volumeMounts!.push({ name: "confg", mountPath: "/etc/web" });
    expect((await runRule(id, volume)).denials).toEqual([
      `spec.template.spec.containers[0].volumeMounts[1].name: Not found: "confg": no volume or volumeClaimTemplate with this name; did you mean volume "config"? [${id}]`,
    ]);
    // Two names one edit away: no guess.
    volume.spec!.template!.spec!.volumes.push({ name: "confi", emptyDir: {} } as never);
    volume.spec!.template!.spec!.containers![0]!.volumeMounts!.push({ name: "confi", mountPath: "/confi" });
    expect((await runRule(id, volume)).denials).toEqual([
      `spec.template.spec.containers[0].volumeMounts[1].name: Not found: "confg": no volume or volumeClaimTemplate with this name; add one or fix the name [${id}]`,
    ]);
  });

  it("checks init containers and volumeDevices too, and counts a block device as using its claim template", async () => {
    const sts = baseStatefulSet();
    const podSpec = sts.spec!.template!.spec!;
    podSpec.containers![0]!.volumeMounts = [];
    Object.assign(podSpec.containers![0]!, { volumeDevices: [{ name: "www", devicePath: "/dev/xvda" }] });
    podSpec.initContainers = [{ name: "init", volumeMounts: [{ name: "config", mountPath: "/config" }] }];
    expect(await runRule(id, sts)).toEqual({
      denials: [
        `spec.template.spec.initContainers[0].volumeMounts[0].name: Not found: "config": no volume or volumeClaimTemplate with this name; add one or fix the name [${id}]`,
      ],
      warnings: [],
    });
  });

  it("warns, even under deny, about a pod volume that a claim template replaces", async () => {
    const sts = baseStatefulSet();
    sts.spec!.template!.spec!.volumes = [{ name: "www", emptyDir: {} } as never];
    expect(await runRule(id, sts, { policy: deny })).toEqual({
      denials: [],
      warnings: [
        `spec.template.spec.volumes[0].name: Invalid value: "www": a volumeClaimTemplate has this name, so every pod gets the claim instead of this volume; rename one of them [${id}]`,
      ],
    });
  });

  it("is silent on CockroachDB's idiom: a persistentVolumeClaim volume naming its own claim template", async () => {
    const sts = corpusStatefulSet("k8s-examples__archived__cockroachdb__cockroachdb-statefulset.yaml", "cockroachdb");
    expect(sts.spec?.template?.spec?.volumes?.[0]?.persistentVolumeClaim?.claimName).toBe("datadir");
    expect(await runRule(id, sts)).toEqual(none);
  });

  it("warns about an unmounted claim template in Kyverno's test manifest", async () => {
    const sts = corpusStatefulSet("kyverno-policies__other__require-storageclass__chainsaw-test__ss-good.yaml", "goodss01");
    expect(await runRule(id, sts)).toEqual({
      denials: [],
      warnings: [
        `spec.volumeClaimTemplates[0].metadata.name: Invalid value: "www": no container mounts this claim template, yet every pod gets a PVC for it; mount it or remove it [${id}]`,
      ],
    });
  });

  it("follows the configured action", async () => {
    const sts = baseStatefulSet();
    sts.spec!.template!.spec!.containers![0]!.volumeMounts!.push({ name: "logs", mountPath: "/var/log" });
    expect((await runRule(id, sts)).denials).toHaveLength(1);
    const warned = await runRule(id, sts, { policy: { rules: { [id]: { action: "warn" } } } });
    expect([warned.denials.length, warned.warnings.length]).toEqual([0, 1]);
    expect(await runRule(id, sts, { policy: { rules: { [id]: { action: "off" } } } })).toEqual(none);
  });

  it("passes defaulted objects from the API server, and denies a defaulted one with a broken mount", async () => {
    expect(await runAdmission(id, "002-mysql.statefulset-mysql.server.validate.json")).toEqual(none);
    const { object } = admissionRequest("000-web.statefulset-web.create.validate.json");
    object.spec!.template!.spec!.containers![0]!.volumeMounts![0]!.name = "html";
    expect((await runRule(id, object)).denials).toEqual([
      `spec.template.spec.containers[0].volumeMounts[0].name: Not found: "html": no volume or volumeClaimTemplate with this name; add one or fix the name [${id}]`,
    ]);
  });
});
