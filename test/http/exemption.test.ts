import { exemptionScenarios } from "./exemption-scenarios.js";

exemptionScenarios("Node");
