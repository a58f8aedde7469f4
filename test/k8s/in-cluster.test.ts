/** k8s/overlays/in-cluster: the Node server, its Service, certificate and RBAC fit together and fit the app. */
import { describe, expect, it } from "vitest";
import { clusterKinds } from "../../src/cluster/kinds.js";
import { kinds } from "../../src/k8s/kinds.js";
import { routes } from "../../src/http/routes.js";
import { selectorMatches } from "../../src/k8s/selector.js";
import { closeTimeoutSeconds, readNodeOptions } from "../../src/node/options.js";
import { lintPolicy } from "../../src/policy/lint.js";
import { loadPolicy } from "../../src/policy/policy.js";
import { find, one, overlayDir, render, webhooks } from "./render.js";

const objects = render(overlayDir("in-cluster"));
const deployment = one(objects, "Deployment", "stateward");
const pod = deployment.spec.template.spec;
const [container] = pod.containers;
const service = one(objects, "Service", "stateward");
/** The image's entry point is the `stateward` command; the Deployment's args name the subcommand first. */
const [subcommand, ...serveArgs] = container.args as string[];
const all = webhooks(objects);

/** The container port a Service port or probe names, by name or number. */
const containerPort = (port: string | number) =>
  container.ports.find((p: { name?: string; containerPort: number }) => p.name === port || p.containerPort === port);

/** The volume mounted at the directory holding `file`, and the key it reads from it. */
function mountedAt(file: string) {
  const mount = container.volumeMounts.find((m: { mountPath: string }) => file.startsWith(`${m.mountPath}/`));
  const volume = mount && pod.volumes.find((v: { name: string }) => v.name === mount.name);
  return { volume, key: mount ? file.slice(mount.mountPath.length + 1) : undefined };
}

