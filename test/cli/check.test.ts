import { describe, expect, it } from "vitest";
import { cli, findingLines } from "./io.js";

const seeds = "test/fixtures/seeds";

describe("stateward check on the seeds", () => {
  it("000-web.yaml: the headless Service in the same file satisfies serviceName; nothing is denied", async () => {
    const { code, stdout } = await cli(["check", `${seeds}/000-web.yaml`]);
    expect(code).toBe(0);
    // The findings are the missing readinessProbe, the replicas not kept apart and not covered by a
    // PodDisruptionBudget, which the catalog makes warnings.
    expect(findingLines(stdout)).toEqual([
      `${seeds}/000-web.yaml:46 statefulset-readiness-probe warn`,
      `${seeds}/000-web.yaml:43 statefulset-spread warn`,
      `${seeds}/000-web.yaml:41 statefulset-disruption-budget warn`,
    ]);
    expect(stdout).not.toContain("statefulset-headless-service");
    expect(stdout.trimEnd().split("\n").at(-1)).toBe("1 object checked in 1 file, none denied, 3 warnings");
  });

  it("002-mysql.yaml: a Service that no input defines gets the rule's Not found answer", async () => {
    const { code, stdout } = await cli(["check", `${seeds}/002-mysql.yaml`]);
    expect(code).toBe(0);
    expect(stdout).toContain(
      `${seeds}/002-mysql.yaml:8: warn: StatefulSet default/mysql: spec.serviceName: Not found: "mysql": ` +
        `no Service "mysql" in namespace "default"; create it headless (clusterIP: None), selecting the pods [statefulset-headless-service]`,
    );
    // No StorageClass among the inputs: the default class is unknown, never "missing".
    expect(stdout).toContain(
      `${seeds}/002-mysql.yaml:32: warn: StatefulSet default/mysql: spec.volumeClaimTemplates[0].spec.storageClassName: Required value: ` +
        "the claim relies on the cluster's default StorageClass, which could not be verified",
    );
  });

  it("with the cluster view off, the same Service is unknown, not missing", async () => {
    for (const flag of ["--cluster-view=off", "--no-cluster-view"]) {
      const { code, stdout } = await cli(["check", flag, `${seeds}/002-mysql.yaml`]);
      expect(code).toBe(0);
      expect(stdout).not.toContain("Not found");
      expect(stdout).toMatch(/002-mysql\.yaml:8: warn: .*spec\.serviceName: .*cluster view is off.*\[statefulset-headless-service\]/);
    }
  });

  it("the whole seeds directory: every object checked, files in order, duplicates noted", async () => {
    const { code, stdout } = await cli(["check", seeds]);
    expect(code).toBe(0);
    expect(findingLines(stdout)).toEqual([
      `${seeds}/000-web-pvc.yaml:14 pvc-selector-provisioning warn`,
      `${seeds}/000-web-pvc.yaml:29 pvc-selector-provisioning warn`,
      `${seeds}/000-web.yaml:46 statefulset-readiness-probe warn`,
      `${seeds}/000-web.yaml:43 statefulset-spread warn`,
      `${seeds}/000-web.yaml:41 statefulset-disruption-budget warn`,
      `${seeds}/001-web.yaml:34 statefulset-readiness-probe warn`,
      `${seeds}/001-web.yaml:31 statefulset-spread warn`,
      `${seeds}/001-web.yaml:29 statefulset-disruption-budget warn`,
      `${seeds}/002-my-statefulset.yaml:31 statefulset-readiness-probe warn`,
      `${seeds}/002-my-statefulset.yaml:29 statefulset-spread warn`,
      `${seeds}/002-my-statefulset.yaml:27 statefulset-disruption-budget warn`,
      `${seeds}/002-mysql.yaml:8 statefulset-headless-service warn`,
      `${seeds}/002-mysql.yaml:19 statefulset-readiness-probe warn`,
      `${seeds}/002-mysql.yaml:17 statefulset-spread warn`,
      `${seeds}/002-mysql.yaml:15 statefulset-disruption-budget warn`,
      `${seeds}/002-mysql.yaml:32 storage-class warn`,
      `${seeds}/003-backend.yaml:19 statefulset-readiness-probe warn`,
      `${seeds}/003-backend.yaml:17 statefulset-spread warn`,
      `${seeds}/003-backend.yaml:15 statefulset-disruption-budget warn`,
      `${seeds}/004-web.yaml:32 statefulset-readiness-probe warn`,
      `${seeds}/004-web.yaml:30 statefulset-spread warn`,
      `${seeds}/004-web.yaml:28 statefulset-disruption-budget warn`,
    ]);
    expect(stdout).toContain(
      `${seeds}/001-web.yaml:17: note: StatefulSet default/web is also defined at ${seeds}/000-web.yaml:29; applied together, this one replaces it`,
    );
    expect(stdout.trimEnd().split("\n").at(-1)).toBe("9 objects checked in 9 files, none denied, 22 warnings");
  });
});

