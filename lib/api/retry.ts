/**
 * What an attempt means: a value, a retry (with its wait), a fatal credential problem, a claim of
 * absence, or a failure. Pure: the clock's `now` and the jitter come in as arguments.
 */
import { ApiError } from "../core/errors.ts";
import { type Attempt, MAX_BODY_BYTES } from "./transport.ts";

/** Longest `retry-after` keydrift will honour; the official SDK uses the same ceiling. */
export const MAX_RETRY_AFTER_MS = 60_000;

/** The OpenAI error envelope (`ErrorResponse` in the OpenAPI spec): all four members present. */
export interface ErrorEnvelope {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

/**
 * What one attempt means: a value, an absence, a retry with its wait, a fatal credential problem
 * or a failure
 */
export type Verdict =
  | { kind: "ok"; json: unknown }
  /** The API said this object does not exist (still subject to the base URL having proven itself). */
  | { kind: "absent"; reason: string; requestId: string | null }
  | { kind: "retry"; reason: string; waitMs: number; throttled: boolean; status: number | null }
  | { kind: "fatal"; reason: string; status: number | null; requestId: string | null }
  | { kind: "fail"; reason: string; status: number | null; requestId: string | null };

/**
 * The inputs besides the attempt that classifying it needs: the clock, the retry count, jitter and
 * the timeout
 */
export interface ClassifyContext {
  now: number;
  /** Retries already made for this read (for the backoff). */
  attempt: number;
  /** A number in [0, 1) for jitter. */
  random: number;
  timeoutMs: number;
  /** Where the admin key came from, for a refusal's message (default OPENAI_ADMIN_KEY). */
  keySource?: string;
}

/** `min(0.5 s × 2^attempt, 8 s)`, less up to 25% jitter: the SDK's schedule. */
export function backoffMs(attempt: number, random: number): number {
  return Math.min(500 * 2 ** attempt, 8000) * (1 - random * 0.25);
}

/** The envelope, when `json` is one; else null. */
export function errorEnvelope(json: unknown): ErrorEnvelope | null {
  if (typeof json !== "object" || json === null) return null;
  const e = (json as { error?: unknown }).error;
  if (typeof e !== "object" || e === null || Array.isArray(e)) return null;
  const { message, type, param, code } = e as Record<string, unknown>;
  const nullableString = (v: unknown) => v === null || typeof v === "string";
  if (typeof message !== "string" || typeof type !== "string") return null;
  if (!("param" in e) || !("code" in e) || !nullableString(param) || !nullableString(code)) {
    return null;
  }
  return { message, type, param: param as string | null, code: code as string | null };
}

/** The API's answer for a path it does not serve (a wrong base URL, a missing `/v1`). */
export function isInvalidUrl(envelope: ErrorEnvelope): boolean {
  return /^invalid url\b/i.test(envelope.message.trim());
}

/** Sorts one attempt's outcome. */
export function classify(a: Attempt, ctx: ClassifyContext): Verdict {
  const backoff = backoffMs(ctx.attempt, ctx.random);
  const retry = (reason: string, status: number | null = null): Verdict => ({
    kind: "retry",
    reason,
    waitMs: backoff,
    throttled: false,
    status,
  });
  switch (a.kind) {
    case "timeout":
      return retry(`no complete answer within ${a.ms / 1000} s (--timeout)`);
    case "network":
      if (a.notCapable) {
        return {
          kind: "fatal",
          reason: `network access is not permitted (${a.message}); widen --allow-net`,
          status: null,
          requestId: null,
        };
      }
      return retry(`network error (${a.message})`);
    case "broken_body":
      return retry(a.message);
    case "too_large":
      return {
        kind: "fail",
        reason: `the answer is larger than ${
          MAX_BODY_BYTES / 1024 / 1024
        } MiB (${a.bytes} bytes or more); keydrift does not read it`,
        status: null,
        requestId: null,
      };
    case "redirect":
      return {
        kind: "fail",
        reason: `the API answered ${a.status}, a redirect${
          a.location ? ` to "${a.location}"` : ""
        }; keydrift does not follow redirects (check --api-url)`,
        status: a.status,
        requestId: null,
      };
    case "response":
      return classifyResponse(a, ctx, backoff);
  }
}

function classifyResponse(
  a: Extract<Attempt, { kind: "response" }>,
  ctx: ClassifyContext,
  backoff: number,
): Verdict {
  const { status } = a;
  const requestId = a.headers.get("x-request-id");
  const rid = requestId ? ` (request id ${requestId})` : "";
  const fail = (reason: string): Verdict => ({ kind: "fail", reason, status, requestId });
  const retry = (reason: string): Verdict => ({
    kind: "retry",
    reason,
    waitMs: backoff,
    throttled: false,
    status,
  });
  if (status > 200 && status < 300) {
    // 201, 204, 206...: not the complete answer to a GET the API gives (always 200).
    return fail(`the API answered ${status}${rid}; keydrift reads only complete 200 answers`);
  }
  if (status === 200) return classifyOk(a, rid, fail, retry);
  const envelope = a.isJson ? errorEnvelope(a.json) : null;
  const said = `the API answered ${status}${rid}${envelope ? `: ${envelope.message}` : ""}`;
  if (status === 401 || status === 403) {
    return {
      kind: "fatal",
      reason: `${said}; the key in ${
        ctx.keySource ?? "OPENAI_ADMIN_KEY"
      } must be an admin key (sk-admin-…) with api.management.read`,
      status,
      requestId,
    };
  }
  if (status === 404) return notFound(envelope, said, rid, { fail, retry, requestId });
  const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
  if (!retryable) return fail(said);
  const asked = retryAfterMs(a.headers, ctx.now);
  if (asked !== null && asked > MAX_RETRY_AFTER_MS) {
    return fail(
      `${said}; it asked to wait ${Math.round(asked / 1000)} s, over keydrift's ${
        MAX_RETRY_AFTER_MS / 1000
      } s limit`,
    );
  }
  return {
    kind: "retry",
    reason: said,
    waitMs: asked ?? backoff,
    throttled: status === 429,
    status,
  };
}

/** A 200: its JSON, unless the body is not text (a failure) or not JSON (retried). */
function classifyOk(
  a: Extract<Attempt, { kind: "response" }>,
  rid: string,
  fail: (reason: string) => Verdict,
  retry: (reason: string) => Verdict,
): Verdict {
  // Bytes that are not text: not a document cut off on the way (that breaks the framing), so
  // asking again would bring the same bytes. Read with replacement characters, a key name would
  // be a change that is not there.
  if (!a.isUtf8) {
    return fail(
      `the API answered 200${rid} with a body that is not valid UTF-8; keydrift does not guess at text it cannot decode`,
    );
  }
  if (!a.isJson) return retry(`the API answered 200${rid} with a body that is not JSON`);
  return { kind: "ok", json: a.json };
}

/**
 * A 404: absence only when the API says so in its envelope. A proxy, a gateway, a wrong
 * `--api-url` never make an object absent.
 */
function notFound(
  envelope: ErrorEnvelope | null,
  said: string,
  rid: string,
  v: { fail(reason: string): Verdict; retry(reason: string): Verdict; requestId: string | null },
): Verdict {
  if (envelope && !isInvalidUrl(envelope)) {
    return { kind: "absent", reason: said, requestId: v.requestId };
  }
  if (envelope) {
    return v.fail(
      `${said}; that is the answer for a path the API does not serve (check --api-url: it must end in /v1)`,
    );
  }
  // No envelope: a proxy page, or a body cut off on the way. Retried, then a failure.
  return v.retry(
    `the API answered 404${rid} without the OpenAI error envelope (a proxy or a wrong --api-url?)`,
  );
}

/** `retry-after-ms` (ms), else `retry-after` (seconds or HTTP date), as ms; null when absent or unreadable. */
export function retryAfterMs(headers: Headers | undefined, now: number): number | null {
  const ms = headers?.get("retry-after-ms");
  if (ms && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms);
  const ra = headers?.get("retry-after");
  if (!ra) return null;
  if (Number.isFinite(Number(ra))) return Math.max(0, Number(ra) * 1000);
  const date = Date.parse(ra);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/**
 * A refusal: a 4xx answer the core does not retry (not 408, 409, 429 or a 404 without the API's
 * error envelope), thrown as is by a read made with `refusals: true` before the core acts on it,
 * so that the reader can read it its own way (an endpoint that is not enabled, a permission the
 * key lacks). What the reader does not claim it hands to {@link ApiCore.refused}, which acts as
 * the core would have (a 401 or 403 then ends every later read of the run). The message holds
 * only the status; the envelope and request id are the server's, unscrubbed.
 */
export class Refusal extends ApiError {
  /** The read that was refused (`Cannot <what>`). */
  readonly what: string;
  readonly envelope: ErrorEnvelope | null;
  /** The server's, unscrubbed (never in the message). */
  readonly rawRequestId: string | null;
  /** The core's own reading of the answer. */
  readonly verdict: Verdict;
  constructor(
    what: string,
    answer: {
      status: number;
      envelope: ErrorEnvelope | null;
      requestId: string | null;
      verdict: Verdict;
    },
  ) {
    super(`Cannot ${what}: the API answered ${answer.status}`, { status: answer.status });
    this.name = "Refusal";
    this.what = what;
    this.envelope = answer.envelope;
    this.rawRequestId = answer.requestId;
    this.verdict = answer.verdict;
  }
}

/**
 * The {@link Refusal} an attempt is, if any: a 4xx answer the core does not retry (408, 409,
 * 429 and a 404 without the API's error envelope are retried as for any read).
 */
export function refusalOf(what: string, a: Attempt, verdict: Verdict): Refusal | null {
  if (a.kind !== "response" || a.status < 400 || a.status >= 500 || verdict.kind === "retry") {
    return null;
  }
  return new Refusal(what, {
    status: a.status,
    envelope: a.isJson ? errorEnvelope(a.json) : null,
    requestId: a.headers.get("x-request-id"),
    verdict,
  });
}
