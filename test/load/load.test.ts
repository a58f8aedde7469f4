/**
 * The Node server under load at the benchmark's highest concurrency, over loopback: no request fails, no answer is
 * malformed, and every answer carries the uid of its own request (each request has a distinct uid, so an answer
 * crossed between connections would show).
 */
import { readFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startNodeServer } from "../../scripts/servers.js";

const connections = 64;
const requestsPerConnection = Number(process.env.STATEWARD_LOAD_REQUESTS ?? 25);

const bodies = [
  ["/validate", "000-web.statefulset-web.create.validate.json"],
  ["/mutate", "000-web.statefulset-web.server.mutate.json"],
  ["/validate", "000-web-pvc.persistentvolumeclaim-www-web-0.create.validate.json"],
  ["/mutate", "002-mysql.statefulset-mysql.client.mutate.json"],
  ["/validate", "002-mysql.statefulset-mysql.update-scale.validate.json"],
].map(([route, file]) => ({
  route: route!,
  review: JSON.parse(readFileSync(`test/fixtures/admission/${file}`, "utf8")) as { apiVersion: string; request: { uid: string } },
}));

function post(agent: Agent, url: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", agent, headers: { "content-type": "application/json" }, timeout: 10_000 }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("no answer within 10 s")));
    req.on("error", reject);
    req.end(body);
  });
}

describe("the Node server under load", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startNodeServer();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it(`answers ${connections} concurrent connections, every answer well-formed and with its own uid`, { timeout: 60_000 }, async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: connections });
    const failures: string[] = [];
    let answered = 0;
    const connection = async (c: number) => {
      for (let i = 0; i < requestsPerConnection; i++) {
        const { route, review } = bodies[(c + i) % bodies.length]!;
        const uid = `load-${c}-${i}-${crypto.randomUUID()}`;
        const body = JSON.stringify({ ...review, request: { ...review.request, uid } });
        try {
          const { status, text } = await post(agent, `${server.url}${route}`, body);
          const answer = JSON.parse(text) as { apiVersion?: string; kind?: string; response?: { uid?: string; allowed?: unknown } };
          if (status !== 200) failures.push(`${uid}: HTTP ${status} ${text.slice(0, 200)}`);
          else if (answer.kind !== "AdmissionReview" || answer.apiVersion !== review.apiVersion) failures.push(`${uid}: malformed ${text.slice(0, 200)}`);
          else if (answer.response?.uid !== uid) failures.push(`${uid}: answered with uid ${answer.response?.uid}`);
          else if (typeof answer.response.allowed !== "boolean") failures.push(`${uid}: allowed is ${answer.response.allowed}`);
          else answered++;
        } catch (error) {
          failures.push(`${uid}: ${String(error)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: connections }, (_, c) => connection(c)));
    agent.destroy();
    expect(failures.slice(0, 10)).toEqual([]);
    expect(answered).toBe(connections * requestsPerConnection);
  });
});
