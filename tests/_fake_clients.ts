/**
 * Clients of the fake Admin API for its own tests: the official SDK (proving the fake speaks the
 * API as the SDK reads it) and a bare GET. Kept out of `_helpers.ts` so that only these tests
 * load the SDK.
 */
import OpenAI from "openai";

/** The official SDK over `fetch` (the fake's in-process handler), without retries. */
export function sdk(fetch: typeof globalThis.fetch, key = "sk-admin-test"): OpenAI {
  return new OpenAI({
    adminAPIKey: key,
    apiKey: null,
    baseURL: "http://127.0.0.1/v1",
    fetch,
    maxRetries: 0,
  });
}

// deno-lint-ignore no-explicit-any
export type Body = any;

/** A GET of a path under /v1 with an admin key: its status and JSON body. */
export function getter(fetch: typeof globalThis.fetch) {
  return async (path: string): Promise<{ status: number; body: Body }> => {
    const res = await fetch(`http://127.0.0.1/v1${path}`, {
      headers: { authorization: "Bearer sk-admin-x" },
    });
    return { status: res.status, body: await res.json() };
  };
}
