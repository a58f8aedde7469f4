/**
 * "If a user is told to type it, a test types it": every command of the sh blocks of README.md, docs/deploy.md and
 * docs/ci.md is either followed by a generated output block (test/docs/outputs.test.ts runs it) or listed here with
 * the test that runs it, or with why nothing can run it on this machine and which test checks what it relies on.
 * A command added to those documents without an entry fails this test; so does an entry no document has any more,
 * or one naming a test that does not exist.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../scripts/gen-doc-outputs.js";
import { allTypedCommands } from "./commands.js";

/** A test that runs the command: its file and a part of its title (or of its describe block's). */
interface Test {
  file: string;
  test: string;
}
type Evidence =
  /** Run by this test; `as` says what differs from a user's run, if anything. */
  | { runBy: Test; as?: string }
  /** Cannot run here; `checks` names a test of what the command relies on. */
  | { cannot: string; checks?: Test };

const userCommands = "test/docs/user-commands.test.ts";
const edge = {
  file: userCommands,
  test: "the cluster view and the edge steps, against `npm run dev -- --var WEBHOOK_TOKEN:$TOKEN` for the Worker",
};
const ci = { file: userCommands, test: "the CI commands, in a repository of the user's manifests" };
const noCluster = "needs a cluster (no API server can be had on this machine)";
const fakeApi = "against the fake API server of test/docs/fake-apiserver.ts (discovery, list, create, patch, delete; no controllers)";
const cluster = (test: string): Evidence => ({ runBy: { file: userCommands, test }, as: fakeApi });
const noAccount = "needs a Cloudflare account";

