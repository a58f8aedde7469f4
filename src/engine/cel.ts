/**
 * Pieces of CEL that rules write their `cel` export with: literals made from policy parameters. A JSON string is a
 * valid CEL string literal (the same escapes: \", \\, \n, \uXXXX), so parameters never need hand-escaping.
 */

/** A CEL string literal. */
export const celString = (text: string): string => JSON.stringify(text);

/** A CEL list literal of strings. */
export const celStrings = (texts: readonly string[]): string => `[${texts.map(celString).join(", ")}]`;
