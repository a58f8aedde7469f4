/** Messages that say what was most likely meant, as `stateward check` prints them. */
import { describe, expect, it } from "vitest";
import { cli } from "./io.js";

const service = (name: string) => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  clusterIP: None
  selector:
    app: db
`;

const statefulSet = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db-headless
  replicas: 1
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
`;

describe("stateward check suggests what was meant", () => {
  it("a serviceName no input defines names the Service of a similar name the inputs do define", async () => {
    const { stdout } = await cli(["check", "-"], { stdin: `${service("db-hl")}---\n${service("cache")}---\n${statefulSet}` });
    expect(stdout).toContain(
      '<stdin>:24: warn: StatefulSet default/db: spec.serviceName: Not found: "db-headless": no Service "db-headless" in namespace "default"; ' +
        'did you mean Service "db-hl"? Else create it headless (clusterIP: None), selecting the pods [statefulset-headless-service]',
    );
  });

  it("says nothing of the kind when no defined Service is close", async () => {
    const { stdout } = await cli(["check", "-"], { stdin: `${service("cache")}---\n${statefulSet}` });
    expect(stdout).toContain('no Service "db-headless" in namespace "default"; create it headless');
  });

  it("a quantity written 10GB gets the two it most likely meant", async () => {
    const { code, stdout } = await cli(["check", "examples/broken/claim-size-and-mode.yaml"]);
    expect(code).toBe(1);
    expect(stdout).toContain(`Invalid value: "10GB": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'; did you mean 10G or 10Gi? [storage-request]`);
  });
});