describe("k8s/overlays/in-cluster", () => {
  it("points every webhook at the Service on port 443, which forwards to the server's port", () => {
    expect(all.length).toBe(3);
    for (const { webhook } of all) {
      const ref = webhook.clientConfig.service;
      expect(webhook.clientConfig.url, webhook.name).toBeUndefined();
      expect({ namespace: ref.namespace, name: ref.name, port: ref.port }).toEqual({
        namespace: service.metadata.namespace,
        name: service.metadata.name,
        port: 443,
      });
    }
    const port = service.spec.ports.find((p: { port: number }) => p.port === 443);
    expect(containerPort(port.targetPort)?.containerPort).toBe(readNodeOptions(serveArgs, {}).port);
    expect(selectorMatches({ matchLabels: service.spec.selector }, deployment.spec.template.metadata.labels)).toBe(true);
  });

  it("has cert-manager inject the CA of the Certificate whose DNS names the API server connects to", () => {
    const { name, namespace } = service.metadata;
    for (const { configuration, webhook } of all) {
      const injectFrom: string = configuration.metadata.annotations?.["cert-manager.io/inject-ca-from"];
      expect(injectFrom, configuration.kind).toBeDefined();
      expect(webhook.clientConfig.caBundle, "cert-manager fills caBundle in").toBeUndefined();
      const [certNamespace, certName] = injectFrom.split("/");
      const certificate = one(objects, "Certificate", certName);
      expect(certificate.metadata.namespace).toBe(certNamespace);
      expect(certificate.spec.dnsNames).toEqual(
        expect.arrayContaining([`${name}.${namespace}.svc`, `${name}.${namespace}.svc.cluster.local`]),
      );
      const issuer = one(objects, "Issuer", certificate.spec.issuerRef.name);
      expect(issuer.metadata.namespace).toBe(certNamespace);
    }
  });

  it("serves the Certificate's Secret: --tls-cert and --tls-key are files of the mounted Secret", () => {
    const options = readNodeOptions(serveArgs, {});
    const [injectFrom] = all.map(({ configuration }) => configuration.metadata.annotations["cert-manager.io/inject-ca-from"]);
    const certificate = one(objects, "Certificate", injectFrom.split("/")[1]);
    for (const [file, key] of [[options.tlsCert!, "tls.crt"], [options.tlsKey!, "tls.key"]] as const) {
      const mounted = mountedAt(file);
      expect(mounted.volume?.secret?.secretName, file).toBe(certificate.spec.secretName);
      expect(mounted.key).toBe(key);
    }
  });

  it("loads a policy that parses, from the generated ConfigMap", () => {
    const options = readNodeOptions(serveArgs, {});
    const mounted = mountedAt(options.policy!);
    const configMap = one(objects, "ConfigMap", mounted.volume.configMap.name);
    const policy = loadPolicy(configMap.data[mounted.key!]);
    expect(policy.ok ? "ok" : policy.error).toBe("ok");
    expect(lintPolicy(configMap.data[mounted.key!])).toEqual([]);
  });

  it("runs two replicas with readiness on /readyz and liveness on /livez over HTTPS, and a PodDisruptionBudget that keeps one", () => {
    expect(deployment.spec.replicas).toBe(2);
    expect(container.readinessProbe.httpGet.path).toBe(routes.readyz);
    expect(container.livenessProbe.httpGet.path).toBe(routes.livez);
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      expect(probe.httpGet.scheme).toBe("HTTPS");
      expect(containerPort(probe.httpGet.port)).toBeDefined();
    }
    const budgets = find(objects, "PodDisruptionBudget").filter((pdb) =>
      selectorMatches(pdb.spec.selector, deployment.spec.template.metadata.labels),
    );
    expect(budgets.length).toBe(1);
    expect(budgets[0]!.spec.minAvailable).toBeGreaterThanOrEqual(1);
    expect(budgets[0]!.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
  });

  it("spreads the replicas across nodes by a hard rule", () => {
    const labels = deployment.spec.template.metadata.labels;
    const spread = (pod.topologySpreadConstraints ?? []).filter(
      (c: { topologyKey: string; whenUnsatisfiable: string; labelSelector: unknown }) =>
        c.topologyKey === "kubernetes.io/hostname" && c.whenUnsatisfiable === "DoNotSchedule" && selectorMatches(c.labelSelector as never, labels),
    );
    const antiAffinity = (pod.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).filter(
      (term: { topologyKey: string; labelSelector: unknown }) =>
        term.topologyKey === "kubernetes.io/hostname" && selectorMatches(term.labelSelector as never, labels),
    );
    expect(spread.length + antiAffinity.length).toBeGreaterThan(0);
    for (const constraint of spread) expect(constraint.maxSkew).toBe(1);
  });

  it("gives the pod time to drain: the grace period covers the drain and the reviews in flight", () => {
    const { drainSeconds } = readNodeOptions(serveArgs, {});
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(drainSeconds + closeTimeoutSeconds);
  });

  it("runs `stateward serve`", () => {
    expect(subcommand).toBe("serve");
  });

  it("runs non-root on a read-only root filesystem, with requests and limits", () => {
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    for (const bound of ["requests", "limits"]) {
      expect(Object.keys(container.resources[bound]).sort(), bound).toEqual(["cpu", "memory"]);
    }
    expect(container.image).not.toBe("stateward");
  });

  it("watches the cluster, and may only get, list and watch the kinds the cluster view holds", () => {
    expect(readNodeOptions(serveArgs, {}).watch).toBe(true);
    const binding = find(objects, "ClusterRoleBinding").find((b) =>
      b.subjects.some((s: { kind: string; name: string }) => s.kind === "ServiceAccount" && s.name === pod.serviceAccountName),
    )!;
    const role = one(objects, "ClusterRole", binding.roleRef.name);
    const granted = role.rules.flatMap((rule: { apiGroups: string[]; resources: string[]; verbs: string[] }) =>
      rule.apiGroups.flatMap((g) => rule.resources.flatMap((r) => rule.verbs.map((v) => `${g}/${r}/${v}`))),
    );
    const expected = clusterKinds.flatMap((kind) =>
      ["get", "list", "watch"].map((verb) => `${kinds[kind].group}/${kinds[kind].resource}/${verb}`),
    );
    expect(granted.sort()).toEqual(expected.sort());
  });

  it("audits on a schedule, and may write PolicyReports and nothing else", () => {
    expect(readNodeOptions(serveArgs, {}).auditIntervalMs).toBe(600_000);
    const roles = find(objects, "ClusterRoleBinding")
      .filter((b) => b.subjects.some((s: { kind: string; name: string }) => s.kind === "ServiceAccount" && s.name === pod.serviceAccountName))
      .map((b) => one(objects, "ClusterRole", b.roleRef.name));
    const writes = roles.flatMap((role) =>
      role.rules.flatMap((rule: { apiGroups: string[]; resources: string[]; verbs: string[] }) =>
        rule.apiGroups.flatMap((g) => rule.resources.flatMap((r) => rule.verbs.filter((v) => !["get", "list", "watch"].includes(v)).map((v) => `${g}/${r}/${v}`))),
      ),
    );
    expect(writes.sort()).toEqual(["wgpolicyk8s.io/policyreports/create", "wgpolicyk8s.io/policyreports/delete", "wgpolicyk8s.io/policyreports/patch"]);
  });
});
