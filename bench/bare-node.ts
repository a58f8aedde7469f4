/** The reference server on Node: `node --import tsx bench/bare-node.ts <port>`, on 127.0.0.1 only. */
import { serve } from "@hono/node-server";
import { bareApp } from "./bare-app.js";

const port = Number(process.argv[2] ?? 0);
serve({ fetch: bareApp().fetch, hostname: "127.0.0.1", port }, (info) => {
  console.log(JSON.stringify({ level: "info", msg: `bare reference listening on http://127.0.0.1:${info.port}` }));
});
