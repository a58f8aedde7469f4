/** Every manifest in k8s/ and everything the overlays render validates against the Kubernetes API schemas. */
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { manifestFiles, one, overlayDir, parseManifests, render, validateWithModel } from "./render.js";

const overlays = ["edge", "in-cluster"] as const;

// Files that are not API objects: kustomize's own configuration (checked by building it) and the API server's
// configuration files (not served by any API; test/k8s/apiserver.test.ts checks what they must say).
const notApiObjects = new Map([
  ["kustomize.config.k8s.io/v1beta1/Kustomization", "built by kubectl kustomize"],
  ["apiserver.config.k8s.io/v1/AdmissionConfiguration", "read by kube-apiserver"],
  ["v1/Config", "a kubeconfig read by kube-apiserver"],
]);

/** Files a kustomization turns into ConfigMap data (the policy document): not manifests, checked where used. */
function generatorInputs(files: Map<string, string>): Set<string> {
  const inputs = new Set<string>();
  for (const [path, text] of files) {
    if (!path.endsWith("kustomization.yaml")) continue;
    for (const kustomization of parseManifests(text, path)) {
      for (const generator of kustomization.configMapGenerator ?? []) {
        for (const file of generator.files ?? []) inputs.add(join(dirname(path), String(file).split("=").pop()!));
      }
    }
  }
  return inputs;
}

describe("k8s/ manifests", () => {
  const files = manifestFiles();
  const data = generatorInputs(files);
  const manifests = [...files.keys()].filter((path) => !data.has(path));

  it("holds a base, both overlays and the API server examples", () => {
    for (const path of [
      "base/kustomization.yaml",
      "overlays/edge/kustomization.yaml",
      "overlays/in-cluster/kustomization.yaml",
      "apiserver/admission-configuration.yaml",
      "apiserver/webhook-kubeconfig.yaml",
    ]) {
      expect(files.has(path), path).toBe(true);
    }
  });

  it("finds the policy document as generator input, not as a manifest", () => {
    expect([...data]).toEqual(["overlays/in-cluster/policy.yaml"]);
  });

  it.each(manifests)("%s parses and each object validates against its schema", (path) => {
    const objects = parseManifests(files.get(path)!, path);
    expect(objects.length).toBeGreaterThan(0);
    for (const object of objects) {
      const key = `${object.apiVersion}/${object.kind}`;
      if (path.endsWith("kustomization.yaml") || path.startsWith("apiserver/")) {
        expect(notApiObjects.has(key), `${path}: ${key}`).toBe(true);
        continue;
      }
      validateWithModel(object, path);
    }
  });
});

describe.each(overlays)("kubectl kustomize k8s/overlays/%s", (name) => {
  const objects = render(overlayDir(name));

  it("renders objects that all validate against their schemas", () => {
    expect(objects.length).toBeGreaterThan(3);
    for (const object of objects) validateWithModel(object, `overlays/${name}`);
  });

  it("renders each object once", () => {
    const ids = objects.map((o) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("would reject a webhook setting the API server rejects (the schema check has teeth)", () => {
    const configuration = structuredClone(one(objects, "ValidatingWebhookConfiguration", "stateward"));
    configuration.webhooks[0].sideEffects = "Some-Maybe";
    expect(() => validateWithModel(configuration, `overlays/${name}`)).toThrow(/sideEffects/);
  });
});
