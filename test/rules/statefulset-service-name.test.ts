import { describe, expect, it } from "vitest";
import { admissionRequest, baseStatefulSet, corpusStatefulSet, none, runAdmission, runRule, seedStatefulSet } from "./helpers.js";

const id = "statefulset-service-name";
const unsetWarning = `spec.serviceName: Required value: without it pods get no stable DNS names such as <pod>.<service>; set it to a headless Service that selects the pods [${id}]`;

describe(id, () => {
  it("passes a seed whose serviceName is a DNS-1123 label", async () => {
    expect(await runRule(id, seedStatefulSet("001-web.yaml", "web"))).toEqual(none);
  });

  it("denies a serviceName that is not a DNS-1123 label, which would leave the controller stuck", async () => {
    const sts = baseStatefulSet();
    sts.spec!.serviceName = "web.headless";
    expect(await runRule(id, sts)).toEqual({
      denials: [
        `spec.serviceName: Invalid value: "web.headless": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character; the controller copies it into each pod's spec.subdomain and cannot create the pods [${id}]`,
      ],
      warnings: [],
    });
  });

  it("only warns, whatever the action, when serviceName is unset (a real manifest from Kyverno's tests)", async () => {
    const sts = corpusStatefulSet("kyverno-policies__other__require-storageclass__chainsaw-test__ss-good.yaml", "goodss02");
    expect(await runRule(id, sts)).toEqual({ denials: [], warnings: [unsetWarning] });
    expect(await runRule(id, sts, { policy: { rules: { [id]: { action: "deny" } } } })).toEqual({
      denials: [],
      warnings: [unsetWarning],
    });
  });

  it("follows the configured action", async () => {
    const sts = baseStatefulSet();
    sts.spec!.serviceName = "Web";
    expect(await runRule(id, sts, { policy: { rules: { [id]: { action: "off" } } } })).toEqual(none);
    const warned = await runRule(id, sts, { policy: { rules: { [id]: { action: "warn" } } } });
    expect([warned.denials.length, warned.warnings.length]).toEqual([0, 1]);
    const perNamespace = await runRule(id, sts, {
      namespace: "lab",
      policy: { namespaces: { lab: { rules: { [id]: { action: "off" } } } } },
    });
    expect(perNamespace).toEqual(none);
  });

  it("passes defaulted objects from the API server", async () => {
    expect(await runAdmission(id, "003-backend.statefulset-backend.create.validate.json")).toEqual(none);
  });

  it("warns on a defaulted object without serviceName", async () => {
    const { object } = admissionRequest("004-web.statefulset-web.create.validate.json");
    delete object.spec!.serviceName;
    expect(await runRule(id, object)).toEqual({ denials: [], warnings: [unsetWarning] });
  });
});
