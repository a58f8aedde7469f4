/**
 * CEL pieces of the StatefulSet rules' exports: names as src/k8s/names.ts and labels.ts check them, the ordinals of
 * src/k8s/ordinals.ts, and the UPDATE reading of ./preexisting.ts (a finding the old object had already only warns).
 * Each takes the CEL of the value it judges, so a rule reads `dns1123Label("variables.name")`; any expression will do,
 * since each is put in parentheses.
 */

const label = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const namePart = "[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?";

/** A DNS-1123 label: at most 63 lowercase alphanumerics or '-', alphanumeric at both ends. */
export const dns1123Label = (value: string) => `(size(${value}) <= 63 && (${value}).matches('^${label}$'))`;

/** A DNS-1123 subdomain: dot-separated labels, at most 253 characters. */
export const dns1123Subdomain = (value: string) => `(size(${value}) <= 253 && (${value}).matches('^${label}(\\\\.${label})*$'))`;

/** A label key: a name part of at most 63 characters, with an optional DNS subdomain prefix and one '/'. */
export const labelKey = (name: string) => labelKeyOf(`(${name})`);
const labelKeyOf = (key: string) =>
  `(${key}.matches('^(${label}(\\\\.${label})*/)?${namePart}$') && size(${key}.substring(${key}.lastIndexOf('/') + 1)) <= 63 && ${key}.lastIndexOf('/') <= 253)`;

/** A label value (JSON numbers and booleans read as their text, as the TypeScript check reads them). */
export const labelValue = (value: string) => `(size(string(${value})) <= 63 && (string(${value}) == '' || string(${value}).matches('^${namePart}$')))`;

/** The largest ordinal of a StatefulSet `o`: ordinals.start (default 0) + replicas (default 1, at least 1) - 1. */
export function lastOrdinal(o: string): string {
  const start = `${o}.?spec.?ordinals.?start.orValue(0)`;
  const replicas = `${o}.?spec.?replicas.orValue(1)`;
  return `((type(${start}) == int && ${start} >= 0 ? ${start} : 0) + (type(${replicas}) == int && ${replicas} >= 1 ? ${replicas} : 1) - 1)`;
}

/**
 * The UPDATE reading of newOnUpdate: a finding (`fails`, a CEL condition of the object `o`) that the old object had
 * already, with the same details (`key`), only warns. Returns the validations that deny and that warn.
 */
export function newOnUpdateCel(fails: (o: string) => string, key: (o: string) => string): { strict: string; advice: string } {
  const hadIt = `(request.operation == 'UPDATE' && oldObject != null && ${fails("oldObject")} && ${key("oldObject")} == ${key("object")})`;
  return { strict: `!${fails("object")} || ${hadIt}`, advice: `!${fails("object")} || !${hadIt}` };
}

/** Every container of the pod template, init containers included. */
export const allContainers =
  "object.?spec.?template.?spec.?containers.orValue([]) + object.?spec.?template.?spec.?initContainers.orValue([])";

/**
 * Whether a label selector (a CEL map) selects the labels (a CEL map), as src/k8s/selector.ts's selectorMatches: an
 * unknown operator adds no condition.
 */
export function selectorMatchesCel(selector: string, labels: string): string {
  const listed = `(e.key in ${labels} && ${labels}[e.key] in e.?values.orValue([]))`;
  return `((${selector}).?matchLabels.orValue({}).all(k, k in ${labels} && ${labels}[k] == (${selector}).matchLabels[k]) && (${selector}).?matchExpressions.orValue([]).all(e, e.operator == 'In' ? ${listed} : e.operator == 'NotIn' ? !${listed} : e.operator == 'Exists' ? e.key in ${labels} : e.operator == 'DoesNotExist' ? !(e.key in ${labels}) : true))`;
}
