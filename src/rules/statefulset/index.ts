import type { Rule } from "../../engine/types.js";
import { statefulSetClaimTemplateName } from "./claim-template-name.js";
import { statefulSetDisruptionBudget } from "./disruption-budget.js";
import { statefulSetHeadlessService } from "./headless-service.js";
import { statefulSetImmutableFields } from "./immutable-fields.js";
import { statefulSetImpact } from "./impact.js";
import { statefulSetMinReadySeconds } from "./min-ready-seconds.js";
import { statefulSetProtectClaims } from "./protect-claims.js";
import { statefulSetStuckRollout } from "./stuck-rollout.js";
import { statefulSetName } from "./name.js";
import { statefulSetReadinessProbe } from "./readiness-probe.js";
import { statefulSetRetentionPolicy } from "./retention-policy.js";
import { statefulSetSelector } from "./selector.js";
import { statefulSetServiceName } from "./service-name.js";
import { statefulSetSpread } from "./spread.js";
import { statefulSetTerminationGrace } from "./termination-grace.js";
import { statefulSetUpdateStrategy } from "./update-strategy.js";
import { statefulSetVolumeMode } from "./volume-mode.js";
import { statefulSetVolumeMounts } from "./volume-mounts.js";

/**
 * StatefulSet rules, in the order their findings are reported (the order of the catalog), after the rules that
 * say what an update will do: among the warnings of the same rank, what the controller is about to do comes first.
 */
export const statefulSetRules: Rule[] = [
  statefulSetImpact,
  statefulSetStuckRollout,
  statefulSetProtectClaims,
  statefulSetName,
  statefulSetSelector,
  statefulSetServiceName,
  statefulSetHeadlessService,
  statefulSetVolumeMounts,
  statefulSetVolumeMode,
  statefulSetClaimTemplateName,
  statefulSetUpdateStrategy,
  statefulSetMinReadySeconds,
  statefulSetReadinessProbe,
  statefulSetTerminationGrace,
  statefulSetRetentionPolicy,
  statefulSetSpread,
  statefulSetDisruptionBudget,
  statefulSetImmutableFields,
];
