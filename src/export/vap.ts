/**
 * `stateward export vap`: the rules that read only the object under review, as ValidatingAdmissionPolicies and their
 * bindings (admissionregistration.k8s.io/v1), so the API server enforces them itself with no webhook call. Each rule
 * writes its CEL beside its TypeScript check (`rule.cel`); this module lays a policy document over them: actions
 * become validationActions, namespace overrides become one policy per distinct setting, and the exemptions become
 * namespace selectors and match conditions.
 */
import { Document } from "yaml";
import { celString, celStrings } from "../engine/cel.js";
import { exemptionAnnotation } from "../engine/exemption.js";
import type { Action, CelExport, CelValidation, Operation, Rule } from "../engine/types.js";
import { kinds } from "../k8s/kinds.js";
import { buildPolicy, policyDocumentSchema } from "../policy/policy.js";
import { rules as ruleRegistry } from "../rules/index.js";

export const vapApiVersion = "admissionregistration.k8s.io/v1";
const managedBy = { "app.kubernetes.io/managed-by": "stateward" };
/** Label every namespace carries with its own name (since Kubernetes 1.21), which a namespaceSelector can match. */
const namespaceNameLabel = "kubernetes.io/metadata.name";

/** A rule's CEL, or undefined when it has none (with `notExported` saying why). */
export const celExportOf = (rule: Rule): CelExport<unknown> | undefined =>
  rule.cel && "validations" in rule.cel ? (rule.cel as CelExport<unknown>) : undefined;

/** Why a rule is not exported, from its own `cel` (a rule without any says so too). */
export const notExportedReason = (rule: Rule): string | undefined =>
  rule.cel === undefined ? "it has no CEL yet" : "notExported" in rule.cel ? rule.cel.notExported : undefined;

/** One rule's setting in a set of namespaces: its action and its parameters. */
interface RuleScope {
  action: Action;
  params: unknown;
  /** The namespaces it is limited to; undefined for the top level (every namespace not listed elsewhere). */
  namespaces?: string[];
}

/** The exemptions of a policy document, as a binding and match conditions can say them. */
interface Exemptions {
  namespaces: string[];
  users: string[];
  groups: string[];
  denyRules: boolean;
}

/** What `exportVap` writes: the objects with their comments, and the rules it left out with why. */
export interface VapExport {
  documents: Document[];
  exported: string[];
  skipped: { ruleId: string; why: string }[];
}

type KubeObject = Record<string, unknown>;

/**
 * The ValidatingAdmissionPolicies and bindings for a policy document (already parsed from YAML; undefined for the
 * built-in defaults). Throws the policy's PolicyError when the document is invalid, as every loader does.
 */
