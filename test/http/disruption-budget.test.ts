import { disruptionBudgetScenarios } from "./disruption-budget-scenarios.js";

disruptionBudgetScenarios("node");
