import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { defaults } from "../src/defaults/index.js";
import type { Policy, ScopePolicy } from "../src/engine/types.js";
import { buildPolicy, defaultClusterViewTimeoutMs, loadPolicy, policyLimits } from "../src/policy/policy.js";
import { rules } from "../src/rules/index.js";

function load(text: string | undefined): Policy {
  const state = loadPolicy(text);
  if (!state.ok) throw new Error(state.error);
  return state.policy;
}

function loadError(text: string): string {
  const state = loadPolicy(text);
  if (state.ok) throw new Error("expected the policy to be rejected");
  return state.error;
}

const ruleIn = (scope: ScopePolicy, id: string) => {
  const found = scope.rules.find((r) => r.rule.id === id);
  if (!found) throw new Error(`no rule ${id}`);
  return { action: found.action, params: found.params as Record<string, unknown> };
};
const defaultIn = (scope: ScopePolicy, id: string) => {
  const found = scope.defaults.find((d) => d.default.id === id);
  if (!found) throw new Error(`no default ${id}`);
  return { enabled: found.enabled, params: found.params as Record<string, unknown> };
};

describe("policy document", () => {
  describe("with no policy", () => {
    for (const [what, text] of [
      ["absent", undefined],
      ["empty", ""],
      ["blank", "  \n"],
      ["only comments", "# nothing configured yet\n"],
      ["an empty object", "{}"],
    ] as const) {
      it(`applies every rule's and default's own defaults when ${what}`, () => {
        const policy = load(text);
        const scope = policy.forNamespace("default");
        expect(scope.rules.map((r) => [r.rule.id, r.action])).toEqual(rules.map((r) => [r.id, r.defaultAction]));
        expect(scope.rules.map((r) => r.params)).toEqual(rules.map((r) => r.params.parse({})));
        expect(scope.defaults.map((d) => [d.default.id, d.enabled])).toEqual(defaults.map((d) => [d.id, d.enabledByDefault]));
        expect(scope).toMatchObject({ overrideBuiltinDefaults: true, warnings: true, annotate: true });
        expect(policy.clusterViewTimeoutMs).toBe(defaultClusterViewTimeoutMs);
        expect(policy.exemption("kube-system", undefined)).toBe('namespace "kube-system" is exempt');
        expect(policy.exemption("default", { username: "alice", groups: ["system:masters"] })).toBeUndefined();
      });
    }
  });

  it("loads the same document from YAML and from JSON", () => {
    const document = {
      rules: { "storage-class": { action: "warn", allowed: ["fast"] }, "pvc-resize": { action: "off" } },
      defaults: { "default-termination-grace": { enabled: false, seconds: 60 }, warnings: false },
      exemptions: { users: ["system:serviceaccount:ops:migrator"] },
      namespaces: { prod: { rules: { "storage-class": { action: "deny" } } } },
      clusterView: { timeoutMs: 250 },
    };
    const yaml = `
rules:
  storage-class:
    action: warn
    allowed: [fast]
  pvc-resize: { action: off }
defaults:
  default-termination-grace:
    enabled: false
    seconds: 60
  warnings: false
exemptions:
  users: ["system:serviceaccount:ops:migrator"]
namespaces:
  prod:
    rules:
      storage-class: { action: deny }
clusterView:
  timeoutMs: 250
`;
    for (const policy of [load(yaml), load(JSON.stringify(document, null, 2))]) {
      const scope = policy.forNamespace("default");
      expect(ruleIn(scope, "storage-class")).toEqual({
        action: "warn",
        params: { allowed: ["fast"], allowEmpty: true, requireExisting: false },
      });
      expect(ruleIn(scope, "pvc-resize").action).toBe("off");
      expect(defaultIn(scope, "default-termination-grace")).toEqual({ enabled: false, params: { seconds: 60 } });
      expect(scope.warnings).toBe(false);
      expect(ruleIn(policy.forNamespace("prod"), "storage-class").action).toBe("deny");
      expect(policy.clusterViewTimeoutMs).toBe(250);
      expect(policy.exemption("default", { username: "system:serviceaccount:ops:migrator" })).toBe(
        'user "system:serviceaccount:ops:migrator" is exempt',
      );
    }
  });

  it("treats a section whose children are all commented out as absent", () => {
    const policy = load("rules:\n  # storage-class:\n  #   action: warn\nnamespaces:\n  team-a:\nexemptions:\n");
    expect(ruleIn(policy.forNamespace("team-a"), "storage-class").action).toBe("deny");
    expect(policy.exemption("kube-system", undefined)).toBe('namespace "kube-system" is exempt');
  });

  describe("errors name the path of the offending field", () => {
    const cases: [string, string, string][] = [
      ["an unknown top-level key", "rulez: {}", "invalid policy: <root>: unknown field(s) rulez"],
      ["an unknown rule id", "rules:\n  storage-klass: {}", "invalid policy: rules: unknown field(s) storage-klass (did you mean storage-class?)"],
      ["an unknown rule parameter", "rules:\n  storage-class:\n    allow: [fast]", "invalid policy: rules.storage-class: unknown field(s) allow"],
      [
        "a wrongly typed parameter",
        "rules:\n  storage-class:\n    allowed: fast",
        "invalid policy: rules.storage-class.allowed: Invalid input: expected array, received string",
      ],
      ["an unknown action", "rules:\n  storage-class:\n    action: block", "invalid policy: rules.storage-class.action: Invalid option"],
      [
        "an unknown default parameter",
        "defaults:\n  default-termination-grace:\n    secs: 10",
        "invalid policy: defaults.default-termination-grace: unknown field(s) secs",
      ],
      ["a wrongly typed default switch", "defaults:\n  warnings: yes please", "invalid policy: defaults.warnings: Invalid input: expected boolean"],
      [
        "an unknown key in a namespace override",
        "namespaces:\n  team-a:\n    rules:\n      storage-class:\n        allowd: []",
        "invalid policy: namespaces.team-a.rules.storage-class: unknown field(s) allowd",
      ],
      ["exemptions that are not lists", "exemptions:\n  users: alice", "invalid policy: exemptions.users: Invalid input: expected array"],
      ["an out-of-range timeout", "clusterView:\n  timeoutMs: 0", "invalid policy: clusterView.timeoutMs: Too small"],
      ["a document that is not a map", "- rules", "invalid policy: <root>: Invalid input: expected object"],
    ];
    for (const [what, text, error] of cases) {
      it(`rejects ${what}`, () => {
        expect(loadError(text)).toContain(error);
      });
    }

    it("lists every problem at once", () => {
      const error = loadError("rules:\n  storage-class: {action: block}\n  storage-request: {max: huge}\n");
      expect(error).toContain("rules.storage-class.action");
      expect(error).toContain("rules.storage-request.max");
    });

    it("rejects storage bounds that no claim could meet, also when a namespace's override makes them cross", () => {
      expect(loadError("rules:\n  storage-request: {min: 10Gi, max: 5Gi}\n")).toContain(
        "rules.storage-request.min: 10Gi is more than max 5Gi",
      );
      expect(loadError("rules:\n  storage-request: {min: 1Gi}\nnamespaces:\n  dev:\n    rules:\n      storage-request: {max: 512Mi}\n")).toContain(
        "namespaces.dev.rules.storage-request.min: 1Gi is more than max 512Mi",
      );
      expect(loadPolicy("rules:\n  storage-request: {min: 1024Mi, max: 1Gi}\n").ok).toBe(true);
    });

    it("rejects text that is neither YAML nor JSON", () => {
      expect(loadError("rules: {storage-class: [")).toMatch(/^policy is not valid YAML or JSON: /);
    });

    it("throws from buildPolicy, so a broken policy never falls back to defaults", () => {
      expect(() => buildPolicy({ rules: { "storage-class": { action: "maybe" } } })).toThrow(/rules\.storage-class\.action/);
    });
  });

  describe("per-namespace overrides", () => {
    const policy = load(`
rules:
  storage-class:
    action: warn
    allowed: [fast, standard]
  storage-request:
    max: 100Gi
defaults:
  default-termination-grace:
    seconds: 45
namespaces:
  prod:
    rules:
      storage-class:
        action: deny
      storage-request:
        max: 1Ti
  sandbox:
    rules:
      storage-class:
        allowed: [scratch]
    defaults:
      default-termination-grace:
        enabled: false
`);

    it("replace only the fields they name, keeping the document's other settings", () => {
      expect(ruleIn(policy.forNamespace("prod"), "storage-class")).toMatchObject({
        action: "deny",
        params: { allowed: ["fast", "standard"] },
      });
      expect(ruleIn(policy.forNamespace("prod"), "storage-request").params).toEqual({ max: "1Ti" });
      expect(ruleIn(policy.forNamespace("sandbox"), "storage-class")).toMatchObject({ action: "warn", params: { allowed: ["scratch"] } });
      expect(ruleIn(policy.forNamespace("sandbox"), "storage-request").params).toEqual({ max: "100Gi" });
      expect(defaultIn(policy.forNamespace("sandbox"), "default-termination-grace")).toEqual({ enabled: false, params: { seconds: 45 } });
      expect(defaultIn(policy.forNamespace("prod"), "default-termination-grace")).toEqual({ enabled: true, params: { seconds: 45 } });
    });

    it("leave every other namespace on the document's settings", () => {
      const scope = policy.forNamespace("team-b");
      expect(ruleIn(scope, "storage-class")).toMatchObject({ action: "warn", params: { allowed: ["fast", "standard"] } });
      expect(ruleIn(scope, "storage-request").params).toEqual({ max: "100Gi" });
    });
  });

  describe("exemptions", () => {
    it("exempt kube-system by default, and only the listed namespaces once set", () => {
      expect(load("exemptions:\n  users: [bob]").exemption("kube-system", undefined)).toBe('namespace "kube-system" is exempt');
      const policy = load("exemptions:\n  namespaces: [legacy]");
      expect(policy.exemption("legacy", undefined)).toBe('namespace "legacy" is exempt');
      expect(policy.exemption("kube-system", undefined)).toBeUndefined();
      expect(load("exemptions:\n  namespaces: []").exemption("kube-system", undefined)).toBeUndefined();
    });

    it("exempt requests by user and by group", () => {
      const policy = load("exemptions:\n  users: [admin]\n  groups: [system:masters, platform]");
      expect(policy.exemption("default", { username: "admin", groups: [] })).toBe('user "admin" is exempt');
      expect(policy.exemption("default", { username: "carol", groups: ["system:authenticated", "platform"] })).toBe(
        'group "platform" is exempt',
      );
      expect(policy.exemption("default", { username: "carol", groups: ["system:authenticated"] })).toBeUndefined();
      expect(policy.exemption("default", { username: null, groups: null })).toBeUndefined();
      expect(policy.exemption("default", undefined)).toBeUndefined();
    });
  });

  describe("policy.example.yaml", () => {
    const text = readFileSync(fileURLToPath(new URL("../policy.example.yaml", import.meta.url)), "utf8");

    it("parses", () => {
      expect(loadPolicy(text)).toMatchObject({ ok: true });
    });

    it("spells out the built-in settings, except in its example namespace overrides", () => {
      const example = load(text);
      const builtin = load(undefined);
      const settings = (scope: ScopePolicy) => ({
        rules: scope.rules.map((r) => [r.rule.id, r.action, r.params]),
        defaults: scope.defaults.map((d) => [d.default.id, d.enabled, d.params]),
        switches: [scope.overrideBuiltinDefaults, scope.warnings, scope.annotate],
      });
      expect(settings(example.forNamespace("default"))).toEqual(settings(builtin.forNamespace("default")));
      expect(example.clusterViewTimeoutMs).toBe(builtin.clusterViewTimeoutMs);
      expect(example.exemption("kube-system", undefined)).toBe('namespace "kube-system" is exempt');
      expect(ruleIn(example.forNamespace("production"), "storage-request").params).toEqual({ max: "2Ti" });
      expect(ruleIn(example.forNamespace("sandbox"), "statefulset-readiness-probe").action).toBe("off");
    });

    it("mentions every registered rule id and default id, so it cannot drift from the registries", () => {
      const document = parseYaml(text) as { rules?: Record<string, unknown>; defaults?: Record<string, unknown> };
      const uncommented = [...Object.keys(document.rules ?? {}), ...Object.keys(document.defaults ?? {})];
      for (const id of [...rules.map((r) => r.id), ...defaults.map((d) => d.id)]) {
        expect(text, `policy.example.yaml does not mention ${id}`).toMatch(new RegExp(`^\\s*#?\\s*${id}:`, "m"));
        expect(uncommented, `${id} should be configured in policy.example.yaml, not only commented`).toContain(id);
      }
    });
  });
});

