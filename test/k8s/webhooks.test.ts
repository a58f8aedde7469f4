/**
 * The webhook registrations of both overlays against the app itself: every path is a route of src/http/app.ts, and
 * the rules cover exactly what the handlers serve (src/admission/handler.ts, src/cluster/kinds.ts).
 */
import { describe, expect, it } from "vitest";
import { handledResources } from "../../src/admission/handler.js";
import { clusterKinds } from "../../src/cluster/kinds.js";
import { defaults } from "../../src/defaults/index.js";
import { kinds } from "../../src/k8s/kinds.js";
import { observeTimeoutMs } from "../../src/http/cluster-routes.js";
import { routes, tokenPathPrefix } from "../../src/http/routes.js";
import type { LabelSelector } from "../../src/k8s/objects.js";
import { selectorMatches } from "../../src/k8s/selector.js";
import { type K8sObject, one, overlayDir, render, webhooks } from "./render.js";

const overlays = ["edge", "in-cluster"] as const;
const rendered = Object.fromEntries(overlays.map((name) => [name, render(overlayDir(name))])) as Record<
  (typeof overlays)[number],
  K8sObject[]
>;

/** `/t/:token` as a pattern: the token-in-path form the app mounts in front of its routes. */
const tokenPrefix = new RegExp(`^${tokenPathPrefix.replace(/:[A-Za-z]+/g, "[^/]+")}(?=/)`);

/** The app route a webhook calls: the Service's path or the URL's path, without the token-in-path prefix. */
function routeOf(webhook: Record<string, any>): string {
  const { service, url } = webhook.clientConfig;
  const path: string = service ? service.path : new URL(url).pathname;
  return path.replace(tokenPrefix, "");
}

/** Each rule expanded to group/version/resource/operation, the way the API server matches requests. */
function coverage(webhook: Record<string, any>): string[] {
  return (webhook.rules as Record<string, string[]>[]).flatMap((rule) =>
    rule.apiGroups!.flatMap((group) =>
      rule.apiVersions!.flatMap((version) =>
        rule.resources!.flatMap((resource) => rule.operations!.map((op) => `${group}/${version}/${resource}/${op}`)),
      ),
    ),
  );
}

const coverageOf = (resources: typeof handledResources) =>
  resources.flatMap(({ group, version, resource }) => ["CREATE", "UPDATE"].map((op) => `${group}/${version}/${resource}/${op}`));
const admissionCoverage = coverageOf(handledResources);
// Mutation is registered only for the kinds some default applies to: a call for any other kind could only answer no patch.
const mutationCoverage = coverageOf(handledResources.filter(({ kind }) => defaults.some((d) => d.kinds.includes(kind))));
// Every kind the cluster view holds is served in v1 of its group (v1, apps/v1, storage.k8s.io/v1).
const observeCoverage = clusterKinds.flatMap((kind) =>
  ["CREATE", "UPDATE", "DELETE"].map((op) => `${kinds[kind].group}/v1/${kinds[kind].resource}/${op}`),
);

/** A namespace as the API server sees it: with the immutable kubernetes.io/metadata.name label. */
const namespaceLabels = (name: string, labels: Record<string, string> = {}) => ({
  "kubernetes.io/metadata.name": name,
  ...labels,
});

