import type { App } from "../../src/http/service.js";

export interface ReviewAnswer {
  apiVersion: string;
  kind: string;
  response: {
    uid: string;
    allowed: boolean;
    status?: { code: number; reason: string; message: string };
    warnings?: string[];
    patch?: string;
    patchType?: string;
  };
}

/** Posts a JSON body (or raw text) to the app or the Worker and returns status and parsed body. */
export async function post(
  fetcher: { fetch(request: Request): Promise<Response> | Response },
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetcher.fetch(
    new Request(`http://stateward.test${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
  );
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

/** A deep copy of a fixture with request fields replaced. */
export function withRequest<T extends { request: Record<string, unknown> }>(review: T, changes: Record<string, unknown>): T {
  const copy = structuredClone(review);
  Object.assign(copy.request, changes);
  return copy;
}

export const appFetcher = (app: App) => ({ fetch: (request: Request) => app.fetch(request) });