describe("stateward check on examples/broken", () => {
  it("gives the results each file's comment documents", async () => {
    const { code, stdout } = await cli(["check", "examples/broken"]);
    expect(code).toBe(1);
    expect(findingLines(stdout)).toEqual([
      "examples/broken/claim-size-and-mode.yaml:14 storage-request deny",
      "examples/broken/claim-size-and-mode.yaml:11 storage-access-modes deny",
      "examples/broken/missing-service.yaml:9 statefulset-headless-service warn",
      "examples/broken/missing-service.yaml:18 statefulset-spread warn",
      "examples/broken/missing-service.yaml:16 statefulset-disruption-budget warn",
      "examples/broken/not-headless.yaml:20 statefulset-headless-service warn",
      "examples/broken/not-headless.yaml:29 statefulset-spread warn",
      "examples/broken/not-headless.yaml:27 statefulset-disruption-budget warn",
      "examples/broken/removed-api-version.yaml:5 statefulset-api-version deny",
      "examples/broken/removed-api-version.yaml:9 statefulset-selector deny",
      "examples/broken/removed-api-version.yaml:16 statefulset-spread warn",
      "examples/broken/removed-api-version.yaml:14 statefulset-disruption-budget warn",
      "examples/broken/selector-mismatch.yaml:30 statefulset-selector deny",
      "examples/broken/selector-mismatch.yaml:23 statefulset-headless-service warn",
      "examples/broken/selector-mismatch.yaml:32 statefulset-spread warn",
      "examples/broken/selector-mismatch.yaml:30 statefulset-disruption-budget warn",
      "examples/broken/volume-mount-typo.yaml:39 statefulset-volume-mounts deny",
      "examples/broken/volume-mount-typo.yaml:43 statefulset-volume-mounts warn",
      "examples/broken/wrong-type.yaml:10 object-decoding deny",
    ]);
    expect(stdout).toContain(
      'examples/broken/removed-api-version.yaml:5: deny: StatefulSet default/legacy: apiVersion: Unsupported value: "apps/v1beta1": ' +
        'supported values: "apps/v1"; apps/v1beta1 is no longer served since Kubernetes 1.16; change apiVersion to apps/v1 [statefulset-api-version]',
    );
    expect(stdout).toContain(
      'examples/broken/wrong-type.yaml:10: deny: StatefulSet default/counter: spec.replicas: Invalid value: "3": ' +
        "Invalid input: expected number, received string [object-decoding]",
    );
    expect(stdout.trimEnd().split("\n").at(-1)).toBe("7 objects checked in 7 files, 5 denied, 12 warnings");
  });

  it("each file says in its comment what is expected of it", async () => {
    const { readdir, readFile } = await import("node:fs/promises");
    const { code, stdout } = await cli(["check", "--output=json", "examples/broken"]);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as { objects: { file: string; findings: { ruleId: string; action: string }[] }[] };
    for (const name of await readdir("examples/broken")) {
      const text = await readFile(`examples/broken/${name}`, "utf8");
      const expected = [...text.matchAll(/(deny|warn) \[([a-z-]+)\]/g)].map((m) => `${m[1]} ${m[2]}`).sort();
      const actual = report.objects
        .filter((o) => o.file === `examples/broken/${name}`)
        .flatMap((o) => o.findings.map((f) => `${f.action} ${f.ruleId}`))
        .sort();
      expect(actual, name).toEqual(expected);
    }
  });
});