const evidence: Record<string, Evidence> = {
  "npx stateward export vap --policy policy.yaml > stateward-vap.yaml": {
    runBy: { file: "test/cli/export.test.ts", test: "reads --policy: a rule set off is not exported, and a parameter becomes a literal" },
    as: "in-process, its standard output captured rather than redirected",
  },
  "kubectl apply -f stateward-vap.yaml": {
    cannot: noCluster,
    checks: { file: "test/export/vap-export.test.ts", test: "is accepted by kubectl apply --dry-run=client --validate=false" },
  },
  "npm ci && npm run dev": {
    runBy: { file: "test/docs/outputs-wrangler-dev.test.ts", test: "answers every command of the documents that names 127.0.0.1:8787 with the bytes shown" },
    as: "`npm ci` is .ci/run's first step; `npm run dev` with a free port and an empty state folder",
  },
  "npm test": { runBy: { file: ".ci/run", test: "npm test -- --reporter=default" }, as: "CI's own command" },
  "npm run test:e2e": { runBy: { file: ".ci/run", test: "npm run test:e2e -- --reporter=default" }, as: "CI's own command, after npm test" },
  'npm run dev -- --var STATEWARD_POLICY:"$(cat policy.example.yaml)"': {
    runBy: { file: userCommands, test: "hands the whole annotated document to the Worker" },
    as: "with the example's readiness-probe rule switched off, so that its effect shows",
  },
  "STATEWARD_POLICY_FILE=policy.yaml npm run deploy": {
    runBy: { file: "test/deploy.test.ts", test: "hands a valid policy to wrangler deploy as STATEWARD_POLICY (dry run: bundled, not uploaded)" },
    as: `with --dry-run: uploading ${noAccount}`,
  },
  "npm run deploy": {
    runBy: { file: "test/deploy.test.ts", test: "hands a valid policy to wrangler deploy as STATEWARD_POLICY (dry run: bundled, not uploaded)" },
    as: `with --dry-run: uploading ${noAccount}`,
  },
  "TOKEN=$(openssl rand -hex 32)": { runBy: { file: userCommands, test: "makes a token of URL-safe characters" } },
  "npm run dev -- --var WEBHOOK_TOKEN:$TOKEN &": { runBy: edge, as: "in the foreground, on a free port" },
  "kubectl get services,storageclasses,statefulsets,persistentvolumeclaims,poddisruptionbudgets -A -o json > inventory.json": {
    runBy: { file: userCommands, test: "takes the List by PUT /inventory" },
    as: `${fakeApi}, holding the seeds' objects`,
  },
  'curl -s -X PUT -H "Authorization: Bearer $TOKEN" --data @inventory.json http://127.0.0.1:8787/inventory': {
    runBy: { file: userCommands, test: "takes the List by PUT /inventory" },
    as: "against npm run dev with the token",
  },
  "HOST=stateward.<your-subdomain>.workers.dev": { cannot: "names the user's own Worker; the tests set HOST themselves" },
  'printf %s "$TOKEN" | npx wrangler secret put WEBHOOK_TOKEN': { cannot: noAccount },
  'curl -s "https://$HOST/healthz"': {
    runBy: { file: userCommands, test: "answers the health check with what step 3 says it prints" },
    as: "against npm run dev with the token, over http",
  },
  'sed -i -e "s|^  host: .*|  host: $HOST|" -e "s|^  token: .*|  token: $TOKEN|" k8s/overlays/edge/worker.yaml': {
    runBy: { file: userCommands, test: "names the host and token in every webhook URL, and git does not see the change" },
  },
  "git update-index --skip-worktree k8s/overlays/edge/worker.yaml": {
    runBy: { file: userCommands, test: "names the host and token in every webhook URL, and git does not see the change" },
  },
  "kubectl apply -k k8s/overlays/edge": cluster("kubectl apply -k k8s/overlays/edge creates every object the overlay renders"),
  "kubectl -n stateward create job --from=cronjob/stateward-inventory-sync stateward-first-sync": {
    runBy: { file: userCommands, test: "kubectl create job --from finds the sync CronJob and creates the Job in its namespace" },
    as: `${fakeApi}, which does not read the Job kubectl sends as protobuf: it checks where it goes`,
  },
  "kubectl -n stateward wait --for=condition=complete job/stateward-first-sync --timeout=120s": {
    runBy: { file: userCommands, test: "kubectl wait for the first sync's Job, once complete" },
    as: `${fakeApi}, holding the Job as its controller leaves it`,
  },
  'curl -s -H "Authorization: Bearer $TOKEN" "https://$HOST/inventory/summary"': {
    runBy: { file: userCommands, test: "takes the List by PUT /inventory and reports it in /inventory/summary" },
    as: "against npm run dev with the token, over http",
  },
  "helm install cert-manager jetstack/cert-manager --namespace cert-manager --create-namespace --set crds.enabled=true": {
    cannot: `${noCluster}; the chart comes from jetstack's repository`,
  },
  "kubectl -n cert-manager rollout status deployment/cert-manager-webhook": { cannot: noCluster },
  "docker build -t registry.example.com/stateward:0.1.0 .": {
    runBy: { file: "test/pack/image.test.ts", test: "builds: every stage's instructions ran, in a root of its own" },
    as: "the Dockerfile's own instructions carried out without a container engine, which this machine lacks",
  },
  "docker push registry.example.com/stateward:0.1.0": { cannot: "no container engine, no registry" },
  "kubectl apply -k k8s/overlays/in-cluster": cluster("kubectl apply -k k8s/overlays/in-cluster creates every object the overlay renders"),
  "kubectl -n stateward wait --for=condition=Ready certificate/stateward-serving --timeout=120s": {
    runBy: { file: userCommands, test: "kubectl wait and rollout status find the Certificate and the Deployment of the overlay" },
    as: `${fakeApi}, with the status cert-manager would write`,
  },
  "kubectl -n stateward rollout status deployment/stateward": {
    runBy: { file: userCommands, test: "kubectl wait and rollout status find the Certificate and the Deployment of the overlay" },
    as: `${fakeApi}, with the status the Deployment controller would write`,
  },
  [[
    'curl -s "https://api.cloudflare.com/client/v4/accounts/$ACCOUNT_ID/analytics_engine/sql" -H "Authorization: Bearer $API_TOKEN" --data "',
    "    SELECT blob2 AS route, blob5 AS decision, SUM(_sample_interval) AS reviews,",
    "           SUM(_sample_interval * double1) / SUM(_sample_interval) AS mean_ms",
    "    FROM stateward",
    "    WHERE blob1 = 'review' AND timestamp > NOW() - INTERVAL '1' DAY",
    '    GROUP BY route, decision"',
  ].join("\n")]: { cannot: noAccount },
  "kubectl get statefulsets,persistentvolumeclaims,services,storageclasses,poddisruptionbudgets -A -o json | npx stateward audit --policy policy.yaml - > reports.yaml": {
    runBy: { file: userCommands, test: "stateward audit writes PolicyReports from a cluster's List" },
    as: `kubectl get ${fakeApi}, holding the seeds' objects`,
  },
  "kubectl apply -f reports.yaml": cluster("kubectl apply -f reports.yaml creates the audit's PolicyReports"),
  "npx stateward audit -o json cluster.json": {
    runBy: { file: userCommands, test: "stateward audit writes PolicyReports from a cluster's List" },
  },
  'curl -H "Authorization: Bearer $WEBHOOK_TOKEN" https://stateward.example.workers.dev/audit': {
    runBy: { file: userCommands, test: "serves the audit as JSON, and as PolicyReports the CRD takes" },
    as: "against npm run dev with the token",
  },
  'curl -H "Authorization: Bearer $WEBHOOK_TOKEN" "https://stateward.example.workers.dev/audit?format=reports" | kubectl apply -f -': {
    runBy: { file: userCommands, test: "serves the audit as JSON, and as PolicyReports the CRD takes" },
    as: "against npm run dev with the token, up to kubectl apply: the reports are validated against the CRD instead, since kubectl validates a List's items with OpenAPI schemas the fake API server does not serve",
  },
  "npm ci && npm pack": {
    runBy: { file: "test/pack/pack.test.ts", test: "packs the compiled command and no sources" },
    as: "`npm pack` in a copy of the sources beside the installed node_modules (`npm ci` is .ci/run's first step)",
  },
  "npm install --global ./stateward-0.1.0.tgz": {
    runBy: { file: "test/pack/action.test.ts", test: "installs the packed package globally and runs it on the job's Node" },
    as: "into a temporary global prefix, as the Action does",
  },
  "stateward --help": { runBy: ci },
  "stateward check k8s/": { runBy: ci },
  "stateward check --policy policy.yaml k8s/": { runBy: ci },
  "stateward check --exclude 'legacy/**' .": { runBy: ci },
  "kustomize build overlays/prod | stateward check -": { runBy: ci, as: "kustomize is kubectl's built-in one (kubectl kustomize)" },
  "stateward mutate k8s/db.yaml": { runBy: ci },
  "stateward mutate --patch k8s/db.yaml": { runBy: ci },
  "stateward check --fix k8s/": {
    runBy: { file: "test/cli/fix.test.ts", test: "changes nothing the second time" },
    as: "in-process, on a file of a temporary folder",
  },
  "stateward check --fix --dry-run k8s/": {
    runBy: { file: "test/cli/fix.test.ts", test: "--dry-run prints a unified diff that makes what --fix writes, and changes no file" },
    as: "in-process, on a file of a temporary folder",
  },
  "stateward check --policy policy.yaml --output json k8s/ > stateward.json": { runBy: ci },
  "kubectl label namespace my-sandbox stateward.dev/ignore=true": cluster("kubectl label namespace marks a namespace the webhooks pass over"),
  "kubectl kustomize k8s/overlays/edge | sed -E 's#/t/[^/]+/(validate|mutate|observe)$#/\\1#' | kubectl apply -f -": cluster(
    "the bearer-token overlay goes through kubectl apply with no token in a webhook URL",
  ),
  "kubectl delete validatingwebhookconfiguration stateward stateward-observe --ignore-not-found": cluster(
    "the removal steps delete the webhooks first, then the rest of the overlay",
  ),
  "kubectl delete mutatingwebhookconfiguration stateward": cluster("the removal steps delete the webhooks first, then the rest of the overlay"),
  "kubectl delete -k k8s/overlays/<name> --ignore-not-found": {
    runBy: { file: userCommands, test: "the removal steps delete the webhooks first, then the rest of the overlay" },
    as: `${fakeApi}, with <name> the edge overlay`,
  },
};

