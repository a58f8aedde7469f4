/**
 * k8s/apiserver: the example AdmissionConfiguration + kubeconfig that make a self-managed API server send the token
 * as a bearer token. The API server picks the kubeconfig user by the host it calls, so the names must be exactly the
 * hosts the overlays' webhooks call.
 */
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { k8sDir, one, overlayDir, parseManifests, render, webhooks } from "./render.js";

const read = (file: string) => parseManifests(readFileSync(join(k8sDir, "apiserver", file), "utf8"), file);
const admission = one(read("admission-configuration.yaml"), "AdmissionConfiguration");
const kubeconfig = one(read("webhook-kubeconfig.yaml"), "Config");

/** The kubeconfig user name the API server looks up for a webhook (host, or <svc>.<ns>.svc, with a non-443 port). */
function credentialName(clientConfig: Record<string, any>): string {
  if (clientConfig.url) return new URL(clientConfig.url).host;
  const { name, namespace, port } = clientConfig.service;
  return `${name}.${namespace}.svc${port && port !== 443 ? `:${port}` : ""}`;
}

describe("bearer-token authentication for self-managed API servers", () => {
  it("configures both webhook admission plugins with the example kubeconfig", () => {
    const plugins = admission.plugins as { name: string; configuration: Record<string, string> }[];
    expect(plugins.map((p) => p.name).sort()).toEqual(["MutatingAdmissionWebhook", "ValidatingAdmissionWebhook"]);
    for (const { configuration } of plugins) {
      expect(configuration).toMatchObject({ apiVersion: "apiserver.config.k8s.io/v1", kind: "WebhookAdmissionConfiguration" });
      expect(basename(configuration.kubeConfigFile!)).toBe("webhook-kubeconfig.yaml");
    }
  });

  it.each(["edge", "in-cluster"])("has a token for every host the %s overlay's webhooks call", (name) => {
    const users = new Map((kubeconfig.users as { name: string; user: { token?: string } }[]).map((u) => [u.name, u.user]));
    for (const { webhook } of webhooks(render(overlayDir(name)))) {
      const user = users.get(credentialName(webhook.clientConfig));
      expect(user?.token, `${webhook.name} → ${credentialName(webhook.clientConfig)}`).toBeTruthy();
    }
  });

  it("uses the same token placeholder as worker.yaml", () => {
    const worker = one(parseManifests(readFileSync(join(overlayDir("edge"), "worker.yaml"), "utf8"), "worker.yaml"), "ConfigMap");
    for (const { user } of kubeconfig.users) expect(user.token).toBe(worker.data.token);
  });
});