describe.each(overlays)("webhooks of k8s/overlays/%s", (name) => {
  const objects = rendered[name];
  const all = webhooks(objects);
  const validate = one(objects, "ValidatingWebhookConfiguration", "stateward");
  const mutate = one(objects, "MutatingWebhookConfiguration", "stateward");

  it("call only paths the app serves, each webhook its own route", () => {
    const served = new Set<string>(Object.values(routes));
    for (const { webhook } of all) expect(served, `${webhook.name} → ${routeOf(webhook)}`).toContain(routeOf(webhook));
    expect(validate.webhooks.map(routeOf)).toEqual([routes.validate, routes.validate]);
    expect(mutate.webhooks.map(routeOf)).toEqual([routes.mutate]);
  });

  it("validate exactly the resources and operations the admission handler reviews, and mutate those it defaults", () => {
    // Together the validating webhooks cover the handler, each resource once: the gate, then the budgets.
    expect(validate.webhooks.flatMap(coverage).sort()).toEqual([...admissionCoverage].sort());
    expect(validate.webhooks.map((webhook: Record<string, any>) => coverage(webhook).some((c) => c.startsWith("policy/")))).toEqual([false, true]);
    for (const webhook of mutate.webhooks) expect(coverage(webhook).sort(), webhook.name).toEqual([...mutationCoverage].sort());
    expect(admissionCoverage).toContain("policy/v1/poddisruptionbudgets/CREATE");
    expect(mutationCoverage).not.toContain("policy/v1/poddisruptionbudgets/CREATE");
    for (const webhook of [...validate.webhooks, ...mutate.webhooks]) {
      for (const rule of webhook.rules) expect(rule.scope, webhook.name).toBe("Namespaced");
    }
  });

  it("use the settings the API server needs from them", () => {
    for (const { configuration, webhook } of all) {
      expect(webhook.admissionReviewVersions, webhook.name).toEqual(["v1"]);
      expect(webhook.matchPolicy, webhook.name).toBe("Equivalent");
      expect(webhook.timeoutSeconds, webhook.name).toBeGreaterThanOrEqual(1);
      expect(webhook.timeoutSeconds, webhook.name).toBeLessThanOrEqual(5);
      expect(webhook.name, "webhook names are fully qualified").toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+){2,}$/);
      if (configuration.kind === "MutatingWebhookConfiguration") expect(webhook.reinvocationPolicy).toBe("IfNeeded");
    }
    const [validating, budgets] = validate.webhooks;
    expect(validating.failurePolicy).toBe("Fail");
    expect(validating.sideEffects).toBe("None");
    // Every budget finding is advice: an unreachable Stateward must not block budgets.
    expect(budgets.name).toBe("validate-budgets.stateward.dev");
    expect(budgets.failurePolicy).toBe("Ignore");
    expect(budgets.sideEffects).toBe("None");
    const [mutating] = mutate.webhooks;
    expect(mutating.failurePolicy).toBe("Ignore");
    expect(mutating.sideEffects).toBe("None");
  });

  it("let kube-system, namespaces labelled stateward.dev/ignore=true and Stateward's own namespace through", () => {
    const own = one(objects, "Namespace", "stateward");
    for (const { webhook } of all) {
      const selector = webhook.namespaceSelector as LabelSelector;
      expect(selectorMatches(selector, namespaceLabels("kube-system")), webhook.name).toBe(false);
      expect(selectorMatches(selector, namespaceLabels("team-a", { "stateward.dev/ignore": "true" })), webhook.name).toBe(false);
      expect(selectorMatches(selector, namespaceLabels("stateward", own.metadata.labels)), webhook.name).toBe(false);
      expect(selectorMatches(selector, namespaceLabels("default")), webhook.name).toBe(true);
      expect(selectorMatches(selector, namespaceLabels("team-a", { "stateward.dev/ignore": "false" })), webhook.name).toBe(true);
    }
  });

  it("spare calls with matchConditions but never skip dry runs for validation and defaulting", () => {
    for (const webhook of [...validate.webhooks, ...mutate.webhooks]) {
      const expressions = (webhook.matchConditions as { name: string; expression: string }[]).map((c) => c.expression);
      expect(expressions.join(" "), webhook.name).toContain("system:serviceaccount:kube-system:statefulset-controller");
      expect(expressions.join(" "), webhook.name).not.toContain("dryRun");
    }
  });
});

describe("the /observe webhook (edge)", () => {
  const observe = one(rendered.edge, "ValidatingWebhookConfiguration", "stateward-observe");
  const [webhook] = observe.webhooks;

  it("calls /observe for CREATE, UPDATE and DELETE of exactly the kinds the cluster view holds", () => {
    expect(routeOf(webhook)).toBe(routes.observe);
    expect(coverage(webhook).sort()).toEqual([...observeCoverage].sort());
    for (const rule of webhook.rules) {
      const kind = clusterKinds.find((k) => kinds[k].resource === rule.resources[0])!;
      expect(rule.scope, rule.resources[0]).toBe(kinds[kind].namespaced ? "Namespaced" : "Cluster");
    }
  });

  it("can never block a write and declares its side effect", () => {
    expect(webhook.failurePolicy).toBe("Ignore");
    expect(webhook.sideEffects).toBe("NoneOnDryRun");
    // The API server must not give up before the app's own deadline for an observation.
    expect(webhook.timeoutSeconds * 1000).toBeGreaterThan(observeTimeoutMs);
    expect(webhook.matchConditions.map((c: { expression: string }) => c.expression).join(" ")).toContain("request.dryRun");
  });

  it("is left out in-cluster, where the server watches the cluster instead", () => {
    expect(rendered["in-cluster"].some((o) => o.metadata.name === "stateward-observe")).toBe(false);
  });
});
