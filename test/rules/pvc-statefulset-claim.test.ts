import { describe, expect, it } from "vitest";
import { memoryClusterView, type StatefulSetRecord } from "../../src/cluster/view.js";
import { statefulSetRecord } from "../../src/cluster/records.js";
import { claimNameCandidates } from "../../src/rules/storage/pvc-statefulset-claim.js";
import { admission, findings, manifest, none, pvc, review, reviewOf } from "./storage-helpers.js";

const run = (object: unknown, options: Parameters<typeof findings>[2] = {}) =>
  findings("pvc-statefulset-claim", review(object), options);
const web = statefulSetRecord(manifest("seeds/000-web.yaml", "StatefulSet"))!;
const view = (...statefulSets: StatefulSetRecord[]) => memoryClusterView({ statefulSets });
const dashed: StatefulSetRecord = {
  namespace: "default",
  name: "my-db",
  templateLabels: null,
  claimTemplates: [{ name: "pg-data", storageClassName: "fast", storage: "10Gi", accessModes: ["ReadWriteOnce"] }],
};

describe("pvc-statefulset-claim", () => {
  it("reads every split of <template>-<statefulset>-<ordinal>", () => {
    expect(claimNameCandidates("pg-data-my-db-12").map((c) => `${c.template}|${c.statefulSet}|${c.ordinal}`)).toEqual([
      "pg|data-my-db|12",
      "pg-data|my-db|12",
      "pg-data-my|db|12",
    ]);
    expect(claimNameCandidates("www-web-01")).toEqual([]);
    expect(claimNameCandidates("www-web")).toEqual([]);
    expect(claimNameCandidates("web-0")).toEqual([]);
  });

  it("passes the seed's pre-created claims, which match the template of StatefulSet web", async () => {
    for (const name of ["www-web-0", "www-web-1"]) {
      expect(await run(manifest("seeds/000-web-pvc.yaml", "PersistentVolumeClaim", name), { cluster: view(web) })).toEqual(none);
    }
    const request = admission("000-web-pvc.persistentvolumeclaim-www-web-1.server.validate.json");
    expect(await findings("pvc-statefulset-claim", reviewOf(request), { cluster: view(web) })).toEqual(none);
  });

  it("warns once per difference, naming the StatefulSet and the adopting pod", async () => {
    const claim = pvc("pg-data-my-db-2", {
      storageClassName: "standard",
      accessModes: ["ReadWriteOnce", "ReadOnlyMany"],
      resources: { requests: { storage: "5Gi" } },
    });
    const origin = 'in volumeClaimTemplate "pg-data" of StatefulSet "my-db"; pod my-db-2 adopts this claim as is';
    expect(await run(claim, { cluster: view(web, dashed) })).toEqual({
      deny: [],
      warn: [
        `spec.storageClassName: Invalid value: "standard": differs from "fast" ${origin} [pvc-statefulset-claim]`,
        `spec.accessModes: Invalid value: ["ReadWriteOnce","ReadOnlyMany"]: differs from ["ReadWriteOnce"] ${origin} [pvc-statefulset-claim]`,
        `spec.resources.requests.storage: Invalid value: "5Gi": smaller than "10Gi" ${origin} [pvc-statefulset-claim]`,
      ],
    });
  });

  it("says that a claim larger than its template leaves new replicas smaller", async () => {
    const claim = pvc("www-web-0", { storageClassName: "my-storage-class", resources: { requests: { storage: "2Gi" } } });
    expect((await run(claim, { cluster: view(web) })).warn).toEqual([
      'spec.resources.requests.storage: Invalid value: "2Gi": larger than "1Gi" in volumeClaimTemplate "www" of StatefulSet "web"; new replicas get 1Gi until the template changes [pvc-statefulset-claim]',
    ]);
    // Same size spelled differently is the same size.
    const same = pvc("www-web-0", { storageClassName: "my-storage-class", resources: { requests: { storage: "1024Mi" } } });
    expect(await run(same, { cluster: view(web) })).toEqual(none);
  });

  it("compares the class only when the template names one", async () => {
    const mysql = statefulSetRecord(manifest("seeds/002-mysql.yaml", "StatefulSet"))!;
    const claim = pvc("mysql-persistent-storage-mysql-0", { storageClassName: "standard", resources: { requests: { storage: "10Gi" } } });
    expect(await run(claim, { cluster: view(mysql) })).toEqual(none);
  });

  it("is silent when no such StatefulSet or template exists, or the lookups are unknown", async () => {
    const claim = pvc("www-web-0", { storageClassName: "other" });
    expect(await run(claim)).toEqual(none);
    expect(await run(claim, { cluster: view() })).toEqual(none);
    expect(await run(pvc("logs-web-0", { storageClassName: "other" }), { cluster: view(web) })).toEqual(none);
    expect(await run(claim, { cluster: view(web), namespace: "other" })).toEqual(none);
  });

  it("switches the action by policy", async () => {
    const claim = pvc("www-web-0", { storageClassName: "other" });
    const message =
      'spec.storageClassName: Invalid value: "other": differs from "my-storage-class" in volumeClaimTemplate "www" of StatefulSet "web"; pod web-0 adopts this claim as is [pvc-statefulset-claim]';
    expect(await run(claim, { cluster: view(web), policy: { rules: { "pvc-statefulset-claim": { action: "deny" } } } })).toEqual({
      deny: [message],
      warn: [],
    });
    expect(await run(claim, { cluster: view(web), policy: { rules: { "pvc-statefulset-claim": { action: "off" } } } })).toEqual(none);
  });
});
