import { describe, expect, it } from "vitest";
import { syncInventory } from "../../src/cluster/ingest.js";
import { memoryClusterStore } from "../../src/cluster/memory-store.js";
import { clusterViewOf } from "../../src/cluster/store.js";
import { type ClusterView, emptyClusterView, memoryClusterView, type ServiceRecord, unknown } from "../../src/cluster/view.js";
import { baseStatefulSet, headlessWeb, none, runAdmission, runRule, seedStatefulSet, serviceOf } from "./helpers.js";

const id = "statefulset-headless-service";
const notFound = `spec.serviceName: Not found: "web-headless": no Service "web-headless" in namespace "default"; create it headless (clusterIP: None), selecting the pods [${id}]`;
const notHeadless = `spec.serviceName: Invalid value: "web-headless": Service "web-headless" is not headless, so pods get no DNS names; re-create it with clusterIP: None [${id}]`;

describe(id, () => {
  it("passes when the seed's own headless Service selects the pods", async () => {
    const services = [serviceOf("seeds/000-web.yaml", "web-headless"), serviceOf("seeds/000-web.yaml", "web")];
    expect(await runRule(id, seedStatefulSet("000-web.yaml", "web"), { services })).toEqual(none);
  });

  it("warns when the Service is not headless, and denies when the policy raises the rule", async () => {
    const services = [{ ...headlessWeb, clusterIP: "10.96.0.12" }];
    expect(await runRule(id, baseStatefulSet(), { services })).toEqual({ denials: [], warnings: [notHeadless] });
    expect(await runRule(id, baseStatefulSet(), { services, policy: { rules: { [id]: { action: "deny" } } } })).toEqual({
      denials: [notHeadless],
      warnings: [],
    });
    expect(await runRule(id, baseStatefulSet(), { services, policy: { rules: { [id]: { action: "off" } } } })).toEqual(none);
  });

  it("reports a selector that does not select the pod template's labels", async () => {
    const services = [{ ...headlessWeb, selector: { app: "web" } }];
    expect((await runRule(id, baseStatefulSet(), { services })).warnings).toEqual([
      `spec.serviceName: Invalid value: "web-headless": Service "web-headless" selector {"app":"web"} does not select the pod labels; pods get no DNS records [${id}]`,
    ]);
    const withoutSelector = [{ ...headlessWeb, selector: null }];
    expect((await runRule(id, baseStatefulSet(), { services: withoutSelector })).warnings).toEqual([
      `spec.serviceName: Invalid value: "web-headless": Service "web-headless" has no selector, so pods get no DNS records; select the pod labels [${id}]`,
    ]);
  });

  it("only warns when the Service is missing (it may be created right after), even under deny", async () => {
    const result = await runRule(id, baseStatefulSet(), { services: [], policy: { rules: { [id]: { action: "deny" } } } });
    expect(result).toEqual({ denials: [], warnings: [notFound] });
  });

  it("looks in the StatefulSet's own namespace", async () => {
    const result = await runRule(id, baseStatefulSet(), { namespace: "shop", services: [headlessWeb] });
    expect(result.warnings).toEqual([
      `spec.serviceName: Not found: "web-headless": no Service "web-headless" in namespace "shop"; create it headless (clusterIP: None), selecting the pods [${id}]`,
    ]);
  });

  it("says it could not verify when the cluster view cannot answer", async () => {
    const result = await runRule(id, baseStatefulSet(), {
      cluster: emptyClusterView(),
      policy: { rules: { [id]: { action: "deny" } } },
    });
    expect(result).toEqual({
      denials: [],
      warnings: [`spec.serviceName: could not verify Service "web-headless": no cluster view is configured [${id}]`],
    });
  });

  it("makes no lookup when serviceName is unset or invalid", async () => {
    const lookups: string[] = [];
    const cluster = { ...emptyClusterView(), service: async (namespace: string, name: string) => {
      lookups.push(`${namespace}/${name}`);
      return { state: "not-found" } as const;
    } };
    const unset = baseStatefulSet();
    delete unset.spec!.serviceName;
    const invalid = baseStatefulSet();
    invalid.spec!.serviceName = "Web_Headless";
    expect(await runRule(id, unset, { cluster })).toEqual(none);
    expect(await runRule(id, invalid, { cluster })).toEqual(none);
    expect(lookups).toEqual([]);
  });

  it("passes a defaulted object whose Service the view knows, and warns on the seed listing the StatefulSet first", async () => {
    const services = [serviceOf("seeds/003-backend.yaml", "backend")];
    expect(await runAdmission(id, "003-backend.statefulset-backend.create.validate.json", { services })).toEqual(none);
    expect((await runAdmission(id, "003-backend.statefulset-backend.create.validate.json", { services: [] })).warnings).toEqual([
      `spec.serviceName: Not found: "backend": no Service "backend" in namespace "default"; create it headless (clusterIP: None), selecting the pods [${id}]`,
    ]);
  });
});

describe(`${id}: the Service most likely meant`, () => {
  const record = (name: string): ServiceRecord => ({ namespace: "default", name, clusterIP: "None", selector: { app: "nginx" } });

  it("names a Service of the namespace with a similar name when the view can list them", async () => {
    const sts = baseStatefulSet();
    const cluster = memoryClusterView({ services: [record("web-hl"), record("db"), { ...record("web-headles"), namespace: "other" }] });
    expect((await runRule(id, sts, { cluster })).warnings).toEqual([
      `spec.serviceName: Not found: "web-headless": no Service "web-headless" in namespace "default"; did you mean Service "web-hl"? Else create it headless (clusterIP: None), selecting the pods [${id}]`,
    ]);
    const typo = memoryClusterView({ services: [record("web-headles"), record("web-hl")] });
    expect((await runRule(id, sts, { cluster: typo })).warnings[0]).toContain('did you mean Service "web-headles"?');
  });

  it("names it in the webhook too: the cluster store lists a namespace's Service names", async () => {
    const store = memoryClusterStore();
    const view = clusterViewOf(store);
    const sts = baseStatefulSet();
    expect((await runRule(id, sts, { cluster: view })).warnings[0]).toContain("could not verify");
    const service = (namespace: string, name: string) => ({ apiVersion: "v1", kind: "Service", metadata: { namespace, name }, spec: { clusterIP: "None" } });
    await syncInventory(store, { apiVersion: "v1", kind: "List", items: [service("default", "web-hl"), service("other", "web-headles")] });
    expect((await runRule(id, sts, { cluster: view })).warnings).toEqual([
      `spec.serviceName: Not found: "web-headless": no Service "web-headless" in namespace "default"; did you mean Service "web-hl"? Else create it headless (clusterIP: None), selecting the pods [${id}]`,
    ]);
  });

  it("suggests nothing when no name is close, or when the view cannot list Services", async () => {
    const sts = baseStatefulSet();
    const far = memoryClusterView({ services: [record("cache")] });
    expect((await runRule(id, sts, { cluster: far })).warnings[0]).not.toContain("did you mean");
    const close = memoryClusterView({ services: [record("web-hl")] });
    const unlisted: ClusterView = { ...close, list: async () => unknown("too many to list") };
    expect((await runRule(id, sts, { cluster: unlisted })).warnings[0]).not.toContain("did you mean");
  });
});
