/**
 * The PolicyReport part of a local API server, for the list/watch servers of the watch and sync tests: lists (with
 * a label selector), server-side apply and delete of wgpolicyk8s.io/v1alpha2 PolicyReports, kept in a Map, with
 * every request recorded as `METHOD path`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

export interface PolicyReportsApi {
  /** Held reports by `namespace/name`. */
  reports: Map<string, any>;
  requests: string[];
  /** Answers the request if it is about PolicyReports; false leaves it to the caller. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

const prefix = "/apis/wgpolicyk8s.io/v1alpha2/";

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export function policyReportsApi(): PolicyReportsApi {
  const reports = new Map<string, any>();
  const requests: string[] = [];
  const json = (res: ServerResponse, status: number, value: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(value));
  };
  return {
    reports,
    requests,
    async handle(req, res) {
      const url = new URL(req.url ?? "/", "http://x");
      if (!url.pathname.startsWith(prefix)) return false;
      requests.push(`${req.method} ${url.pathname}${url.search}`);
      if (url.pathname === `${prefix}policyreports` && req.method === "GET") {
        const [key, value] = (url.searchParams.get("labelSelector") ?? "=").split("=");
        const items = [...reports.values()].filter((r) => !key || r.metadata.labels?.[key] === value);
        json(res, 200, { apiVersion: "wgpolicyk8s.io/v1alpha2", kind: "PolicyReportList", metadata: { resourceVersion: "1" }, items });
        return true;
      }
      const match = /^\/apis\/wgpolicyk8s\.io\/v1alpha2\/namespaces\/([^/]+)\/policyreports\/([^/]+)$/.exec(url.pathname);
      if (!match) return json(res, 404, { kind: "Status", code: 404, message: "no such resource" }), true;
      const key = `${decodeURIComponent(match[1]!)}/${decodeURIComponent(match[2]!)}`;
      if (req.method === "PATCH") {
        const ok =
          req.headers["content-type"] === "application/apply-patch+yaml" &&
          url.searchParams.get("fieldManager") === "stateward" &&
          url.searchParams.get("force") === "true";
        if (!ok) return json(res, 415, { kind: "Status", code: 415, message: "server-side apply only, by stateward" }), true;
        const object = JSON.parse(await body(req));
        const created = !reports.has(key);
        reports.set(key, object);
        json(res, created ? 201 : 200, object);
        return true;
      }
      if (req.method === "DELETE") {
        if (!reports.delete(key)) return json(res, 404, { kind: "Status", code: 404, message: "not found" }), true;
        json(res, 200, { kind: "Status", status: "Success" });
        return true;
      }
      json(res, 405, { kind: "Status", code: 405, message: "method not allowed" });
      return true;
    },
  };
}
