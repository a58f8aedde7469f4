/**
 * The Node server's log: one JSON object per line on stdout, through pino. Lines keep the fields the app gives them
 * (`msg`, and a review's uid, decision, rules...), with `level` as a word ("info", "warn", "error"); pino adds no
 * pid, host or time, since the container runtime stamps each line. stdout is written asynchronously (sonic-boom);
 * `flush` writes what is pending before the process exits.
 * pino replaced a hand-written writer that joined each event-loop turn's lines into one write: measured on 200,000
 * review lines to /dev/null it costs about 8 µs of CPU a line against 2 µs, which the HTTP rows of `npm run bench`
 * do not tell from noise; and with STATEWARD_LOG's default most reviews write no line.
 */
import pino, { type DestinationStream, type Level } from "pino";
import type { LogLine } from "../http/service.js";

/**
 * The system's own words for a failed call, from the error or the cause it wraps (fetch's "fetch failed" wraps the
 * socket's): `ENOENT: no such file or directory, open '...'`, `connect ECONNREFUSED 10.0.0.1:443`.
 */
export function causeOf(error: unknown): string {
  const cause = (error as { cause?: unknown } | null)?.cause ?? error;
  return cause instanceof Error ? cause.message : String(cause);
}

export interface JsonLog {
  log(line: LogLine): void;
  /** Writes what is pending now; call it before the process exits. */
  flush(): void;
}

/**
 * stdout, written when 4 KiB of lines are pending or every 100 ms: under load one write carries many lines (a write
 * per line was a third of the logging's CPU in a profile of the server), and a quiet server's line is out at once.
 */
const stdout = () => pino.destination({ dest: 1, sync: false, minLength: 4 * 1024, periodicFlush: 100 });

const levels = new Set<unknown>(["trace", "debug", "info", "warn", "error", "fatal"] satisfies Level[]);

/** The log on `destination` (stdout by default); a destination with `flushSync` is flushed by `flush`. */
export function jsonLinesLog(destination: DestinationStream & { flushSync?(): void } = stdout()): JsonLog {
  const logger = pino({ base: undefined, timestamp: false, formatters: { level: (label) => ({ level: label }) } }, destination);
  return {
    log({ level, ...fields }) {
      logger[levels.has(level) ? (level as Level) : "info"](fields);
    },
    flush() {
      destination.flushSync?.();
    },
  };
}
