/**
 * Every PVC and claim template of the seeds and the real-world corpus through the storage rules, each finding pinned:
 * offline (no cluster view, as `stateward check` runs), and against a cluster that knows the corpus' StorageClasses,
 * a default class and the seed's StatefulSet "web".
 */
import { describe, expect, it } from "vitest";
import { statefulSetRecord, storageClassRecord } from "../../src/cluster/records.js";
import { type ClusterView, emptyClusterView, memoryClusterView } from "../../src/cluster/view.js";
import { storageRules } from "../../src/rules/storage/index.js";
import { allFindings, claimSubjects, fixtureFiles, formattedFindings, manifest, manifests } from "./storage-helpers.js";

export function knownCluster(): ClusterView {
  const storageClasses = [...fixtureFiles("corpus"), ...fixtureFiles("seeds")]
    .flatMap((file) => manifests(file))
    .filter((m) => m.kind === "StorageClass")
    .map((m) => storageClassRecord(m)!);
  storageClasses.push({ name: "standard", provisioner: "pd.csi.storage.gke.io", allowVolumeExpansion: true, isDefault: true });
  return memoryClusterView({
    storageClasses,
    statefulSets: [statefulSetRecord(manifest("seeds/000-web.yaml", "StatefulSet"))!],
  });
}

// Read once: parsing every fixture is most of this file's time.
let subjects: ReturnType<typeof claimSubjects> | undefined;
const everyClaim = () => (subjects ??= claimSubjects());

async function sweep(cluster: ClusterView): Promise<Record<string, string[]>> {
  const pinned: Record<string, string[]> = {};
  for (const { file, subject, name } of everyClaim()) {
    const out: string[] = [];
    const all = await allFindings(subject, { cluster });
    for (const rule of storageRules) {
      const found = formattedFindings(rule.id, all);
      out.push(...found.deny.map((d) => `deny ${d}`), ...found.warn.map((w) => `warn ${w}`));
    }
    if (out.length > 0) pinned[`${file.split("/").pop()} ${name}`] = out;
  }
  return pinned;
}

const reliesOnDefault = (path: string) =>
  `warn ${path}: Required value: the claim relies on the cluster's default StorageClass, which could not be verified; set storageClassName or policy defaultClass [storage-class]`;
const template = "spec.volumeClaimTemplates[0].spec.storageClassName";
const selectorOnly = (cls: string) =>
  `warn spec.selector: Forbidden: provisioners refuse claims with a selector; it binds only to an existing PersistentVolume with these labels and class "${cls}" [pvc-selector-provisioning]`;
const noSuchClass = (path: string, cls: string) =>
  `warn ${path}: Not found: "${cls}": no such StorageClass; only a pre-created PersistentVolume of this class can bind, else the claim stays Pending [storage-class]`;