describe("exit codes", () => {
  it("0 clean, 1 denied, 2 bad usage", async () => {
    expect((await cli(["check", "test/fixtures/corpus/k8s-examples__databases__cassandra__cassandra-service.yaml", "test/fixtures/corpus/k8s-examples__databases__cassandra__cassandra-statefulset.yaml"])).code).toBe(0);
    expect((await cli(["check", "examples/broken/selector-mismatch.yaml"])).code).toBe(1);
    const usage = await cli(["check", "--output=xml", seeds]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--output takes text, json, sarif, github or junit");
    expect((await cli(["check"])).code).toBe(2);
    expect((await cli(["check", "--bogus", seeds])).code).toBe(2);
    expect((await cli(["frobnicate"])).code).toBe(2);
    expect((await cli(["check", "--namespace=Not_A_Label", seeds])).code).toBe(2);
  });

  it("--help prints the usage and exits 0", async () => {
    for (const argv of [["--help"], []]) {
      const { code, stdout } = await cli(argv);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^ {2}check +run the validating webhook's rules on manifests$/m);
      expect(stdout).toMatch(/^ {2}serve +serve the admission webhook/m);
    }
    for (const argv of [["check", "--help"], ["help", "check"], ["check", seeds, "-h"]]) {
      const { code, stdout } = await cli(argv);
      expect(code).toBe(0);
      expect(stdout).toContain("Usage: stateward check [options] <path>...");
    }
    expect((await cli(["--version"])).stdout).toMatch(/^stateward \d+\.\d+\.\d+\n$/);
  });

  it("a mistyped command or flag names the nearest one", async () => {
    const command = await cli(["chek", seeds]);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('unknown command "chek"; did you mean check?');
    const flag = await cli(["check", "--polcy", "p.yaml", seeds]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("stateward check: unknown option --polcy; did you mean --policy?");
    const serveFlag = await cli(["serve", "--tls-crt", "x"]);
    expect(serveFlag.stderr).toContain("did you mean --tls-cert?");
    expect((await cli(["check", "--zzzzzz", seeds])).stderr).not.toContain("did you mean");
  });

  it("--warnings-as-errors turns a run with warnings only into exit 1", async () => {
    const file = `${seeds}/002-mysql.yaml`;
    expect((await cli(["check", file])).code).toBe(0);
    expect((await cli(["check", "--warnings-as-errors", file])).code).toBe(1);
  });

  it("2 for a missing file, after checking the files that exist", async () => {
    const { code, stdout } = await cli(["check", "no/such/file.yaml", `${seeds}/002-mysql.yaml`]);
    expect(code).toBe(2);
    expect(stdout).toContain("no/such/file.yaml: error: no such file or directory");
    expect(stdout).toContain("spec.serviceName: Not found");
  });

  it("2 for a policy that is not valid, naming the field", async () => {
    const { writeFile, mkdtemp } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(`${tmpdir()}/stateward-`);
    await writeFile(`${dir}/policy.yaml`, "rules:\n  statefulset-selector:\n    action: maybe\n");
    const { code, stderr } = await cli(["check", "--policy", `${dir}/policy.yaml`, seeds]);
    expect(code).toBe(2);
    expect(stderr).toContain("rules.statefulset-selector.action");
  });
});

describe("the policy document", () => {
  it("raises a warning to a denial, as it does in the webhook", async () => {
    const { writeFile, mkdtemp } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(`${tmpdir()}/stateward-`);
    await writeFile(`${dir}/policy.yaml`, "rules:\n  statefulset-readiness-probe:\n    action: deny\n");
    const { code, stdout } = await cli(["check", "--policy", `${dir}/policy.yaml`, `${seeds}/002-mysql.yaml`]);
    expect(code).toBe(1);
    expect(stdout).toContain("002-mysql.yaml:19: deny: StatefulSet default/mysql: spec.template.spec.containers[0].readinessProbe");
    // A Service that may be created right after stays a warning whatever the action: the rule marks it advisory.
    expect(stdout).toContain('002-mysql.yaml:8: warn: StatefulSet default/mysql: spec.serviceName: Not found: "mysql"');
  });

  it("skips namespaces the policy exempts, as the webhook does", async () => {
    const { code, stdout } = await cli(["check", "--namespace=kube-system", `${seeds}/002-mysql.yaml`]);
    expect(code).toBe(0);
    expect(findingLines(stdout)).toEqual([]);
    expect(stdout).toContain('note: skipped StatefulSet "mysql": namespace "kube-system" is exempt by the policy');
  });
});

/**
 * kube-score's statefulset-poddisruptionbudget-v1beta1-matches (zegl/kube-score score/testdata), which kube-score
 * grades as a StatefulSet with a budget: a cluster of 1.25 or later refuses the policy/v1beta1 budget, so check says so,
 * as an input error at the budget's line, and still counts it as the policy/v1 budget it has to become.
 */
describe("a PodDisruptionBudget of an API version no longer served", () => {
  const manifests = (apiVersion: string) => `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: statefulset-test-1
spec:
  replicas: 3
  serviceName: statefulset-test-1
  selector:
    matchLabels:
      app: foo
  template:
    metadata:
      labels:
        app: foo
    spec:
      containers:
      - name: foobar
        image: foo:bar
---
apiVersion: ${apiVersion}
kind: PodDisruptionBudget
metadata:
  name: app-budget
spec:
  minAvailable: 2
  selector:
    matchLabels:
      app: foo
`;

  it("is an input error at its line naming the version to move to; its StatefulSet still counts it", async () => {
    const { code, stdout } = await cli(["check", "-"], { stdin: manifests("policy/v1beta1") });
    expect(code).toBe(2);
    expect(stdout).toContain(
      '<stdin>:20: error: PodDisruptionBudget "app-budget": policy/v1beta1 is no longer served since Kubernetes 1.25; change apiVersion to policy/v1 ' +
        "(where an empty selector selects every pod of the namespace, and none in policy/v1beta1)",
    );
    expect(stdout).not.toContain("statefulset-disruption-budget");
    const json = await cli(["check", "-o", "json", "-"], { stdin: manifests("policy/v1beta1") });
    expect(json.code).toBe(2);
    expect((JSON.parse(json.stdout) as { errors: { line: number }[] }).errors.map((e) => e.line)).toEqual([20]);
  });

  it("policy/v1 is fine, and another group's PodDisruptionBudget is none of Kubernetes'", async () => {
    for (const apiVersion of ["policy/v1", "example.com/v1"]) {
      const { code, stdout } = await cli(["check", "-"], { stdin: manifests(apiVersion) });
      expect(stdout).not.toContain("error:");
      expect(code).toBe(0);
    }
  });
});

describe("inputs that hold no manifest", () => {
  it("are an input error naming the path, exit 2, in every format; --allow-empty makes them clean", async () => {
    const { mkdtemp, writeFile } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(`${tmpdir()}/stateward-empty-`);
    const empty = await cli(["check", dir]);
    expect(empty.code).toBe(2);
    expect(empty.stdout).toBe(
      `${dir}: error: nothing to check: no .yaml, .yml or .json file; pass --allow-empty if that is expected\n` +
        "0 objects checked in 0 files, none denied, 0 warnings, 1 input error\n",
    );
    const json = await cli(["check", "-o", "json", dir]);
    expect(json.code).toBe(2);
    expect((JSON.parse(json.stdout) as { errors: { file: string }[] }).errors).toEqual([
      { file: dir, message: "nothing to check: no .yaml, .yml or .json file; pass --allow-empty if that is expected" },
    ]);
    expect(json.stderr).toContain("error: nothing to check");
    expect((await cli(["check", "-o", "sarif", dir])).code).toBe(2);

    await writeFile(`${dir}/empty.yaml`, "# nothing yet\n");
    const commentOnly = await cli(["check", dir]);
    expect(commentOnly.code).toBe(2);
    expect(commentOnly.stdout).toContain(`${dir}: error: nothing to check: 1 file without a Kubernetes object; pass --allow-empty`);
    const stdin = await cli(["check", "-"], { stdin: "" });
    expect(stdin.code).toBe(2);
    expect(stdin.stdout).toContain("<stdin>: error: nothing to check: 1 file without a Kubernetes object");

    const allowed = await cli(["check", "--allow-empty", dir]);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toBe("0 objects checked in 1 file, none denied, 0 warnings\n");
    expect((await cli(["check", "--help"])).stdout).toContain("--allow-empty");
  });

  it("a file of other kinds only is not empty: its objects were read", async () => {
    const { code } = await cli(["check", "-"], { stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n" });
    expect(code).toBe(0);
  });
});
