/**
 * Imports point downwards only: each folder of src/ may import its own files and the folders of lower layers, never
 * a folder of its own layer or above. Static imports, re-exports and dynamic import() all count.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { describe, expect, it } from "vitest";

const src = join(import.meta.dirname, "..", "src");

/** Lowest first; folders in one layer are siblings and must not import each other. */
const layers: readonly (readonly string[])[] = [
  ["k8s"],
  ["cluster"],
  ["engine"],
  ["rules"],
  ["defaults"],
  ["policy"],
  ["admission", "audit", "export"],
  ["http", "command"],
  ["node", "worker"],
  ["cli"],
];

const layerOf = new Map(layers.flatMap((folders, index) => folders.map((folder) => [folder, index] as const)));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

const topFolder = (file: string) => relative(src, file).split(sep)[0]!;

/** The relative specifiers a file imports, re-exports or imports dynamically. */
function relativeImports(text: string): string[] {
  return [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)"(\.[^"]+)"/gm)].map((m) => m[1]!);
}

describe("src/ folder layers", () => {
  const files = sourceFiles(src);

  it("knows every folder of src/", () => {
    const folders = readdirSync(src, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    expect(folders.filter((folder) => !layerOf.has(folder))).toEqual([]);
  });

  it("finds the imports it judges (a file that imports across folders is seen)", () => {
    const mainText = readFileSync(join(src, "cli", "main.ts"), "utf8");
    expect(relativeImports(mainText).some((specifier) => specifier.startsWith("../node/"))).toBe(true);
  });

  it("has every import point to the file's own folder or a lower layer", () => {
    const upward: string[] = [];
    for (const file of files) {
      const from = topFolder(file);
      for (const specifier of relativeImports(readFileSync(file, "utf8"))) {
        const target = join(dirname(file), specifier);
        if (relative(src, target).startsWith("..")) continue; // package.json and the like, outside src/
        const to = topFolder(target);
        if (to === from) continue;
        if (!(layerOf.get(to)! < layerOf.get(from)!)) upward.push(`${relative(src, file)} imports ${specifier} (${from} -> ${to})`);
      }
    }
    expect(upward).toEqual([]);
  });

  it("reads no library's private internals: zod's `_zod` changes shape between releases", () => {
    const readers = files.filter((file) => /\._zod\b|\["_zod"\]/.test(readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "")));
    expect(readers.map((file) => relative(src, file))).toEqual([]);
  });
});

describe("test/", () => {
  const root = join(src, "..");
  const testFiles = sourceFiles(join(root, "test"));

  // The benchmark measures what the tests hold correct; what both use (servers, the fake API server, fixtures) lives in
  // scripts/ or test/, so changing a benchmark never changes a test.
  it("imports nothing from bench/", () => {
    const fromBench = testFiles.flatMap((file) =>
      relativeImports(readFileSync(file, "utf8"))
        .filter((specifier) => relative(root, join(dirname(file), specifier)).split(sep)[0] === "bench")
        .map((specifier) => `${relative(root, file)} imports ${specifier}`),
    );
    expect(testFiles.length).toBeGreaterThan(100);
    expect(fromBench).toEqual([]);
  });
});