export function exportVap(document: unknown, rules: readonly Rule[] = ruleRegistry): VapExport {
  const policy = buildPolicy(document, rules);
  const parsed = document === undefined || document === null ? {} : policyDocumentSchema(rules).parse(document);
  const overridden = Object.keys(parsed.namespaces ?? {});
  const exemptions: Exemptions = {
    namespaces: parsed.exemptions?.namespaces ?? ["kube-system"],
    users: parsed.exemptions?.users ?? [],
    groups: parsed.exemptions?.groups ?? [],
    denyRules: parsed.exemptions?.denyRules ?? true,
  };
  // The top level's scope: a name no override uses.
  let topLevelName = "stateward-top-level";
  while (overridden.includes(topLevelName)) topLevelName += "-";
  const settingOf = (namespace: string) => {
    const resolved = policy.forNamespace(namespace).rules;
    return (rule: Rule) => resolved.find((r) => r.rule.id === rule.id)!;
  };
  const topLevel = settingOf(topLevelName);
  const perNamespace = overridden.filter((ns) => !exemptions.namespaces.includes(ns)).map((ns) => [ns, settingOf(ns)] as const);

  const out: VapExport = { documents: [], exported: [], skipped: [] };
  for (const rule of rules) {
    const why = notExportedReason(rule);
    const cel = celExportOf(rule);
    if (why !== undefined || !cel) {
      out.skipped.push({ ruleId: rule.id, why: why ?? "it has no CEL" });
      continue;
    }
    const top = topLevel(rule);
    // Namespaces whose setting differs from the top level's get policies of their own, one per distinct setting.
    const key = (action: Action, params: unknown) => JSON.stringify([action, params]);
    const topKey = key(top.action, top.params);
    const groups = new Map<string, RuleScope>();
    for (const [namespace, setting] of perNamespace) {
      const { action, params } = setting(rule);
      const k = key(action, params);
      if (k === topKey) continue;
      const group = groups.get(k) ?? { action, params, namespaces: [] };
      group.namespaces!.push(namespace);
      groups.set(k, group);
    }
    const scopes: RuleScope[] = [{ action: top.action, params: top.params }, ...groups.values()];
    const elsewhere = [...groups.values()].flatMap((g) => g.namespaces!);
    let any = false;
    let on = false;
    scopes.forEach((scope, index) => {
      if (scope.action === "off") return;
      on = true;
      const name = index === 0 ? `stateward-${rule.id}` : `stateward-${rule.id}-scope-${index}`;
      const documents = policyDocuments(rule, cel, scope, name, exemptions, elsewhere);
      out.documents.push(...documents);
      any ||= documents.length > 0;
    });
    if (any) out.exported.push(rule.id);
    else if (on) out.skipped.push({ ruleId: rule.id, why: `with this policy's parameters it has nothing to check without lookups${cel.webhookOnly ? ` (${cel.webhookOnly})` : ""}` });
    else out.skipped.push({ ruleId: rule.id, why: "the policy sets it off" });
  }
  return out;
}

/** The policy (and, for a denying rule with advice, a second one that only warns) of one rule in one scope. */
function policyDocuments(
  rule: Rule,
  cel: CelExport<unknown>,
  scope: RuleScope,
  name: string,
  exemptions: Exemptions,
  elsewhere: readonly string[],
): Document[] {
  const validations = cel.validations(scope.params);
  const strict = validations.filter((v) => !v.advisory);
  const advice = validations.filter((v) => v.advisory);
  // A warn rule warns about everything; a deny rule denies what it denies and only warns its advice.
  const parts: { name: string; validations: CelValidation[]; action: "deny" | "warn" }[] =
    scope.action === "warn"
      ? [{ name, validations, action: "warn" }]
      : [
          { name, validations: strict, action: "deny" },
          { name: `${name}-advice`, validations: advice, action: "warn" },
        ];
  return parts
    .filter((part) => part.validations.length > 0)
    .flatMap((part) => {
      // An annotation exempts from a denying rule only where the policy lets it (exemptions.denyRules).
      const annotationExempts = part.action === "warn" || exemptions.denyRules;
      const policy = vapObject(rule, cel, part.name, part.validations, matchConditions(rule.id, annotationExempts, exemptions));
      const binding = bindingObject(part.name, part.action, scope.namespaces, exemptions.namespaces, elsewhere);
      const first = new Document(policy);
      first.commentBefore = commentOf(rule, cel, scope, part.action, annotationExempts);
      return [first, new Document(binding)];
    });
}

function vapObject(rule: Rule, cel: CelExport<unknown>, name: string, validations: CelValidation[], conditions: KubeObject[]): KubeObject {
  const operations: readonly Operation[] = (rule.operations ?? ["CREATE", "UPDATE"]).filter((o) => o === "CREATE" || o === "UPDATE");
  return {
    apiVersion: vapApiVersion,
    kind: "ValidatingAdmissionPolicy",
    metadata: { name, labels: { ...managedBy, "stateward.dev/rule": rule.id } },
    spec: {
      // An expression that fails to evaluate (never on the test corpus) is reported with the binding's actions.
      failurePolicy: "Fail",
      matchConstraints: {
        resourceRules: rule.kinds.map((kind) => ({
          apiGroups: [kinds[kind].group],
          apiVersions: [kinds[kind].version],
          resources: [kinds[kind].resource],
          operations: [...operations],
        })),
      },
      ...(conditions.length > 0 ? { matchConditions: conditions } : {}),
      ...(cel.variables && cel.variables.length > 0 ? { variables: cel.variables.map((v) => ({ ...v })) } : {}),
      validations: validations.map((v) => ({
        expression: v.expression,
        messageExpression: `${celString(`${rule.id}: `)} + ${v.message}`,
        reason: "Invalid",
      })),
    },
  };
}

