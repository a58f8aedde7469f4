import * as z from "zod";
import { invalid } from "../../k8s/field.js";
import { defineRule, type RuleIssue } from "../../engine/types.js";
import { type ClaimAt, claimsOf } from "../../k8s/claims.js";
import { type PodTemplateAt, podTemplateOf } from "../../k8s/kinds.js";
import { allContainers } from "./cel.js";

type VolumeMode = "Block" | "Filesystem";

/**
 * The volumeMode of every claim a pod name stands for: claim templates (which replace a pod volume of the same name)
 * and generic ephemeral volumes. An unset mode is Filesystem, the API server's default; other values are left to the
 * API-server checks.
 */
function claimModes(pod: PodTemplateAt, claims: readonly ClaimAt[]): Map<string, { mode: VolumeMode; what: string }> {
  const modes = new Map<string, { mode: VolumeMode; what: string }>();
  const known = (mode: string | null | undefined): VolumeMode | undefined =>
    mode === undefined || mode === null || mode === "Filesystem" ? "Filesystem" : mode === "Block" ? "Block" : undefined;
  for (const volume of pod.template?.spec?.volumes ?? []) {
    const template = volume.ephemeral?.volumeClaimTemplate;
    const mode = template && known(template.spec?.volumeMode);
    if (volume.name && mode) modes.set(volume.name, { mode, what: "ephemeral volume" });
  }
  for (const { claim: template } of claims) {
    const mode = known(template.spec?.volumeMode);
    if (template.metadata?.name && mode) modes.set(template.metadata.name, { mode, what: "claim template" });
  }
  return modes;
}

/** How each list consumes a volume, and the mode it needs. */
const lists = {
  volumeMounts: { needs: "Filesystem", fix: "use volumeDevices with a devicePath, or give the claim volumeMode Filesystem" },
  volumeDevices: { needs: "Block", fix: "use volumeMounts with a mountPath, or give the claim volumeMode Block" },
} as const;

export const statefulSetVolumeMode = defineRule({
  id: "statefulset-volume-mode",
  summary:
    "A claim with volumeMode Block is used only through volumeDevices, and a Filesystem claim (the default) only through volumeMounts.",
  rationale:
    "A Block claim is a raw device with no filesystem to mount, and a Filesystem claim cannot be handed to a container as a device. The API server accepts both mistakes, then the kubelet refuses to start every pod of the StatefulSet, which stays at zero ready replicas.",
  fix: "Mount a Filesystem claim with volumeMounts (mountPath); attach a Block claim with volumeDevices (devicePath); or change the claim template's volumeMode. Claim templates are immutable: re-create the StatefulSet with kubectl delete statefulset <name> --cascade=orphan.",
  kinds: ["StatefulSet"],
  defaultAction: "deny",
  params: z.object({}),
  check({ kind, object }) {
    const pod = podTemplateOf(kind, object);
    const modes = claimModes(pod, claimsOf({ kind, object }));
    if (modes.size === 0) return [];
    const issues: RuleIssue[] = [];
    for (const group of ["containers", "initContainers"] as const) {
      (pod.template?.spec?.[group] ?? []).forEach((container, c) => {
        for (const list of ["volumeMounts", "volumeDevices"] as const) {
          (container[list] ?? []).forEach((entry, i) => {
            const claim = entry.name ? modes.get(entry.name) : undefined;
            if (!claim || claim.mode === lists[list].needs) return;
            issues.push(
              invalid(
                pod.path.child("spec", group).index(c).child(list).index(i).child("name"),
                entry.name,
                `${claim.what} "${entry.name}" has volumeMode ${claim.mode}, so the pods never start; ${lists[list].fix}`,
              ),
            );
          });
        }
      });
    }
    return issues;
  },
  cel: {
    variables: [
      { name: "containers", expression: allContainers },
      { name: "templates", expression: "object.?spec.?volumeClaimTemplates.orValue([]).filter(t, t.?metadata.?name.orValue('') != '' && t.?spec.?volumeMode.orValue('Filesystem') in ['Filesystem', 'Block'])" },
      {
        name: "ephemeral",
        expression:
          "object.?spec.?template.?spec.?volumes.orValue([]).filter(v, v.?name.orValue('') != '' && v.?ephemeral.?volumeClaimTemplate.hasValue() && v.ephemeral.volumeClaimTemplate.?spec.?volumeMode.orValue('Filesystem') in ['Filesystem', 'Block'] && !variables.templates.exists(t, t.metadata.name == v.name))",
      },
      {
        name: "blockClaims",
        expression:
          "variables.templates.filter(t, t.?spec.?volumeMode.orValue('') == 'Block').map(t, t.metadata.name) + variables.ephemeral.filter(v, v.ephemeral.volumeClaimTemplate.?spec.?volumeMode.orValue('') == 'Block').map(v, v.name)",
      },
      {
        name: "filesystemClaims",
        expression:
          "variables.templates.filter(t, t.?spec.?volumeMode.orValue('Filesystem') == 'Filesystem').map(t, t.metadata.name) + variables.ephemeral.filter(v, v.ephemeral.volumeClaimTemplate.?spec.?volumeMode.orValue('Filesystem') == 'Filesystem').map(v, v.name)",
      },
    ],
    validations: () => [
      {
        expression: "variables.containers.all(c, c.?volumeMounts.orValue([]).all(m, !(m.?name.orValue('') in variables.blockClaims)))",
        message: "'these claims have volumeMode Block but are mounted with volumeMounts, so the pods never start; use volumeDevices with a devicePath: ' + variables.blockClaims.filter(n, variables.containers.exists(c, c.?volumeMounts.orValue([]).exists(m, m.?name.orValue('') == n))).join(', ')",
      },
      {
        expression: "variables.containers.all(c, c.?volumeDevices.orValue([]).all(d, !(d.?name.orValue('') in variables.filesystemClaims)))",
        message: "'these claims have volumeMode Filesystem but are attached with volumeDevices, so the pods never start; use volumeMounts with a mountPath: ' + variables.filesystemClaims.filter(n, variables.containers.exists(c, c.?volumeDevices.orValue([]).exists(d, d.?name.orValue('') == n))).join(', ')",
      },
    ],
    cost: "about 5 per mount times claims; 10 containers of 10 mounts and 5 claims: about 2,500",
  },
});
