/**
 * Every StatefulSet of the seeds and the real-world corpus through the StatefulSet rules, each finding pinned as
 * `<action> <rule> <path>: <type>` (the exact messages are pinned in each rule's own test). The cluster view knows the
 * Services and PodDisruptionBudgets published with each StatefulSet: in its own file, or else in files of the same
 * upstream folder that hold no StatefulSet (kube-score's test files, each with its own StatefulSet, stay apart).
 */
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { podDisruptionBudgetRecord, serviceRecord } from "../../src/cluster/records.js";
import { memoryClusterView, type PodDisruptionBudgetRecord, type ServiceRecord } from "../../src/cluster/view.js";
import type { Finding } from "../../src/engine/finding.js";
import { validate } from "../../src/engine/validate.js";
import type { StatefulSet } from "../../src/k8s/objects.js";
import { buildPolicy } from "../../src/policy/policy.js";
import { statefulSetRules } from "../../src/rules/statefulset/index.js";
import { yamlDocs } from "./helpers.js";

const fixtures = fileURLToPath(new URL("../fixtures/", import.meta.url));
const ours = new Set(statefulSetRules.map((rule) => rule.id));
const upstreamFolder = (file: string) => file.slice(0, file.lastIndexOf("__"));

function manifests(dir: "corpus" | "seeds") {
  return readdirSync(`${fixtures}${dir}`)
    .filter((file) => file.endsWith(".yaml"))
    .sort()
    .map((file) => ({ file, docs: yamlDocs(`${dir}/${file}`) }));
}

async function sweep(dir: "corpus" | "seeds"): Promise<Record<string, string[]>> {
  const files = manifests(dir);
  const servicesOf = (docs: Record<string, unknown>[]) =>
    docs.filter((d) => d.kind === "Service").map((d) => serviceRecord(d)).filter((s): s is ServiceRecord => !!s);
  const budgetsOf = (docs: Record<string, unknown>[]) =>
    docs
      .filter((d) => d.kind === "PodDisruptionBudget")
      .map((d) => podDisruptionBudgetRecord(d))
      .filter((b): b is PodDisruptionBudgetRecord => !!b);
  const pinned: Record<string, string[]> = {};
  for (const { file, docs } of files) {
    const siblings = files
      .filter((f) => upstreamFolder(f.file) === upstreamFolder(file) && !f.docs.some((d) => d.kind === "StatefulSet"))
      .flatMap((f) => f.docs);
    for (const doc of docs.filter((d) => d.kind === "StatefulSet")) {
      const sts = doc as StatefulSet;
      let services = servicesOf(docs);
      if (services.length === 0 && dir === "corpus") services = servicesOf(siblings);
      let podDisruptionBudgets = budgetsOf(docs);
      if (podDisruptionBudgets.length === 0 && dir === "corpus") podDisruptionBudgets = budgetsOf(siblings);
      const namespace = sts.metadata?.namespace ?? "default";
      const scope = buildPolicy({}).forNamespace(namespace);
      const review = { kind: "StatefulSet" as const, object: sts, oldObject: undefined };
      const cluster = memoryClusterView({ services, podDisruptionBudgets });
      const { denials, warnings } = await validate(review, "CREATE", namespace, scope, cluster);
      const line = (f: Finding) => `${f.action} ${f.ruleId} ${f.error.path}: ${f.error.type}`;
      pinned[`${file} ${sts.metadata?.name}`] = [...denials, ...warnings].filter((f) => ours.has(f.ruleId)).map(line);
    }
  }
  return pinned;
}

const probe = "warn statefulset-readiness-probe spec.template.spec.containers[0].readinessProbe: Required value";
const noService = "warn statefulset-headless-service spec.serviceName: Not found";
// Not headless, or not selecting the pods.
const wrongService = "warn statefulset-headless-service spec.serviceName: Invalid value";
const noServiceName = "warn statefulset-service-name spec.serviceName: Required value";
const selector = "deny statefulset-selector spec.template.metadata.labels: Invalid value";
// Replicas above one with nothing keeping them on different nodes.
const spread = "warn statefulset-spread spec.template.spec.affinity.podAntiAffinity: Required value";
// Replicas above one and no PodDisruptionBudget among the files published with them.
const noBudget = "warn statefulset-disruption-budget spec.template.metadata.labels: Not found";
// A budget that lets no replica be evicted.
const blockingBudget = "warn statefulset-disruption-budget spec.template.metadata.labels: Invalid value";

