import * as z from "zod";
import { invalid, notFound } from "../../k8s/field.js";
import { advisory, defineRule, type RuleIssue } from "../../engine/types.js";
import { claimsOf } from "../../k8s/claims.js";
import { podTemplateOf } from "../../k8s/kinds.js";
import { closestName, editDistance } from "../../k8s/names.js";
import type { Container } from "../../k8s/objects.js";
import { allContainers } from "./cel.js";

/** Names a container uses: volumeMounts, and volumeDevices for raw block claims (volumeMode: Block). */
function usedNames(container: Container): { list: "volumeMounts" | "volumeDevices"; index: number; name: string }[] {
  const out: { list: "volumeMounts" | "volumeDevices"; index: number; name: string }[] = [];
  for (const list of ["volumeMounts", "volumeDevices"] as const) {
    const entries: unknown = (container as Record<string, unknown>)[list];
    if (!Array.isArray(entries)) continue;
    for (let index = 0; index < entries.length; index++) {
      const name = (entries[index] as { name?: unknown } | null)?.name;
      if (typeof name === "string" && name !== "") out.push({ list, index, name });
    }
  }
  return out;
}

export const statefulSetVolumeMounts = defineRule({
  id: "statefulset-volume-mounts",
  summary:
    "Every volumeMount names a pod volume or a volumeClaimTemplate; every claim template is mounted; no pod volume is silently replaced by a claim template.",
  rationale:
    "A mount naming neither a volume nor a claim template makes every pod invalid, so the controller cannot create them. A claim template no container mounts still gets one PVC per pod, storage paid for and never used. A pod volume named like a claim template is replaced by the claim in every pod, so its own source is ignored; a persistentVolumeClaim volume whose claimName is the template's name (CockroachDB's manifests) says exactly that and is not reported.",
  fix: "Name each mount after a volume in spec.template.spec.volumes or a claim template; mount each claim template or remove it; rename a pod volume that shares a claim template's name.",
  kinds: ["StatefulSet"],
  defaultAction: "deny",
  params: z.object({}),
  check({ kind, object }) {
    const pod = podTemplateOf(kind, object);
    const podSpec = pod.template?.spec;
    const podSpecPath = pod.path.child("spec");
    const volumes = podSpec?.volumes ?? [];
    const templates = claimsOf({ kind, object });
    const templateNames = new Set<string>();
    for (const { claim } of templates) if (claim.metadata?.name) templateNames.add(claim.metadata.name);
    const known = new Set(templateNames);
    for (const v of volumes) if (v.name) known.add(v.name);
    const issues: RuleIssue[] = [];
    const used = new Set<string>();

    for (const group of ["containers", "initContainers"] as const) {
      (podSpec?.[group] ?? []).forEach((container, c) => {
        for (const { list, index, name } of usedNames(container)) {
          used.add(name);
          if (known.has(name)) continue;
          const meant = closestName(name, [...known]);
          const kindOfMeant = meant === undefined ? "" : templateNames.has(meant) ? "volumeClaimTemplate" : "volume";
          issues.push(
            notFound(
              podSpecPath.child(group).index(c).child(list).index(index).child("name"),
              name,
              meant === undefined
                ? "no volume or volumeClaimTemplate with this name; add one or fix the name"
                : `no volume or volumeClaimTemplate with this name; did you mean ${kindOfMeant} "${meant}"?`,
            ),
          );
        }
      });
    }

    for (const { claim, path } of templates) {
      const name = claim.metadata?.name;
      if (!name || used.has(name)) continue;
      issues.push(
        advisory(
          invalid(
            path.child("metadata", "name"),
            name,
            "no container mounts this claim template, yet every pod gets a PVC for it; mount it or remove it",
          ),
        ),
      );
    }

    volumes.forEach((volume, i) => {
      const name = volume.name;
      if (!name || !templateNames.has(name) || volume.persistentVolumeClaim?.claimName === name) return;
      issues.push(
        advisory(
          invalid(
            podSpecPath.child("volumes").index(i).child("name"),
            name,
            "a volumeClaimTemplate has this name, so every pod gets the claim instead of this volume; rename one of them",
          ),
        ),
      );
    });
    return issues;
  },
  cel: {
    variables: [
      { name: "containers", expression: allContainers },
      { name: "templateNames", expression: "object.?spec.?volumeClaimTemplates.orValue([]).filter(t, t.?metadata.?name.orValue('') != '').map(t, t.metadata.name)" },
      { name: "volumes", expression: "object.?spec.?template.?spec.?volumes.orValue([])" },
      { name: "volumeNames", expression: "variables.volumes.filter(v, v.?name.orValue('') != '').map(v, v.name)" },
    ],
    validations() {
      const named = (entry: string) => `(type(${entry}.?name.orValue(0)) == string && ${entry}.name != '')`;
      const uses = (name: string) =>
        `variables.containers.exists(c, c.?volumeMounts.orValue([]).exists(m, ${named("m")} && m.name == ${name}) || c.?volumeDevices.orValue([]).exists(d, ${named("d")} && d.name == ${name}))`;
      const known = (entry: string) => `(!${named(entry)} || ${entry}.name in variables.templateNames || ${entry}.name in variables.volumeNames)`;
      return [
        {
          expression: `variables.containers.all(c, c.?volumeMounts.orValue([]).all(m, ${known("m")}) && c.?volumeDevices.orValue([]).all(d, ${known("d")}))`,
          message:
            "'a volumeMount or volumeDevice names no volume or volumeClaimTemplate: ' + variables.containers.map(c, c.?volumeMounts.orValue([]).filter(m, !" + known("m") + ").map(m, m.name).join(', ')).filter(n, n != '').join(', ')",
        },
        {
          expression: `variables.templateNames.all(n, ${uses("n")})`,
          message: `'no container mounts these claim templates, yet every pod gets a PVC for each: ' + variables.templateNames.filter(n, !${uses("n")}).join(', ')`,
          advisory: true,
        },
        {
          expression: "variables.volumes.all(v, !(v.?name.orValue('') in variables.templateNames) || v.?persistentVolumeClaim.?claimName.orValue('') == v.name)",
          message:
            "'a volumeClaimTemplate has the name of these pod volumes, so every pod gets the claim instead: ' + variables.volumes.filter(v, v.?name.orValue('') in variables.templateNames && v.?persistentVolumeClaim.?claimName.orValue('') != v.name).map(v, v.name).join(', ')",
          advisory: true,
        },
      ];
    },
    webhookOnly: "the name a mistyped mount most likely meant",
    cost: "about 10 per mount times (templates + volumes) for the first check and templates times mounts for the second; 10 containers of 10 mounts, 5 templates, 10 volumes: about 20,000",
  },
  autofix: {
    summary:
      "A mount naming no volume gets the name of the one claim template or pod volume a single edit away (`dta` → `data`); with two such names, or none, it is left for you.",
    of({ kind, object }, finding) {
      if (finding.type !== "Not found" || typeof finding.value !== "string") return undefined;
      const written = finding.value;
      const known = [
        ...claimsOf({ kind, object }).map(({ claim }) => claim.metadata?.name),
        ...(podTemplateOf(kind, object).template?.spec?.volumes ?? []).map((v) => v.name),
      ].filter((name): name is string => typeof name === "string" && name !== "");
      const near = [...new Set(known)].filter((name) => editDistance(written, name) === 1);
      if (near.length === 1) return { changes: [{ path: finding.path, value: near[0], by: "statefulset-volume-mounts" }] };
      if (near.length > 1) return { refused: `${near.map((n) => JSON.stringify(n)).join(" and ")} are each one edit away` };
      return { refused: "no volume or claim template is one edit away" };
    },
  },
});
