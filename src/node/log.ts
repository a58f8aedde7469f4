/**
 * The Node server's log: one JSON line per event on stdout, written once per turn of the event loop. Under load one
 * write then carries the lines of many reviews; a write per line (console.log) cost a tenth of the server's CPU.
 */
import type { LogLine } from "../http/service.js";

export interface JsonLog {
  log(line: LogLine): void;
  /** Writes what is pending now; call it before the process exits. */
  flush(): void;
}

export function jsonLinesLog(write: (text: string) => void = (text) => process.stdout.write(text)): JsonLog {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const text = `${pending.join("\n")}\n`;
    pending = [];
    write(text);
  };
  return {
    log(line) {
      pending.push(JSON.stringify(line));
      if (pending.length === 1) setImmediate(flush);
    },
    flush,
  };
}