/** The policy's exempt users and groups, and the rule's exemption annotation, as match conditions. */
function matchConditions(ruleId: string, annotationExempts: boolean, exemptions: Exemptions): KubeObject[] {
  const conditions: KubeObject[] = [];
  if (annotationExempts) {
    // An annotation with an empty reason exempts nothing (the webhook denies it: exemption-annotation).
    conditions.push({
      name: "not-exempted-by-annotation",
      expression: `object.metadata.?annotations[?${celString(exemptionAnnotation(ruleId))}].orValue('').trim() == ''`,
    });
  }
  if (exemptions.users.length > 0) {
    conditions.push({ name: "user-not-exempt", expression: `!(request.userInfo.username in ${celStrings(exemptions.users)})` });
  }
  if (exemptions.groups.length > 0) {
    conditions.push({
      name: "groups-not-exempt",
      expression: `!request.userInfo.?groups.orValue([]).exists(g, g in ${celStrings(exemptions.groups)})`,
    });
  }
  return conditions;
}

function bindingObject(
  name: string,
  action: "deny" | "warn",
  namespaces: readonly string[] | undefined,
  exempt: readonly string[],
  elsewhere: readonly string[],
): KubeObject {
  const expressions =
    namespaces === undefined
      ? [...exempt, ...elsewhere].length > 0
        ? [{ key: namespaceNameLabel, operator: "NotIn", values: [...exempt, ...elsewhere] }]
        : []
      : [{ key: namespaceNameLabel, operator: "In", values: [...namespaces] }];
  return {
    apiVersion: vapApiVersion,
    kind: "ValidatingAdmissionPolicyBinding",
    metadata: { name, labels: { ...managedBy } },
    spec: {
      policyName: name,
      // Audit too: the API server's audit log records each failure with the policy's name and the message.
      validationActions: action === "deny" ? ["Deny", "Audit"] : ["Warn", "Audit"],
      ...(expressions.length > 0 ? { matchResources: { namespaceSelector: { matchExpressions: expressions } } } : {}),
    },
  };
}

function commentOf(rule: Rule, cel: CelExport<unknown>, scope: RuleScope, action: "deny" | "warn", annotationExempts: boolean): string {
  const lines = [
    ` ${rule.id} (${action === scope.action ? action : `${action}s its advice; the rule ${scope.action}s`})${scope.namespaces ? ` in namespaces ${scope.namespaces.join(", ")}` : ""}: ${rule.summary}`,
    ` Webhook only: ${cel.webhookOnly ?? "nothing; the webhook and this policy give the same verdict (test/export/vap-equivalence.test.ts)"}.`,
    ` Estimated cost: ${cel.cost}.`,
  ];
  if (!annotationExempts) lines.push(` The annotation ${exemptionAnnotation(rule.id)} exempts nothing here: the policy sets exemptions.denyRules: false.`);
  return lines.join("\n");
}

/** The whole export as one YAML stream: a header listing what is not exported and why, then the objects. */
export function renderVapExport(result: VapExport): string {
  const header = [
    "# ValidatingAdmissionPolicies generated by `stateward export vap` (Kubernetes 1.30 or later).",
    `# Exported: ${result.exported.length} rules. Not exported (the webhook still makes these checks):`,
    ...result.skipped.map(({ ruleId, why }) => `#   ${ruleId}: ${why}`),
  ].join("\n");
  const body = result.documents.map((doc) => doc.toString({ lineWidth: 0 })).join("---\n");
  return `${header}\n${body === "" ? "" : `---\n${body}`}`;
}
