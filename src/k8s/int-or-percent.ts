/**
 * An IntOrString (`maxUnavailable: 1` or `"25%"`) scaled against a total, as apimachinery's
 * `intstr.GetScaledValueFromIntOrPercent` does: a number as it is, a percentage of `total` rounded up or down as the
 * caller's controller asks (the disruption controller rounds up, the StatefulSet controller's maxUnavailable down).
 * Undefined for a string that is not a percentage, which the API server refuses anyway.
 */
export function scaledIntOrPercent(value: number | string, total: number, roundUp: boolean): number | undefined {
  if (typeof value === "number") return value;
  const match = /^(\d+)%$/.exec(value);
  if (!match) return undefined;
  const exact = (Number(match[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}