describe("the policy document's boundary", () => {
  const labelsOf = (policy: Policy) => defaultIn(policy.forNamespace("default"), "default-labels").params.labels as Record<string, string>;

  it("refuses a __proto__ key anywhere, naming it and its line, instead of dropping it", () => {
    const state = loadPolicy("defaults:\n  default-labels: {labels: {__proto__: x, tier: web}}\n");
    expect(state).toMatchObject({
      ok: false,
      problems: [{ path: ["defaults", "default-labels", "labels", "__proto__"], line: 2, message: expect.stringMatching(/^Forbidden: a "__proto__" key is not accepted/) }],
    });
    expect(loadError('{"namespaces": {"__proto__": {"rules": {"storage-class": {"action": "off"}}}}}')).toContain("namespaces.__proto__: Forbidden");
    expect(loadError("exemptions:\n  users:\n    - {__proto__: []}\n")).toContain("exemptions.users[0].__proto__: Forbidden");
  });

  it("keeps constructor and prototype as plain names: valid label keys and namespace names", () => {
    const policy = load("defaults:\n  default-labels: {labels: {constructor: x, prototype: y}}\nnamespaces:\n  constructor:\n    rules:\n      storage-class: {action: off}\n");
    expect(labelsOf(policy)).toEqual({ constructor: "x", prototype: "y" });
    expect(Object.getPrototypeOf(labelsOf(policy))).toBe(Object.prototype);
    expect(ruleIn(policy.forNamespace("constructor"), "storage-class").action).toBe("off");
    expect(ruleIn(policy.forNamespace("prototype"), "storage-class").action).toBe("deny");
    expect(loadError("rules:\n  constructor: {}\n")).toContain("rules: unknown field(s) constructor");
  });

  it("says in one line that a YAML alias bomb is refused", () => {
    const bomb = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]", ..."bcdefgh".split("").map((k, i) => `${k}: &${k} [${Array(9).fill(`*${"abcdefgh"[i]}`).join(", ")}]`)].join("\n");
    expect(loadError(bomb)).toBe("policy cannot be read: its aliases (*name) expand more than 100 times; write the values out");
    expect(load("rules:\n  storage-class: &class {allowed: [fast]}\nnamespaces:\n  a: {rules: {storage-class: *class}}\n")).toBeDefined();
  });

  it(`is at most ${policyLimits.bytes} bytes and ${policyLimits.namespaceOverrides} namespace overrides, and says which bound it passed`, () => {
    const users = (n: number) => `exemptions:\n  users:\n${Array.from({ length: n }, (_, i) => `    - system:serviceaccount:team-${i}:deployer\n`).join("")}`;
    const nearLimit = users(20_000);
    expect(nearLimit.length).toBeLessThan(policyLimits.bytes);
    expect(load(nearLimit).exemption("x", { username: "system:serviceaccount:team-19999:deployer" })).toContain("is exempt");
    // The issue's 10 MB policy of 330,000 users, which took serve past its heap.
    expect(loadError(users(330_000))).toBe(`invalid policy: the document is larger than ${policyLimits.bytes} bytes (1 MiB, what a ConfigMap holds), the limit of a policy`);
    // Bytes, not characters: 600,000 characters of two and three bytes.
    expect(loadError(`exemptions: {users: ["${"é".repeat(300_000)}${"€".repeat(300_000)}"]}`)).toContain("larger than 1048576 bytes");
    const namespaces = (n: number) => `namespaces:\n${Array.from({ length: n }, (_, i) => `  team-${i}: {rules: {storage-class: {action: warn}}}\n`).join("")}`;
    expect(load(namespaces(policyLimits.namespaceOverrides)).forNamespace("team-999")).toBeDefined();
    expect(loadPolicy(namespaces(policyLimits.namespaceOverrides + 1))).toMatchObject({
      ok: false,
      problems: [{ path: ["namespaces"], line: 1, message: "1001 namespace overrides; the limit is 1000" }],
    });
  });
});
