/**
 * The Node server's certificate, re-read while it runs. cert-manager renews the Secret long before it expires and the
 * kubelet swaps the mounted files; a server that read them only at start would serve an expired certificate after
 * its first renewal, and with failurePolicy Fail the API server would then refuse every StatefulSet and PVC write.
 */
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Server } from "node:https";
import { createSecureContext } from "node:tls";
import type { LogLine } from "../http/service.js";
import type { ReadinessCheck } from "../http/health.js";

export const tlsRecheckMs = 60_000;

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

export interface TlsPair {
  cert: Buffer;
  key: Buffer;
}

export function readTls({ certFile, keyFile }: TlsFiles): TlsPair {
  return { cert: readFileSync(certFile), key: readFileSync(keyFile) };
}

/**
 * Why OpenSSL refuses the pair (`key values mismatch`, `no start line` for a file that is no PEM), or undefined when a
 * server can use it.
 */
export function checkTls(pair: TlsPair): string | undefined {
  try {
    createSecureContext(pair);
    return undefined;
  } catch (error) {
    const { reason, code } = error as { reason?: string; code?: string };
    return reason ? `${reason}${code ? ` (${code})` : ""}` : String((error as Error).message ?? error);
  }
}

/**
 * Re-reads the files every minute and when asked (`recheck`: the server calls it on SIGHUP), and swaps the server's
 * certificate when they changed. A half-written pair (new certificate, old key) fails to load, is logged, and is
 * tried again at the next check.
 */
export function keepTlsFresh(
  server: Server,
  files: TlsFiles,
  loaded: TlsPair,
  log: (line: LogLine) => void,
): { current(): TlsPair; recheck(trigger: string): void } {
  let current = loaded;
  const recheck = (trigger: string) => {
    try {
      const next = readTls(files);
      if (next.cert.equals(current.cert) && next.key.equals(current.key)) return;
      server.setSecureContext(next);
      current = next;
      log({ level: "info", msg: "TLS certificate reloaded", trigger });
    } catch (error) {
      log({ level: "error", msg: "TLS certificate not reloaded; the previous one stays", trigger, error: String(error) });
    }
  };
  setInterval(() => recheck("periodic check"), tlsRecheckMs).unref();
  return { current: () => current, recheck };
}

/**
 * Whether the certificate being served is one an API server accepts today. An expired one (a renewal that never
 * reached the mounted files) makes every call fail the TLS handshake, so the pod is reported unready, with the date.
 */
export function certificateCheck(pair: TlsPair | undefined, now = new Date()): ReadinessCheck {
  if (!pair) return { name: "certificate", ready: true, detail: "none: serving plain HTTP" };
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pair.cert);
  } catch (error) {
    return { name: "certificate", ready: false, detail: `cannot be read: ${(error as Error).message}` };
  }
  const notBefore = new Date(certificate.validFrom);
  const notAfter = new Date(certificate.validTo);
  if (now < notBefore) return { name: "certificate", ready: false, detail: `not valid before ${notBefore.toISOString()}` };
  if (now > notAfter) return { name: "certificate", ready: false, detail: `expired at ${notAfter.toISOString()}` };
  return { name: "certificate", ready: true, detail: `loaded, valid until ${notAfter.toISOString()}` };
}
