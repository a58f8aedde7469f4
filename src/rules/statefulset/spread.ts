import * as z from "zod";
import { type FieldError, FieldPath, invalid, required } from "../../k8s/field.js";
import { defineRule } from "../../engine/types.js";
import { type PodTemplateAt, podTemplateOf } from "../../k8s/kinds.js";
import type { LabelSelector, PodAffinityTerm } from "../../k8s/objects.js";
import { selectorMatches } from "../../k8s/selector.js";
import { celStrings } from "../../engine/cel.js";
import { selectorMatchesCel } from "./cel.js";


const params = z.object({
  minReplicas: z
    .number()
    .int()
    .min(2)
    .default(2)
    .describe("Fewest replicas (spec.replicas, 1 when unset) from which the pods must be kept apart."),
  topologyKeys: z
    .array(z.string().min(1))
    .min(1)
    .default(["kubernetes.io/hostname"])
    .describe(
      "Topology keys whose anti-affinity or spread constraint counts as keeping replicas apart; add topology.kubernetes.io/zone to accept zone spreading.",
    ),
});

/** One way the pod template asks to keep its pods apart, with where it is written. */
interface Spreading {
  path: FieldPath;
  topologyKey: string | null | undefined;
  labelSelector: LabelSelector | null | undefined;
  namespaces?: string[] | null;
  namespaceSelector?: LabelSelector | null;
  /** A required anti-affinity term, which the scheduler never breaks (a preferred term or a spread constraint may be). */
  required: boolean;
}

/**
 * Well-known node labels of a zone or a region (k8s.io/api/core/v1 well_known_labels.go), with the deprecated
 * failure-domain.beta ones still set on older nodes. A node is in exactly one zone and one region, so a required
 * anti-affinity on one of them puts every replica in a zone of its own, hence on a node of its own.
 */
const failureDomainKeys: readonly string[] = [
  "topology.kubernetes.io/zone",
  "topology.kubernetes.io/region",
  "failure-domain.beta.kubernetes.io/zone",
  "failure-domain.beta.kubernetes.io/region",
];

/** Where a pod spec asks to keep its pods apart. */
const antiAffinityPathOf = (pod: PodTemplateAt) => pod.path.child("spec", "affinity", "podAntiAffinity");

function spreadingOf(pod: PodTemplateAt): Spreading[] {
  const podSpec = pod.template?.spec;
  const antiAffinityPath = antiAffinityPathOf(pod);
  const anti = podSpec?.affinity?.podAntiAffinity;
  const term = (path: FieldPath, t: PodAffinityTerm | null | undefined, required: boolean): Spreading => ({
    path,
    required,
    topologyKey: t?.topologyKey,
    labelSelector: t?.labelSelector,
    namespaces: t?.namespaces,
    namespaceSelector: t?.namespaceSelector,
  });
  const required = (anti?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t, i) =>
    term(antiAffinityPath.child("requiredDuringSchedulingIgnoredDuringExecution").index(i), t, true),
  );
  const preferred = (anti?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w, i) =>
    term(antiAffinityPath.child("preferredDuringSchedulingIgnoredDuringExecution").index(i).child("podAffinityTerm"), w.podAffinityTerm, false),
  );
  const constraints = (podSpec?.topologySpreadConstraints ?? []).map((c, i) => ({
    path: pod.path.child("spec", "topologySpreadConstraints").index(i),
    topologyKey: c.topologyKey,
    labelSelector: c.labelSelector,
    required: false,
  }));
  return [...required, ...preferred, ...constraints];
}

/**
 * Why a term does not keep this StatefulSet's pods apart, or undefined when it does. A term with no namespaces and no
 * namespaceSelector applies to the pod's own namespace; a namespaceSelector is given the benefit of the doubt, since
 * namespace labels are not known here.
 */
function shortcoming(s: Spreading, labels: Record<string, string>, namespace: string, keys: readonly string[]): FieldError | undefined {
  const apart = (key: string) => keys.includes(key) || (s.required && failureDomainKeys.includes(key));
  if (!s.topologyKey || !apart(s.topologyKey)) {
    return invalid(s.path.child("topologyKey"), s.topologyKey ?? "", `replicas may still share a node; use ${keys.map((k) => JSON.stringify(k)).join(" or ")}`);
  }
  if (!s.labelSelector || !selectorMatches(s.labelSelector, labels)) {
    return invalid(s.path.child("labelSelector"), s.labelSelector ?? null, "does not select the pod template's labels, so it keeps no replicas apart");
  }
  if (s.namespaces && s.namespaces.length > 0 && !s.namespaces.includes(namespace) && !s.namespaceSelector) {
    return invalid(s.path.child("namespaces"), s.namespaces, `does not include the StatefulSet's namespace "${namespace}"`);
  }
  return undefined;
}

