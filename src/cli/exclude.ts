/**
 * `--exclude GLOB`: paths a directory walk passes over, matched by picomatch (Node 20 has no stable glob matcher) as
 * the report shows them: relative to the working directory, with `/`. A glob without `/` matches a file or directory
 * name at any depth (`--exclude templates`), a glob that matches a directory excludes all below it.
 */

export type Excluded = (shownPath: string) => boolean;

/** The matcher of the given globs; picomatch is loaded only when there are some, so a plain `check` never parses it. */
export async function excludeMatcher(globs: readonly string[]): Promise<Excluded | undefined> {
  if (globs.length === 0) return undefined;
  const { default: picomatch } = await import("picomatch");
  // `dir/` means the directory, as in .gitignore; picomatch matches it without the slash.
  const patterns = globs.map((glob) => glob.replace(/^\.\//, "").replace(/(.)\/+$/, "$1"));
  // picomatch's own `basename` option stops `dir/**` from matching `dir/sub`, so names are matched apart.
  const matcher = (list: string[]) => (list.length === 0 ? () => false : picomatch(list, { dot: true }));
  const byPath = matcher(patterns.filter((p) => p.includes("/")));
  const byName = matcher(patterns.filter((p) => !p.includes("/")));
  return (shown) => byPath(shown) || byName(shown.slice(shown.lastIndexOf("/") + 1));
}
