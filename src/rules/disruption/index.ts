import type { Rule } from "../../engine/types.js";
import { disruptionBudgetEviction } from "./eviction.js";
import { disruptionBudgetOverlap } from "./overlap.js";
import { disruptionBudgetSelector } from "./selector.js";
import { disruptionBudgetUnhealthyEviction } from "./unhealthy-eviction.js";

/** Rules on a PodDisruptionBudget under review, in the order their findings are reported. */
export const disruptionRules: Rule[] = [
  disruptionBudgetSelector,
  disruptionBudgetEviction,
  disruptionBudgetOverlap,
  disruptionBudgetUnhealthyEviction,
];
