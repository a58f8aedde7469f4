/**
 * Who may call: reviews need the shared token when one is configured; writes to the cluster view need it always, so a
 * deployment without a token serves reviews but refuses writes instead of leaving them open.
 */
import { timingSafeEqual } from "hono/utils/buffer";
import { type AppContext, jsonError, type Service } from "./service.js";

/** Why a write route is refused while no token is configured; the Node server also says it when it starts. */
export const writesNeedTokenMessage =
  "WEBHOOK_TOKEN is not set: /observe and the inventory routes write the cluster view and are not served without it";

/** Each answers undefined when the caller may go on, or the response that refuses it. */
export interface Authentication {
  authenticate(c: AppContext): Promise<Response | undefined>;
  authenticateWrite(c: AppContext): Promise<Response | undefined>;
}

export function authentication({ configOf, log }: Service): Authentication {
  let warnedNoToken = false;
  const authenticate = async (c: AppContext): Promise<Response | undefined> => {
    const { token } = configOf(c);
    if (!token) {
      if (!warnedNoToken) {
        warnedNoToken = true;
        log({ level: "warn", msg: "WEBHOOK_TOKEN is not set: admission calls are not authenticated" });
      }
      return undefined;
    }
    const presented = c.req.param("token") ?? bearerToken(c.req.header("authorization"));
    if (presented === undefined || !(await timingSafeEqual(presented, token))) {
      return jsonError(c, 401, "missing or wrong token: send Authorization: Bearer <token> or use /t/<token>/...");
    }
    return undefined;
  };
  return {
    authenticate,
    async authenticateWrite(c) {
      if (!configOf(c).token) return jsonError(c, 403, writesNeedTokenMessage);
      return authenticate(c);
    },
  };
}

function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}
