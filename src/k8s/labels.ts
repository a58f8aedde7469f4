/** Label keys and values as k8s.io/apimachinery/pkg/util/validation checks them (IsQualifiedName, IsValidLabelValue). */
import { dns1123SubdomainErrors } from "./names.js";

const namePartMaxLength = 63;
const labelValueMaxLength = 63;
const namePartPattern = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

const namePartRule =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** Returns the reasons `key` is not a label key (a qualified name such as `app.kubernetes.io/name`), empty when it is one. */
export function labelKeyErrors(key: string): string[] {
  const slash = key.indexOf("/");
  // Most keys are a plain name (`app`): one test answers for them.
  if (slash === -1 && key.length <= namePartMaxLength && namePartPattern.test(key)) return [];
  if (slash !== -1 && key.indexOf("/", slash + 1) !== -1) {
    return ["a label key is a name with an optional DNS subdomain prefix and one '/' (e.g. 'example.com/name')"];
  }
  const name = key.slice(slash + 1);
  const errors: string[] = [];
  if (slash !== -1) {
    const prefix = key.slice(0, slash);
    if (prefix.length === 0) errors.push("prefix part must be non-empty");
    else errors.push(...dns1123SubdomainErrors(prefix).map((e) => `prefix part ${e}`));
  }
  if (name.length === 0) errors.push("name part must be non-empty");
  else {
    if (name.length > namePartMaxLength) errors.push(`name part must be no more than ${namePartMaxLength} characters`);
    if (!namePartPattern.test(name)) errors.push(`name part ${namePartRule}`);
  }
  return errors;
}

/** Returns the reasons `value` is not a label value, empty when it is one (the empty string is one). */
export function labelValueErrors(value: string): string[] {
  const errors: string[] = [];
  if (value.length > labelValueMaxLength) errors.push(`must be no more than ${labelValueMaxLength} characters`);
  if (value !== "" && !namePartPattern.test(value)) errors.push(`a label value must be empty, or it ${namePartRule}`);
  return errors;
}