describe("storage rules on the seeds and the corpus", () => {
  it("covers every claim of the fixtures", () => {
    expect(everyClaim().length).toBe(43);
  });

  it("pins every finding without a cluster view", async () => {
    expect(await sweep(emptyClusterView())).toEqual({
      "000-web-pvc.yaml PersistentVolumeClaim/www-web-0": [selectorOnly("my-storage-class")],
      "000-web-pvc.yaml PersistentVolumeClaim/www-web-1": [selectorOnly("my-storage-class")],
      "002-mysql.yaml StatefulSet/mysql": [reliesOnDefault(template)],
      "gatekeeper-library__library__general__storageclass__samples__storageclass__example_disallowed_pvc_nonamename.yaml PersistentVolumeClaim/nostorageclass":
        [reliesOnDefault("spec.storageClassName")],
      "gatekeeper-library__library__general__storageclass__samples__storageclass__example_disallowed_ssvct_nonamename.yaml StatefulSet/novolumeclaimstorageclass":
        [reliesOnDefault(template)],
      "k8s-examples__archived__cockroachdb__cockroachdb-statefulset.yaml StatefulSet/cockroachdb": [reliesOnDefault(template)],
      "kyverno-policies__other__enforce-readwriteonce-pod__kyverno-test__resource.yaml PersistentVolumeClaim/badpvc": [
        reliesOnDefault("spec.storageClassName"),
      ],
      "kyverno-policies__other__enforce-readwriteonce-pod__kyverno-test__resource.yaml PersistentVolumeClaim/goodpvc": [
        reliesOnDefault("spec.storageClassName"),
      ],
      "kyverno-policies__other__nfs-subdir-external-provisioner-storage-path__kyverno-test__resource.yaml PersistentVolumeClaim/goodclaim":
        [selectorOnly("nfs-client")],
      "kyverno-policies__other__nfs-subdir-external-provisioner-storage-path__kyverno-test__resource.yaml PersistentVolumeClaim/badclaim":
        [selectorOnly("nfs-client")],
      "kyverno-policies__other__nfs-subdir-external-provisioner-storage-path__kyverno-test__resource.yaml PersistentVolumeClaim/skipclaim":
        [selectorOnly("goldstorage")],
      "kyverno-policies__other__require-storageclass__chainsaw-test__pvc-good.yaml PersistentVolumeClaim/goodpvc": [selectorOnly("slow")],
      "kyverno-policies__other__require-storageclass__chainsaw-test__ss-bad.yaml StatefulSet/badss": [reliesOnDefault(template)],
      "kyverno-policies__other__require-storageclass__kyverno-test__resource.yaml PersistentVolumeClaim/badpvc": [
        reliesOnDefault("spec.storageClassName"),
      ],
      "kyverno-policies__other__require-storageclass__kyverno-test__resource.yaml PersistentVolumeClaim/goodpvc": [selectorOnly("slow")],
      "kyverno-policies__other__require-storageclass__kyverno-test__resource.yaml StatefulSet/badss": [reliesOnDefault(template)],
      "redis-cluster__redis-cluster.yaml StatefulSet/redis-cluster": [reliesOnDefault(template)],
      "yolean-kafka__kafka__50kafka.yaml StatefulSet/kafka": [reliesOnDefault(template)],
      "yolean-kafka__zookeeper__50pzoo.yaml StatefulSet/pzoo": [reliesOnDefault(template)],
      "yolean-kafka__zookeeper__51zoo.yaml StatefulSet/zoo": [reliesOnDefault(template)],
    });
  });

  it("pins every finding against a cluster that knows its StorageClasses", async () => {
    expect(await sweep(knownCluster())).toEqual({
      "000-web-pvc.yaml PersistentVolumeClaim/www-web-0": [selectorOnly("my-storage-class")],
      "000-web-pvc.yaml PersistentVolumeClaim/www-web-1": [selectorOnly("my-storage-class")],
      "000-web.yaml StatefulSet/web": [noSuchClass(template, "my-storage-class")],
      "001-web.yaml StatefulSet/web": [noSuchClass(template, "gluster-heketi")],
      "002-nfs.yaml PersistentVolumeClaim/nginx-pvc": [noSuchClass("spec.storageClassName", "nfs-storage")],
      "003-backend.yaml StatefulSet/backend": [noSuchClass(template, "default")],
      "gatekeeper-library__library__general__storageclass__samples__storageclass-allowlist__example_disallowed.yaml PersistentVolumeClaim/disallowed-storage-class-pvc": [noSuchClass("spec.storageClassName", "disallowed-storage-class")],
      "kyverno-policies__other__nfs-subdir-external-provisioner-storage-path__kyverno-test__resource.yaml PersistentVolumeClaim/goodclaim": [selectorOnly("nfs-client")],
      "kyverno-policies__other__nfs-subdir-external-provisioner-storage-path__kyverno-test__resource.yaml PersistentVolumeClaim/badclaim": [selectorOnly("nfs-client")],
      "kyverno-policies__other__nfs-subdir-external-provisioner-storage-path__kyverno-test__resource.yaml PersistentVolumeClaim/skipclaim": [selectorOnly("goldstorage")],
      "kyverno-policies__other__pdb-minavailable__kyverno-test__resource.yaml StatefulSet/bad-pdb": [noSuchClass(template, "my-storage-class")],
      "kyverno-policies__other__pdb-minavailable__kyverno-test__resource.yaml StatefulSet/good-pdb": [noSuchClass(template, "my-storage-class")],
      "kyverno-policies__other__require-storageclass__chainsaw-test__pvc-good.yaml PersistentVolumeClaim/goodpvc": [selectorOnly("slow")],
      "kyverno-policies__other__require-storageclass__chainsaw-test__ss-good.yaml StatefulSet/goodss01": [noSuchClass(template, "my-storage-class")],
      "kyverno-policies__other__require-storageclass__kyverno-test__resource.yaml PersistentVolumeClaim/goodpvc": [selectorOnly("slow")],
      "kyverno-policies__other__require-storageclass__kyverno-test__resource.yaml StatefulSet/goodss": [noSuchClass(template, "my-storage-class")],
      "longhorn__examples__simple_pvc.yaml PersistentVolumeClaim/longhorn-simple-pvc": [noSuchClass("spec.storageClassName", "longhorn")],
      "longhorn__examples__statefulset.yaml StatefulSet/web": [noSuchClass(template, "longhorn")],
    });
  });
});