export const statefulSetSpread = defineRule({
  id: "statefulset-spread",
  summary:
    "A StatefulSet with more than one replica keeps its pods on different nodes: pod anti-affinity on kubernetes.io/hostname (required or preferred) or a topology spread constraint, selecting its own pods.",
  rationale:
    "Replicas of a database or a quorum system exist to survive the loss of a node. Without anti-affinity or a spread constraint the scheduler may put several of them, or all, on one node, and that node's failure or drain takes them down together (kube-score: StatefulSet has host PodAntiAffinity; kube-linter: no-anti-affinity). A required term on a zone or region key (topology.kubernetes.io/zone or /region, or their failure-domain.beta predecessors) also keeps them apart, since a node lies in one zone; a preferred one does not, as the scheduler may break it. A term on another topology key, or whose labelSelector does not select the pod template's labels, keeps nothing apart.",
  fix: "Add to spec.template.spec.affinity.podAntiAffinity a preferredDuringSchedulingIgnoredDuringExecution (or required, if there are always enough nodes) term with topologyKey: kubernetes.io/hostname and a labelSelector matching the pod template's labels; or a topologySpreadConstraint with maxSkew: 1 on that key.",
  kinds: ["StatefulSet"],
  defaultAction: "warn",
  params,
  check({ kind, object, namespace, params }) {
    const replicas = object.spec?.replicas ?? 1;
    if (replicas < params.minReplicas) return [];
    const pod = podTemplateOf(kind, object);
    const labels = pod.template?.metadata?.labels ?? {};
    const spreading = spreadingOf(pod);
    if (spreading.length === 0) {
      const keys = params.topologyKeys.join(" or ");
      return [required(antiAffinityPathOf(pod), `${replicas} replicas may run on one node and fail together; add anti-affinity or a topologySpreadConstraint on ${keys}`)];
    }
    const shortcomings = spreading.map((s) => shortcoming(s, labels, namespace, params.topologyKeys));
    if (shortcomings.some((s) => s === undefined)) return [];
    return [shortcomings[0]!];
  },
  cel: {
    variables: [
      { name: "replicas", expression: "object.?spec.?replicas.orValue(1)" },
      { name: "labels", expression: "object.?spec.?template.?metadata.?labels.orValue({})" },
      { name: "antiAffinity", expression: "object.?spec.?template.?spec.?affinity.?podAntiAffinity.orValue({})" },
      { name: "constraints", expression: "object.?spec.?template.?spec.?topologySpreadConstraints.orValue([])" },
    ],
    validations({ minReplicas, topologyKeys }) {
      // A term keeps the replicas apart: on one of the keys (or, required, on a zone or region), selecting the pod
      // template's labels, and applying to the StatefulSet's namespace (a namespaceSelector gets the benefit of the doubt).
      const apart = (t: string, required: boolean) =>
        `(${t}.?topologyKey.orValue('') in ${celStrings(required ? [...topologyKeys, ...failureDomainKeys] : topologyKeys)} && ${t}.?labelSelector.hasValue() && ${selectorMatchesCel(`${t}.labelSelector`, "variables.labels")} && (${t}.?namespaces.orValue([]).size() == 0 || request.namespace in ${t}.namespaces || ${t}.?namespaceSelector.hasValue()))`;
      const keptApart = [
        `variables.antiAffinity.?requiredDuringSchedulingIgnoredDuringExecution.orValue([]).exists(t, ${apart("t", true)})`,
        `variables.antiAffinity.?preferredDuringSchedulingIgnoredDuringExecution.orValue([]).exists(w, w.?podAffinityTerm.hasValue() && ${apart("w.podAffinityTerm", false)})`,
        `variables.constraints.exists(c, ${apart("c", false)})`,
      ].join(" || ");
      return [
        {
          expression: `variables.replicas < ${minReplicas} || ${keptApart}`,
          message: `string(variables.replicas) + ' replicas may run on one node and fail together; add pod anti-affinity or a topologySpreadConstraint on ${topologyKeys.join(" or ")} that selects the pod template\\'s labels'`,
        },
      ];
    },
    cost: "about 40 per anti-affinity term or spread constraint, plus 10 per selector term and template label; 5 terms of 5 selector terms: about 500",
  },
});
