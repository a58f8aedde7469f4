/**
 * Go templates (a Helm chart's `templates/`) are not manifests: `{{ .Values.x }}` is no YAML, or is YAML that means
 * something else. A directory walk passes over them with a note that says how to check what they render to.
 */

/** A Go-template action on one line: `{{ ... }}`, `{{- ... -}}`. */
const action = /\{\{.*?\}\}/;

/**
 * A line that opens a block scalar (`key: |`, `- >-`, `data: |2`): the lines indented below it are text, where
 * `{{ }}` is data (a Vault agent template in an annotation, a Prometheus alert in a ConfigMap), not templating.
 */
const blockOpener = /(?:^|[\s:-])[|>][1-9+-]{0,2}\s*(?:#.*)?$/;

const indentOf = (line: string) => line.length - line.trimStart().length;

/**
 * The 1-based line of the first Go-template action outside block scalars, or undefined for a text that is no
 * template. Comments count: Helm renders them too.
 */
export function templateLine(text: string): number | undefined {
  if (!text.includes("{{")) return undefined; // nearly every manifest: no scan
  const lines = text.split("\n");
  let blockIndent: number | undefined;
  for (const [i, line] of lines.entries()) {
    if (blockIndent !== undefined) {
      if (line.trim() === "" || indentOf(line) > blockIndent) continue;
      blockIndent = undefined;
    }
    if (action.test(line)) return i + 1;
    if (blockOpener.test(line)) blockIndent = indentOf(line);
  }
  return undefined;
}

/** What to do instead, for the note of a skipped template: render it first. */
export function renderHint(chart: string | undefined): string {
  return `check what it renders to: helm template ${chart ?? "CHART"} | stateward check -`;
}
