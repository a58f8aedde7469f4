/**
 * The API server's part, offline: which exported ValidatingAdmissionPolicies a review meets (resource rules, the
 * binding's namespace selector, match conditions), and which of their validations fail, evaluating the generated
 * YAML's own expressions with cel-js in the environment of ./k8s-cel.ts. An expression that cannot be evaluated throws:
 * the API server would apply the failure policy, and the test wants none.
 */
import { parseAllDocuments } from "yaml";
import { kinds } from "../../src/k8s/kinds.js";
import { asApiServerSees, kubernetesCelEnvironment } from "./k8s-cel.js";
import type { CorpusReview } from "./corpus.js";

interface Expression {
  name?: string;
  expression: string;
}

export interface ExportedPolicy {
  name: string;
  ruleId: string;
  resourceRules: { apiGroups: string[]; resources: string[]; operations: string[] }[];
  matchConditions: Expression[];
  variables: Expression[];
  validations: { expression: string; messageExpression: string }[];
  validationActions: string[];
  namespaceSelector?: { matchExpressions: { key: string; operator: "In" | "NotIn"; values: string[] }[] };
}

/** The policies of an export's YAML, each with its binding's actions and namespace selector. */
export function exportedPolicies(yamlText: string): ExportedPolicy[] {
  const docs = parseAllDocuments(yamlText).map((d) => d.toJS() as Record<string, any>);
  const bindings = new Map(docs.filter((d) => d.kind === "ValidatingAdmissionPolicyBinding").map((b) => [b.spec.policyName as string, b]));
  return docs
    .filter((d) => d.kind === "ValidatingAdmissionPolicy")
    .map((vap) => {
      const binding = bindings.get(vap.metadata.name);
      if (!binding) throw new Error(`no binding for ${vap.metadata.name}`);
      return {
        name: vap.metadata.name,
        ruleId: vap.metadata.labels["stateward.dev/rule"],
        resourceRules: vap.spec.matchConstraints.resourceRules,
        matchConditions: vap.spec.matchConditions ?? [],
        variables: vap.spec.variables ?? [],
        validations: vap.spec.validations,
        validationActions: binding.spec.validationActions,
        namespaceSelector: binding.spec.matchResources?.namespaceSelector,
      };
    });
}

const env = kubernetesCelEnvironment();
const compiled = new Map<string, ReturnType<typeof env.parse>>();
function evaluate(expression: string, context: Record<string, unknown>): unknown {
  let program = compiled.get(expression);
  if (!program) {
    program = env.parse(expression);
    compiled.set(expression, program);
  }
  return program(context);
}

/** Undefined when the policy does not apply to the review; else the messages of its failing validations. */
export function evaluatePolicy(policy: ExportedPolicy, review: CorpusReview): string[] | undefined {
  const { group, version, resource } = kinds[review.kind];
  const applies = policy.resourceRules.some(
    (r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.operations.includes(review.operation),
  );
  if (!applies) return undefined;
  const selected = (policy.namespaceSelector?.matchExpressions ?? []).every((e) =>
    e.operator === "In" ? e.values.includes(review.namespace) : !e.values.includes(review.namespace),
  );
  if (!selected) return undefined;
  const context: Record<string, unknown> = {
    object: asApiServerSees(review.object),
    oldObject: review.oldObject === undefined ? null : asApiServerSees(review.oldObject),
    request: {
      operation: review.operation,
      kind: { group, version, kind: review.kind },
      namespace: review.namespace,
      userInfo: { username: "someone", groups: ["system:authenticated"] },
    },
  };
  const where = (what: string, expression: string, error: unknown) =>
    new Error(`${policy.name}: ${what} ${expression} failed on ${review.source}: ${(error as Error).message.split("\n")[0]}`);
  for (const condition of policy.matchConditions) {
    let matched: unknown;
    try {
      matched = evaluate(condition.expression, context);
    } catch (error) {
      throw where("match condition", condition.expression, error);
    }
    if (typeof matched !== "boolean") throw where("match condition", condition.expression, new Error("not a bool"));
    if (!matched) return undefined;
  }
  const variables: Record<string, unknown> = {};
  context.variables = variables;
  for (const variable of policy.variables) {
    try {
      variables[variable.name!] = evaluate(variable.expression, context);
    } catch (error) {
      throw where(`variable ${variable.name}`, variable.expression, error);
    }
  }
  const failures: string[] = [];
  for (const validation of policy.validations) {
    let passed: unknown;
    try {
      passed = evaluate(validation.expression, context);
    } catch (error) {
      throw where("validation", validation.expression, error);
    }
    if (typeof passed !== "boolean") throw where("validation", validation.expression, new Error("not a bool"));
    if (passed) continue;
    let message: unknown;
    try {
      message = evaluate(validation.messageExpression, context);
    } catch (error) {
      throw where("messageExpression", validation.messageExpression, error);
    }
    if (typeof message !== "string") throw where("messageExpression", validation.messageExpression, new Error("not a string"));
    failures.push(message);
  }
  return failures;
}
