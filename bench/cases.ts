/**
 * The AdmissionReviews the benchmark measures: real fixtures as the API server sends them, and generated StatefulSets
 * grown from the same fixture until they reach a target size (a big real-world one, and one near the etcd object
 * limit).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

const fixtureDir = join(import.meta.dirname, "..", "test", "fixtures", "admission");

export type Route = "/validate" | "/mutate";

export interface BenchCase {
  name: string;
  route: Route;
  /** The exact request body, as the API server would send it. */
  body: string;
  /** A small object of the kind every cluster sends all day: held to the tightest target. */
  everyday?: boolean;
}

type Json = Record<string, any>;

export function fixture(file: string): Json {
  return JSON.parse(readFileSync(join(fixtureDir, file), "utf8")) as Json;
}

export const fixtures = {
  smallValidate: "000-web.statefulset-web.create.validate.json",
  smallMutate: "000-web.statefulset-web.create.mutate.json",
  pvcValidate: "000-web-pvc.persistentvolumeclaim-www-web-0.create.validate.json",
  pvcMutate: "000-web-pvc.persistentvolumeclaim-www-web-0.create.mutate.json",
} as const;

export interface GrowOptions {
  containers: number;
  claimTemplates: number;
  /** Grow the env lists until the serialized review reaches this many bytes. */
  targetBytes: number;
}

/**
 * A StatefulSet review grown from a fixture: `containers` copies of its container, each mounting every one of
 * `claimTemplates` claim templates, with env lists of realistic entries until the body reaches `targetBytes`.
 */
export function grow(review: Json, options: GrowOptions): Json {
  const copy = structuredClone(review);
  const object = copy.request.object as Json;
  const podSpec = object.spec.template.spec as Json;
  const [container] = podSpec.containers as Json[];
  const [claim] = object.spec.volumeClaimTemplates as Json[];
  const claims = Array.from({ length: options.claimTemplates }, (_, i) => {
    const c = structuredClone(claim!);
    c.metadata.name = `data-${i}`;
    c.spec.resources.requests.storage = `${10 + i}Gi`;
    return c;
  });
  object.spec.volumeClaimTemplates = claims;
  const containers = Array.from({ length: options.containers }, (_, i) => {
    const c = structuredClone(container!);
    c.name = `app-${i}`;
    c.image = `registry.example.com/team/app-${i}:1.${i}.0`;
    c.ports = [{ containerPort: 8000 + i, name: `http-${i}`, protocol: "TCP" }];
    c.volumeMounts = claims.map((claimTemplate, j) => ({ name: claimTemplate.metadata.name, mountPath: `/data/${j}` }));
    c.resources = { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } };
    c.env = [];
    return c;
  });
  podSpec.containers = containers;
  // Grow in rounds, one entry per container each round, so every container has about the same env list.
  let round = 0;
  const step = Math.max(1, Math.floor(options.targetBytes / 200_000));
  while (JSON.stringify(copy).length < options.targetBytes) {
    for (let r = 0; r < step; r++, round++) {
      for (const [i, c] of containers.entries()) {
        c.env.push({
          name: `SETTING_${round}_${i}`,
          value: `postgres://user-${round}@db-${i}.default.svc.cluster.local:5432/app?sslmode=require&round=${round}`,
        });
      }
    }
  }
  return copy;
}

/** The cases of the in-process benchmark, each for /validate and /mutate. */
export function benchCases(): BenchCase[] {
  const cases: BenchCase[] = [];
  const add = (name: string, validate: Json, mutate: Json, everyday = false) => {
    cases.push({ name, route: "/validate", body: JSON.stringify(validate), everyday });
    cases.push({ name, route: "/mutate", body: JSON.stringify(mutate), everyday });
  };
  const smallValidate = fixture(fixtures.smallValidate);
  const smallMutate = fixture(fixtures.smallMutate);
  add("small StatefulSet (seeds' web)", smallValidate, smallMutate, true);
  add("PVC", fixture(fixtures.pvcValidate), fixture(fixtures.pvcMutate), true);
  const large = { containers: 20, claimTemplates: 10, targetBytes: 100 * 1024 };
  add("large StatefulSet (20 containers, 10 claims)", grow(smallValidate, large), grow(smallMutate, large));
  const nearLimit = { containers: 20, claimTemplates: 10, targetBytes: 1.5 * 1024 * 1024 };
  add("near-limit StatefulSet", grow(smallValidate, nearLimit), grow(smallMutate, nearLimit));
  return cases;
}