describe("StatefulSet rules on the seeds and the corpus", () => {
  it("pins every finding on the seeds", async () => {
    expect(await sweep("seeds")).toEqual({
      "000-web.yaml web": [probe, spread, noBudget],
      "001-web.yaml web": [probe, spread, noBudget],
      "002-my-statefulset.yaml my-statefulset": [probe, spread, noBudget],
      "002-mysql.yaml mysql": [noService, probe, spread, noBudget],
      "003-backend.yaml backend": [probe, spread, noBudget],
      "004-web.yaml web": [probe, spread, noBudget],
    });
  });

  it("pins every finding on the real-world manifests", async () => {
    expect(await sweep("corpus")).toEqual({
      "gatekeeper-library__library__general__storageclass__samples__storageclass__example_allowed_ss.yaml volumeclaimstorageclass":
        [noService, probe],
      "gatekeeper-library__library__general__storageclass__samples__storageclass__example_disallowed_ssvct_badnamename.yaml badvolumeclaimstorageclass":
        [noService, probe],
      "gatekeeper-library__library__general__storageclass__samples__storageclass__example_disallowed_ssvct_nonamename.yaml novolumeclaimstorageclass":
        [noService, probe],
      // CockroachDB's budget, minAvailable: 67% of 3 replicas, rounds up to all 3: no drain can evict one.
      "k8s-examples__archived__cockroachdb__cockroachdb-statefulset.yaml cockroachdb": [probe, blockingBudget],
      "k8s-examples__archived__storage__minio__minio-distributed-statefulset.yaml minio": [probe, spread, noBudget],
      "k8s-examples__archived__volumes__vsphere__simple-statefulset.yaml web": [probe, spread, noBudget],
      "k8s-examples__databases__cassandra__cassandra-statefulset.yaml cassandra": [spread, noBudget],
      // apps/v1beta1 never reaches the webhook (it registers apps/v1 only); judged as if it were apps/v1.
      "kube-score__score__testdata__statefulset-appsv1beta1.yaml statefulset-test-1": [selector, noServiceName, probe],
      // kube-score's anti-affinity cases: only the one with 10 replicas and no anti-affinity is reported.
      "kube-score__score__testdata__statefulset-host-antiaffinity-1-replica.yaml statefulset-host-antiaffinity-1-replica": [noServiceName, probe],
      "kube-score__score__testdata__statefulset-host-antiaffinity-not-set.yaml statefulset-anti-affinity-not-set": [noServiceName, probe, spread, noBudget],
      "kube-score__score__testdata__statefulset-host-antiaffinity-preffered.yaml statefulset-preffered-anti-affinity": [noServiceName, probe, noBudget],
      "kube-score__score__testdata__statefulset-host-antiaffinity-required.yaml statefulset-required-anti-affinity": [noServiceName, probe, noBudget],
      "kube-score__score__testdata__statefulset-different-labels.yaml statefulset-test-1": [selector, noService, probe],
      "kube-score__score__testdata__statefulset-service-name-different-label.yaml statefulset-test-1": [selector, wrongService, probe],
      "kube-score__score__testdata__statefulset-service-name-different-name.yaml statefulset-test-1": [noService, probe],
      "kube-score__score__testdata__statefulset-service-name-different-namespace.yaml statefulset-test-1": [noService, probe],
      "kube-score__score__testdata__statefulset-service-name-not-headless.yaml statefulset-test-1": [wrongService, probe],
      "kube-score__score__testdata__statefulset-service-name.yaml statefulset-test-1": [probe],
      "kube-score__score__testdata__statefulset-test-resources.yaml statefulset-test-1": [selector, noServiceName, probe],
      "kube-state-metrics__examples__autosharding__statefulset.yaml kube-state-metrics": [spread, noBudget],
      "kyverno-policies__other__pdb-minavailable__kyverno-test__resource.yaml bad-pdb": [selector, noService, probe, spread, noBudget],
      "kyverno-policies__other__pdb-minavailable__kyverno-test__resource.yaml good-pdb": [selector, noService, probe, spread, noBudget],
      "kyverno-policies__other__require-storageclass__chainsaw-test__ss-bad.yaml badss": [noService, probe],
      "kyverno-policies__other__require-storageclass__chainsaw-test__ss-good.yaml goodss01": [
        noServiceName,
        "warn statefulset-volume-mounts spec.volumeClaimTemplates[0].metadata.name: Invalid value",
        probe,
      ],
      "kyverno-policies__other__require-storageclass__chainsaw-test__ss-good.yaml goodss02": [noServiceName, probe],
      "kyverno-policies__other__require-storageclass__kyverno-test__resource.yaml goodss": [noService, probe, spread, noBudget],
      "kyverno-policies__other__require-storageclass__kyverno-test__resource.yaml goodss-novct": [noService, probe, spread, noBudget],
      "kyverno-policies__other__require-storageclass__kyverno-test__resource.yaml badss": [noService, probe, spread, noBudget],
      // Longhorn's example Service "nginx" has a cluster IP.
      "longhorn__examples__statefulset.yaml web": [wrongService, probe, spread, noBudget],
      // CockroachDB's idiom again (a persistentVolumeClaim volume naming its own claim template): silent.
      "rabbitmq-diy__gke__statefulset.yaml rabbitmq": [],
      // RabbitMQ's kind example: NodePort Service, and a pod template without labels.
      "rabbitmq-diy__kind__base__deployment.yaml rabbitmq": [selector, wrongService, wrongService, spread, noBudget],
      "redis-cluster__redis-cluster.yaml redis-cluster": [spread, noBudget],
      // Parallel pod management: readiness probes are not required (they have them anyway).
      "yolean-kafka__kafka__50kafka.yaml kafka": [spread, noBudget],
      "yolean-kafka__zookeeper__50pzoo.yaml pzoo": [spread, noBudget],
      "yolean-kafka__zookeeper__51zoo.yaml zoo": [spread, noBudget],
    });
  });
});
