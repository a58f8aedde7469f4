/** Name validation as in k8s.io/apimachinery/pkg/util/validation. */

const dns1123LabelPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123SubdomainPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const dns1123LabelMaxLength = 63;
export const dns1123SubdomainMaxLength = 253;

/** Returns the reasons `value` is not a DNS-1123 label, empty when it is one. */
export function dns1123LabelErrors(value: string): string[] {
  const errors: string[] = [];
  if (value.length > dns1123LabelMaxLength) errors.push(`must be no more than ${dns1123LabelMaxLength} characters`);
  if (!dns1123LabelPattern.test(value)) {
    errors.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
    );
  }
  return errors;
}

export function dns1123SubdomainErrors(value: string): string[] {
  const errors: string[] = [];
  if (value.length > dns1123SubdomainMaxLength) {
    errors.push(`must be no more than ${dns1123SubdomainMaxLength} characters`);
  }
  if (!dns1123SubdomainPattern.test(value)) {
    errors.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
    );
  }
  return errors;
}

export const isDns1123Label = (value: string): boolean => dns1123LabelErrors(value).length === 0;
export const isDns1123Subdomain = (value: string): boolean => dns1123SubdomainErrors(value).length === 0;
