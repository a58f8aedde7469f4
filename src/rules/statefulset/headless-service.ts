import * as z from "zod";
import type { ClusterView } from "../../cluster/view.js";
import { invalid, notFound, unverified } from "../../k8s/field.js";
import { advisory, defineRule, type RepairOutcome, type RuleIssue } from "../../engine/types.js";
import { podTemplateOf } from "../../k8s/kinds.js";
import type { StatefulSet } from "../../k8s/objects.js";
import { closestName } from "../../k8s/names.js";
import { serviceNamePath, usableServiceName } from "./service-name.js";

/** A Service of the namespace whose name is close to serviceName. */
async function similarService(cluster: ClusterView, namespace: string, name: string): Promise<string | undefined> {
  const services = await cluster.list("Service", namespace);
  return services.state === "found" ? closestName(name, services.value.map((s) => s.name)) : undefined;
}

interface ServicePort {
  name?: string;
  port: number;
  protocol?: string;
}

/** The Service ports of the containers' ports, one per port and protocol (TCP is the default and left out). */
function servicePorts(statefulSet: StatefulSet): ServicePort[] {
  const out = new Map<string, ServicePort>();
  for (const container of podTemplateOf("StatefulSet", statefulSet).template?.spec?.containers ?? []) {
    const ports: unknown = (container as Record<string, unknown>).ports;
    if (!Array.isArray(ports)) continue;
    for (const entry of ports as { containerPort?: unknown; name?: unknown; protocol?: unknown }[]) {
      if (typeof entry?.containerPort !== "number") continue;
      const protocol = typeof entry.protocol === "string" && entry.protocol !== "TCP" ? entry.protocol : undefined;
      const key = `${entry.containerPort}/${protocol ?? "TCP"}`;
      if (out.has(key)) continue;
      out.set(key, {
        ...(typeof entry.name === "string" && entry.name !== "" ? { name: entry.name } : {}),
        port: entry.containerPort,
        ...(protocol ? { protocol } : {}),
      });
    }
  }
  return [...out.values()];
}

/**
 * The headless Service a StatefulSet names and nothing defines: named spec.serviceName, in the StatefulSet's namespace,
 * clusterIP None, selecting the pod template's labels, with the containers' ports. Refused where that Service would
 * not be valid or would not be the only answer.
 */
export function headlessServiceFor(statefulSet: StatefulSet, name: string): RepairOutcome {
  const labels = podTemplateOf("StatefulSet", statefulSet).template?.metadata?.labels ?? {};
  if (Object.keys(labels).length === 0) return { refused: "the pod template has no labels for the Service to select" };
  const ports = servicePorts(statefulSet);
  if (ports.length > 1 && ports.some((p) => p.name === undefined)) {
    return { refused: "a Service with several ports must name each, and not every container port has a name" };
  }
  const namespace = statefulSet.metadata?.namespace;
  const service = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, ...(namespace ? { namespace } : {}) },
    spec: { clusterIP: "None", selector: { ...labels }, ...(ports.length > 0 ? { ports } : {}) },
  };
  return { changes: [], created: [service] };
}

/**
 * Wrong Services are findings at the configured action. What may be fine is advisory: a Service not created yet
 * (manifests often list the StatefulSet first), and a lookup that could not be made (`unverified`: the object
 * itself is not at fault).
 */
export const statefulSetHeadlessService = defineRule({
  id: "statefulset-headless-service",
  summary: "The Service named by spec.serviceName exists in the namespace, is headless and selects the pod template's labels.",
  rationale:
    "Per-pod DNS records such as web-0.<service>.<namespace>.svc exist only for a headless Service (clusterIP: None) whose selector selects the pods. Otherwise the StatefulSet runs but peers cannot address each other by stable names. Published manifests get this wrong, so the default is warn.",
  fix: "Create a Service with clusterIP: None and a selector matching spec.template.metadata.labels, in the StatefulSet's namespace, named as spec.serviceName. clusterIP cannot be changed to None in place: delete and re-create the Service.",
  kinds: ["StatefulSet"],
  defaultAction: "warn",
  params: z.object({}),
  async check({ kind, object, namespace, cluster }) {
    const name = usableServiceName(object);
    if (!name) return [];
    const lookup = await cluster.get("Service", namespace, name);
    if (lookup.state === "unknown") {
      return [advisory(unverified(serviceNamePath, `Service "${name}"`, lookup.reason))];
    }
    if (lookup.state === "not-found") {
      const meant = await similarService(cluster, namespace, name);
      const hint = meant ? `did you mean Service "${meant}"? Else create` : "create";
      return [
        advisory(notFound(serviceNamePath, name, `no Service "${name}" in namespace "${namespace}"; ${hint} it headless (clusterIP: None), selecting the pods`)),
      ];
    }
    const service = lookup.value;
    const issues: RuleIssue[] = [];
    if (service.clusterIP !== "None") {
      issues.push(
        invalid(
          serviceNamePath,
          name,
          `Service "${name}" is not headless, so pods get no DNS names; re-create it with clusterIP: None`,
        ),
      );
    }
    const selector = service.selector ?? {};
    const labels = podTemplateOf(kind, object).template?.metadata?.labels ?? {};
    if (Object.keys(selector).length === 0) {
      issues.push(
        invalid(serviceNamePath, name, `Service "${name}" has no selector, so pods get no DNS records; select the pod labels`),
      );
    } else if (!Object.entries(selector).every(([key, value]) => labels[key] === value)) {
      issues.push(
        invalid(
          serviceNamePath,
          name,
          `Service "${name}" selector ${JSON.stringify(selector)} does not select the pod labels; pods get no DNS records`,
        ),
      );
    }
    return issues;
  },
  cel: { notExported: "it looks up the Service named by spec.serviceName" },
  autofix: {
    summary:
      "A Service defined nowhere is written as a new document at the end of the StatefulSet's file: named spec.serviceName, clusterIP: None, selecting the pod template's labels, with the containers' ports. Not when a Service of a similar name exists (the serviceName may be the typo), nor when the pod template has no labels or has several ports not all named.",
    async of({ object, namespace, cluster }, finding) {
      const name = usableServiceName(object);
      if (name === undefined || finding.type !== "Not found") return undefined;
      const meant = await similarService(cluster, namespace, name);
      if (meant) return { refused: `Service "${meant}" exists: spec.serviceName may be the typo` };
      return headlessServiceFor(object, name);
    },
  },
});
