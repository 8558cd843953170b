/**
 * Fault injection for the fake: the faults a state file may declare, the ones that replace a
 * response before the route is served, and the ones that corrupt a successful body.
 */
import type { Fault, FaultKind, FaultTarget, Json } from "./types.ts";
import { errorEnvelope } from "./wire.ts";

/** Every target a fault can name */
export const FAULT_TARGETS: readonly FaultTarget[] = [
  "list",
  "key",
  "project",
  "projects",
  "audit_logs",
  "usage",
  "costs",
  "admin_keys",
  "any",
];

/** Every kind of fault */
export const FAULT_KINDS: readonly FaultKind[] = [
  "status",
  "malformed",
  "truncated",
  "html",
  "wrong_shape",
  "no_has_more",
  "no_last_id",
  "loop_cursor",
  "empty_page_has_more",
  "duplicate",
  "ownerless",
  "hang",
  "reset",
  "missing_bucket",
];

/** Builds the fake's HTTP response from a status, a body and headers */
export type Respond = (
  status: number,
  body: Json | string,
  headers?: Record<string, string>,
) => Response;

/** Faults that replace the response before the route is served. */
export async function transportFault(
  f: Fault,
  req: Request,
  respond: Respond,
): Promise<Response | null> {
  switch (f.kind) {
    case "status":
      return statusFault(f, respond);
    case "html":
      return respond(
        f.status ?? 502,
        "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
        { "content-type": "text/html" },
      );
    case "hang":
      await hang(req.signal);
      return respond(
        504,
        errorEnvelope("Injected fault: the response never ended", "server_error", null, null),
      );
    case "reset":
      return reset();
    default:
      return null;
  }
}

/** An error status, with the `retry-after` headers the fault names. */
function statusFault(f: Fault, respond: Respond): Response {
  const status = f.status ?? 500;
  const headers: Record<string, string> = {};
  if (f.retry_after !== undefined) headers["retry-after"] = f.retry_after;
  if (f.retry_after_ms !== undefined) headers["retry-after-ms"] = f.retry_after_ms;
  const message = status === 429
    ? "Rate limit reached for requests"
    : `Injected fault: status ${status}`;
  return respond(
    status,
    errorEnvelope(message, status === 429 ? "requests" : "server_error", null, null),
    headers,
  );
}

/** Waits until the client gives up (or two minutes). */
function hang(signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, 120_000);
    signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });
}

/** A 200 whose body breaks off: the connection is reset mid-answer. */
function reset(): Response {
  const body = new ReadableStream({
    start(c) {
      c.enqueue(new TextEncoder().encode('{"object":"list","da'));
      c.error(new TypeError("connection reset by peer"));
    },
  });
  return new Response(body, {
    status: 200,
    headers: { "content-type": "application/json", "x-request-id": "req_fake_reset" },
  });
}

/** Faults that corrupt a successful body. */
export function bodyFault(f: Fault, body: Json, url: URL): Json | string {
  const text = JSON.stringify(body);
  const page = body.object === "page" ? usagePageFault(f, body, url) : null;
  if (page) return page;
  switch (f.kind) {
    case "malformed":
      return "{ this is not json";
    case "truncated":
      return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
    case "wrong_shape":
      return Array.isArray(body.data)
        ? { ...body, data: { items: body.data } }
        : { ...body, id: 42, name: null };
    case "no_has_more": {
      const { has_more: _, ...rest } = body;
      return rest;
    }
    case "no_last_id":
      return { ...body, last_id: null, has_more: true };
    case "loop_cursor": {
      const cursor = url.searchParams.get("after") ?? body.last_id;
      return { ...body, last_id: cursor, has_more: true };
    }
    case "empty_page_has_more":
      return { ...body, data: [], first_id: null, last_id: null, has_more: true };
    case "duplicate":
      return Array.isArray(body.data) && body.data.length
        ? { ...body, data: [...body.data, body.data[0]] }
        : body;
    case "ownerless":
      return ownerless(body);
    default:
      return body;
  }
}

/**
 * Usage and costs pages carry `next_page` where lists carry `last_id`: their cursor faults, and a
 * page without its first day's bucket (an answer short of the window).
 */
function usagePageFault(f: Fault, body: Json, url: URL): Json | null {
  switch (f.kind) {
    case "no_last_id":
      return { ...body, next_page: null, has_more: true };
    case "loop_cursor":
      return { ...body, next_page: url.searchParams.get("page") ?? body.next_page, has_more: true };
    case "empty_page_has_more":
      return { ...body, data: [], has_more: true };
    case "missing_bucket":
      return { ...body, data: body.data.slice(1) };
    default:
      return null;
  }
}

/** The first key's owner without its name and id (only keys have owners: others unchanged). */
function ownerless(body: Json): Json {
  if (Array.isArray(body.data) && body.data.length && body.data[0]?.owner) {
    const [first, ...rest] = body.data;
    return { ...body, data: [{ ...first, owner: { type: first.owner.type } }, ...rest] };
  }
  return body.owner ? { ...body, owner: { type: body.owner.type } } : body;
}
