/**
 * `__proto__` keys at every write boundary, run on both runtimes (routes.test.ts on Node, scenario.worker.test.ts in
 * workerd): refused with a 400 that names the item, never a 500; `constructor` and `prototype` are label keys like any.
 */
import { expect } from "vitest";
import serviceReview from "../fixtures/admission/000-web.service-web-headless.create.validate.json";

type Fetch = (request: Request) => Response | Promise<Response>;

/** JSON text with a `"__proto__"` key (JSON.stringify of an object literal cannot write one: it sets the prototype). */
const withProtoKey = (value: unknown, marker: string) => JSON.stringify(value).replace(`"${marker}":"x"`, '"__proto__":{"polluted":"yes"}');

export async function refusesProtoKeys(fetch: Fetch, token: string): Promise<void> {
  const send = async (method: string, path: string, body: string) => {
    const res = await fetch(new Request(`http://x${path}`, { method, body, headers: { authorization: `Bearer ${token}` } }));
    return { status: res.status, body: (await res.json()) as { error?: string; session?: string } };
  };
  const forbidden = (path: string) => ({
    status: 400,
    body: { status: 400, error: `request body: ${path}: Forbidden: a "__proto__" key is not accepted (it is no Kubernetes field, label or annotation key)` },
  });
  const service = (selector: Record<string, string>) => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web", namespace: "default" },
    spec: { clusterIP: "None", selector },
  });

  const list = { apiVersion: "v1", kind: "List", items: [service({ app: "web", marker: "x" })] };
  expect(await send("PUT", "/inventory", withProtoKey(list, "marker"))).toEqual(forbidden("items[0].spec.selector.__proto__"));

  const review = structuredClone(serviceReview) as { request: { object: { metadata: Record<string, unknown> } } };
  review.request.object.metadata.labels = { marker: "x" };
  expect(await send("POST", "/observe", withProtoKey(review, "marker"))).toEqual(forbidden("request.object.metadata.labels.__proto__"));

  const opened = await send("POST", "/inventory/sync", JSON.stringify({ kinds: ["Service"] }));
  expect(opened.status).toBe(201);
  const page = { kind: "Service", records: [{ namespace: "default", name: "web", clusterIP: "None", selector: { marker: "x" } }] };
  expect(await send("POST", `/inventory/sync/${opened.body.session}/pages`, withProtoKey(page, "marker"))).toEqual(
    forbidden("records[0].selector.__proto__"),
  );
  expect(await send("POST", "/inventory/sync", withProtoKey({ kinds: ["Service"], marker: "x" }, "marker"))).toEqual(forbidden("__proto__"));

  // Valid Kubernetes label keys, kept as data.
  const labels = { constructor: "a", prototype: "b" };
  expect(await send("PUT", "/inventory", JSON.stringify({ apiVersion: "v1", kind: "List", items: [service(labels)] }))).toMatchObject({ status: 200 });
  const records = await send("POST", `/inventory/sync/${opened.body.session}/pages`, JSON.stringify({ ...page, records: [{ ...page.records[0], selector: labels }] }));
  expect(records).toEqual({ status: 200, body: { staged: { Service: 1 } } });
}
