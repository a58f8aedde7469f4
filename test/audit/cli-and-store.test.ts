/**
 * `stateward audit` (the CLI, over a cluster's List on standard input) and GET /audit (the HTTP route, over a store
 * synced with the same List) are two ways into one audit: they must find the same things. Compared as structures
 * (object, rule id, action, path, type), never as rendered text.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { syncInventory } from "../../src/cluster/ingest.js";
import { clusterKindOfObject, recordOf } from "../../src/cluster/kinds.js";
import { memoryClusterStore } from "../../src/cluster/memory-store.js";
import { clusterViewOf } from "../../src/cluster/store.js";
import { createApp } from "../../src/http/app.js";
import { kinds } from "../../src/k8s/kinds.js";
import { loadPolicy } from "../../src/policy/policy.js";
import { cli, repoRoot } from "../cli/io.js";

const token = "audit-token";

interface Judged {
  kind: string;
  namespace: string;
  name: string;
  uid?: string;
  findings: readonly { ruleId: string; action: string; path: string; type: string }[];
  exempted?: readonly { ruleId: string; action: string; path: string; type: string }[];
}

/** One line per finding: what is compared. Exempted findings count too, marked as such. */
function findingsOf(objects: readonly Judged[]): string[] {
  return objects
    .flatMap((o) => {
      const object = `${o.kind} ${o.namespace}/${o.name} ${o.uid ?? "-"}`;
      const line = (exempt: string) => (f: Judged["findings"][number]) => `${object} | ${f.ruleId} ${f.action}${exempt} | ${f.path} | ${f.type}`;
      return [...o.findings.map(line("")), ...(o.exempted ?? []).map(line(" (exempted)"))];
    })
    .sort();
}

const identities = (objects: readonly Judged[]) => objects.map((o) => `${o.kind} ${o.namespace}/${o.name} ${o.uid ?? "-"}`).sort();

/**
 * A List as a cluster would serve it, from every manifest of `dir`: each file in a namespace of its own (so that
 * files reusing a name do not collide), every object with a uid; only what an API server would have accepted and
 * served (the served version of each kind, objects the cluster view can read).
 */
function clusterListOf(dirs: readonly string[]): { apiVersion: "v1"; kind: "List"; items: Record<string, unknown>[] } {
  const items: Record<string, unknown>[] = [];
  const files = dirs.flatMap((dir) => readdirSync(path.join(repoRoot, dir)).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(dir, f)));
  files.forEach((file, index) => {
    for (const document of parseAllDocuments(readFileSync(path.join(repoRoot, file), "utf8"))) {
      const object = document.toJS() as Record<string, unknown> | null;
      if (!object || typeof object !== "object" || Array.isArray(object)) continue;
      const kind = clusterKindOfObject(object.apiVersion, object.kind);
      if (!kind) continue;
      const { group, version, namespaced } = kinds[kind];
      if (object.apiVersion !== (group ? `${group}/${version}` : version)) continue;
      const metadata = (object.metadata ?? {}) as Record<string, unknown>;
      const item = {
        ...object,
        metadata: { ...metadata, ...(namespaced ? { namespace: `f${index}` } : {}), uid: `uid-${index}-${items.length}` },
      };
      if (recordOf(kind, item, "default")) items.push(item);
    }
  });
  return { apiVersion: "v1", kind: "List", items };
}

async function auditOverStore(list: unknown): Promise<Judged[]> {
  const store = memoryClusterStore();
  const synced = await syncInventory(store, list);
  if (!synced.ok) throw new Error(synced.error);
  const app = createApp({ config: () => ({ token, policy: loadPolicy(undefined), cluster: clusterViewOf(store), store }), log: () => {} });
  const objects: Judged[] = [];
  let next: string | null = null;
  do {
    const query = new URLSearchParams({ limit: "7", ...(next ? { continue: next } : {}) });
    const res = await app.request(`/audit?${query}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const page = (await res.json()) as { objects: (Judged & { notAudited?: string })[]; continue: string | null };
    for (const object of page.objects) expect(object.notAudited, `${object.kind} ${object.namespace}/${object.name}`).toBeUndefined();
    objects.push(...page.objects);
    next = page.continue;
  } while (next !== null);
  return objects;
}

async function auditOverCli(list: unknown): Promise<Judged[]> {
  const { stdout, stderr } = await cli(["audit", "-o", "json", "-"], { stdin: JSON.stringify(list) });
  expect(stderr).toBe("");
  return (JSON.parse(stdout) as { objects: Judged[] }).objects;
}

describe("stateward audit and GET /audit", () => {
  const lists = {
    // Published manifests, StorageClasses among them.
    "the corpus": ["test/fixtures/corpus"],
    // No StorageClass at all; disruption budgets; exempting annotations.
    "the seeds and examples": ["test/fixtures/seeds", "examples/broken", "examples/disruption-budgets", "examples/exempted"],
  };
  for (const [name, dirs] of Object.entries(lists)) {
    it(`find the same things on one cluster List: ${name}`, { timeout: 60_000 }, async () => {
      const list = clusterListOf(dirs);
      expect(list.items.length).toBeGreaterThan(20);
      const [overCli, overStore] = await Promise.all([auditOverCli(list), auditOverStore(list)]);
      expect(identities(overStore)).toEqual(identities(overCli));
      const found = findingsOf(overCli);
      expect(found.length).toBeGreaterThan(10);
      expect(findingsOf(overStore)).toEqual(found);
    });
  }
});
