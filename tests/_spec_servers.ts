/**
 * Shared by the tests of the enrichment and admin-key readers: a core wired to a test server (a
 * `Request → Response` function written in each test from the spec, sharing nothing with
 * lib/fake/) that records every request, and the spec's validators.
 */
import { scrubber } from "../lib/secrets/redact.ts";
import { type ApiCore, createApiCore } from "../lib/api/client.ts";
import { ADMIN_KEY, seeded, virtualClock } from "./_helpers.ts";
import { assertOpenapi } from "./_openapi.ts";

/** Throws, naming every problem, unless `value` matches the spec's component schema `name`. */
export const assertSpec = assertOpenapi;

export const envelope = (message: string, code: string | null = null) => ({
  error: { message, type: "invalid_request_error", param: null, code },
});

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "x-request-id": "req_spec" },
  });
}

export type Handler = (url: URL, req: Request) => Response | Promise<Response>;

/** `handler` behind the real API's front door: `/v1`, a bearer admin key, GET only. */
export function frontDoor(routes: Record<string, Handler>): Handler {
  return (url, req) => {
    const invalid = () => json(404, envelope(`Invalid URL (${req.method} ${url.pathname})`));
    if (req.method !== "GET") return invalid();
    if (req.headers.get("authorization") !== `Bearer ${ADMIN_KEY}`) {
      return json(401, envelope("Incorrect API key provided", "invalid_api_key"));
    }
    const route = routes[url.pathname.replace(/^\/v1/, "")];
    return route ? route(url, req) : invalid();
  };
}

export interface Wired {
  core: ApiCore;
  /** Every request, in order: method and full URL. */
  requests: { method: string; url: URL; href: string }[];
}

/** A core (as `check` builds it) whose fetch is `handler`. */
export function wire(
  handler: Handler,
  o: { maxPages?: number; maxRetries?: number; scrubber?: boolean } = {},
): Wired {
  const requests: Wired["requests"] = [];
  const core = createApiCore({
    baseURL: "http://127.0.0.1/v1",
    adminKey: ADMIN_KEY,
    fetch: async (input, init) => {
      const req = new Request(input, init);
      const url = new URL(req.url);
      requests.push({ method: req.method, url, href: req.url });
      return await handler(url, req);
    },
    clock: virtualClock(),
    random: seeded(1),
    timeoutMs: 30_000,
    concurrency: 4,
    deadlineMs: 600_000,
    // The CLI's own scrubbers when asked (`connect.ts`), else the key alone.
    ...(o.scrubber
      ? { scrub: scrubber([ADMIN_KEY]).secrets, scrubMessage: scrubber([ADMIN_KEY]).value }
      : { scrub: (s: string) => s.replaceAll(ADMIN_KEY, "[REDACTED]") }),
    maxRetries: o.maxRetries ?? 0,
    maxPages: o.maxPages,
  });
  return { core, requests };
}

/** `name[]` values of a query, as the SDK sends arrays. */
export function all(url: URL, name: string): string[] {
  return url.searchParams.getAll(`${name}[]`);
}
