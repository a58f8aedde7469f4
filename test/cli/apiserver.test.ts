/**
 * `stateward check` catches before apply what apply would refuse: a manifest the API server rejects exits 1 and the
 * output names the field, as kubectl's own error would.
 */
import { describe, expect, it } from "vitest";
import { cli, findingLines } from "./io.js";

const refused = `apiVersion: v1
kind: Service
metadata:
  name: db-headless
spec:
  clusterIP: None
  selector:
    app: db
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  labels:
    team: data platform
spec:
  serviceName: db-headless
  replicas: -1
  podManagementPolicy: Sequential
  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
    spec:
      containers:
        - name: postgres
          image: postgres:17
          readinessProbe:
            exec:
              command: [pg_isready]
          volumeMounts:
            - name: data
              mountPath: /var/lib/postgresql/data
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        storageClassName: Fast_SSD
        accessModes: [ReadWriteOnce]
        resources:
          requests:
            storage: 10Gi
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: uploads
spec:
  storageClassName: fast-ssd
  volumeMode: Raw
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 1Gi
`;

describe("stateward check on manifests the API server would refuse", () => {
  it("exits 1 and names each field, on the line that holds it", async () => {
    const { code, stdout } = await cli(["check", "-"], { stdin: refused });
    expect(code).toBe(1);
    expect(findingLines(stdout)).toEqual([
      "<stdin>:14 statefulset-api-validation deny",
      "<stdin>:19 statefulset-api-validation deny",
      "<stdin>:18 statefulset-api-validation deny",
      "<stdin>:41 statefulset-api-validation deny",
      "<stdin>:53 pvc-api-validation deny",
    ]);
    expect(stdout).toContain('<stdin>:18: deny: StatefulSet default/db: spec.replicas: Invalid value: -1: must be greater than or equal to 0 [statefulset-api-validation]');
    expect(stdout).toContain(`<stdin>:19: deny: StatefulSet default/db: spec.podManagementPolicy: Invalid value: "Sequential": must be 'OrderedReady' or 'Parallel' [statefulset-api-validation]`);
    expect(stdout).toContain('<stdin>:41: deny: StatefulSet default/db: spec.volumeClaimTemplates[0].spec.storageClassName: Invalid value: "Fast_SSD": a lowercase RFC 1123 subdomain');
    expect(stdout).toContain('<stdin>:53: deny: PersistentVolumeClaim default/uploads: spec.volumeMode: Unsupported value: "Raw": supported values: "Block", "Filesystem" [pvc-api-validation]');
    expect(stdout.trimEnd().split("\n").at(-1)).toBe("2 objects checked in 1 file, 2 denied, 0 warnings");
  });
});
