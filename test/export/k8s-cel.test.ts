/**
 * The Kubernetes CEL library functions of ./k8s-cel.ts against the Go library's own examples: TestQuantity in
 * kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/cel/library/quantity_test.go, every case whose functions the
 * exported expressions use (its add, sub, mul, div, asInteger, isInteger and asApproximateFloat cases are left out:
 * no export uses them, so ./k8s-cel.ts does not define them).
 */
import { describe, expect, it } from "vitest";
import { kubernetesCelEnvironment, parseQuantity } from "./k8s-cel.js";

const env = kubernetesCelEnvironment();
const run = (expression: string) => env.evaluate(expression, { object: null, oldObject: null, request: {}, variables: {} });

describe("Kubernetes CEL quantity library (quantity_test.go TestQuantity)", () => {
  it.each([
    ["parse", 'quantity("12Mi") == quantity("12Mi")', true],
    ["isQuantity", 'isQuantity("20")', true],
    ["isQuantity_megabytes", 'isQuantity("20M")', true],
    ["isQuantity_mebibytes", 'isQuantity("20Mi")', true],
    ["isQuantity_invalidSuffix", 'isQuantity("20Mo")', false],
    ["isQuantity_passingRegex", 'isQuantity("10Mm")', false],
    ["equality_reflexivity", 'quantity("200M") == quantity("200M")', true],
    ["equality_symmetry", 'quantity("200M") == quantity("0.2G") && quantity("0.2G") == quantity("200M")', true],
    ["equality_transitivity", 'quantity("2M") == quantity("0.002G") && quantity("2000k") == quantity("2M") && quantity("0.002G") == quantity("2000k")', true],
    ["inequality", 'quantity("200M") == quantity("0.3G")', false],
    ["quantity_less", 'quantity("50M").isLessThan(quantity("50Mi"))', true],
    ["quantity_less_obvious", 'quantity("50M").isLessThan(quantity("100M"))', true],
    ["quantity_less_false", 'quantity("100M").isLessThan(quantity("50M"))', false],
    ["quantity_greater", 'quantity("50Mi").isGreaterThan(quantity("50M"))', true],
    ["quantity_greater_obvious", 'quantity("150Mi").isGreaterThan(quantity("100Mi"))', true],
    ["quantity_greater_false", 'quantity("50M").isGreaterThan(quantity("100M"))', false],
    ["compare_equal", 'quantity("200M").compareTo(quantity("0.2G"))', 0n],
    ["compare_less", 'quantity("50M").compareTo(quantity("50Mi"))', -1n],
    ["compare_greater", 'quantity("50Mi").compareTo(quantity("50M"))', 1n],
  ])("%s: %s", (_, expression, expected) => {
    expect(run(expression)).toBe(expected);
  });

  it.each([
    ["parseInvalidSuffix", 'quantity("10Mo")', /quantities must match the regular expression/],
    ["parseInvalidSuffixPassesRegex", 'quantity("10Mm")', /unable to parse quantity's suffix/],
  ])("%s: %s fails as in Go", (_, expression, error) => {
    expect(() => run(expression)).toThrow(error);
  });

  it("isQuantity takes only a string (isQuantity_noOverload)", () => {
    expect(() => run("isQuantity([1, 2, 3])")).toThrow(/overload/);
  });

  // resource.ParseQuantity's grammar beyond the library's cases (apimachinery quantity_test.go TestQuantityParse).
  it.each([
    ["1.", 1n, 0n],
    [".5", 5n, 1n],
    ["+1Ki", 1024n, 0n],
    ["-1", -1n, 0n],
    ["1e3", 1000n, 0n],
    ["1E-3", 1n, 3n],
    ["100m", 100n, 3n],
    ["1.5Gi", 15n * 2n ** 30n, 1n],
  ])("parses %s exactly", (text, numerator, scale) => {
    const q = parseQuantity(text);
    expect(q.compareTo(parseQuantity(text))).toBe(0);
    expect(q.numerator * 10n ** scale).toBe(numerator * 10n ** q.scale);
  });

  it.each(["", ".", "1.2.3", "1e", "Gi", "1 Gi", " 1", "10GB", "1Gi ", "1.5.Mi"])("refuses %j", (text) => {
    expect(() => parseQuantity(text)).toThrow();
  });
});
