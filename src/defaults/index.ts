import type { Default } from "../engine/types.js";
import { defaultAccessModes } from "./access-modes.js";
import { defaultLabels } from "./labels.js";
import { defaultPodManagementPolicy } from "./pod-management-policy.js";
import { defaultRetentionPolicy } from "./retention-policy.js";
import { defaultStorageClass } from "./storage-class.js";
import { defaultTerminationGrace } from "./termination-grace.js";
import { defaultUpdateStrategy } from "./update-strategy.js";

/** Every default the mutating webhook can apply, in the order they run. */
export const defaults: readonly Default[] = [
  defaultTerminationGrace,
  defaultUpdateStrategy,
  defaultPodManagementPolicy,
  defaultRetentionPolicy,
  defaultStorageClass,
  defaultAccessModes,
  defaultLabels,
];