describe("every command the README, docs/deploy.md and docs/ci.md tell a user to type", () => {
  const commands = allTypedCommands();

  it("is run by a test, or says why it cannot be (add it to `evidence` in this file)", () => {
    const untested = commands
      .filter((c) => !c.hasOutputBlock && !(c.command in evidence))
      .map((c) => `${c.file}:${c.line}: ${c.command}`);
    expect(untested).toEqual([]);
  });

  it("lists only commands the documents still have", () => {
    const typed = new Set(commands.map((c) => c.command));
    expect(Object.keys(evidence).filter((command) => !typed.has(command))).toEqual([]);
  });

  it("names tests that exist", () => {
    for (const [command, entry] of Object.entries(evidence)) {
      const test = "runBy" in entry ? entry.runBy : entry.checks;
      if (!test) continue;
      expect(readFileSync(join(repoRoot, test.file), "utf8"), `${command}: ${test.file}`).toContain(test.test);
    }
  });

  it("finds the commands of a continued line, a pipe on the next line and a quoted text over lines as one each", () => {
    const found = commands.filter((c) => c.file === "README.md");
    expect(found.map((c) => c.command)).toContain(
      "kubectl get statefulsets,persistentvolumeclaims,services,storageclasses,poddisruptionbudgets -A -o json | npx stateward audit --policy policy.yaml - > reports.yaml",
    );
    expect(found.find((c) => c.command === 'curl -s "https://$HOST/healthz"')?.comment).toBe('{"status":"ok","authentication":"token"}');
  });
});
