/**
 * Shared parts of the readers that enrich a check (audit log, usage): many ids per request within
 * a URL-length budget, and a refusal of the endpoint (not enabled, no permission) as a typed,
 * local failure that leaves the run's other reads alone.
 */
import { ApiError } from "../core/errors.ts";
import { type ApiCore, type Query, Refusal } from "./client.ts";
import type { Scrub } from "./wire.ts";

/**
 * Longest URL keydrift sends when it batches ids: far below the limits of the proxies and CDNs in
 * front of the API (8 KiB request lines are common; Cloudflare's is 32 KB), with room left for the
 * paging cursor ({@link CURSOR_RESERVE}).
 */
export const URL_BUDGET = 6_000;
/** Characters kept free in a batched URL for the paging parameter (`&after=…`, `&page=…`). */
export const CURSOR_RESERVE = 300;

/**
 * Splits `ids` (duplicates dropped, order kept) into batches such that `path` with `fixed`, one
 * `param` per id of the batch and a cursor of up to {@link CURSOR_RESERVE} characters stays within
 * `budget` characters. Computed from the URL the core really sends, not estimated.
 */
export function batchIds(
  core: Pick<ApiCore, "href">,
  request: { what: string; path: string; fixed: Query; param: string; budget?: number },
  ids: readonly string[],
): string[][] {
  const budget = request.budget ?? URL_BUDGET;
  const room = budget - CURSOR_RESERVE - core.href(request.path, request.fixed).length;
  const batches: string[][] = [];
  let batch: string[] = [];
  let used = 0;
  for (const id of new Set(ids)) {
    // `&name=value` (or `?name=value` for the first parameter), encoded as the URL encodes it.
    const cost = 1 + new URLSearchParams([[request.param, id]]).toString().length;
    if (cost > room) {
      throw new ApiError(
        `Cannot ${request.what}: the id "${
          id.slice(0, 80)
        }" alone would make a URL longer than ${budget} characters`,
      );
    }
    if (used + cost > room) {
      batches.push(batch);
      batch = [];
      used = 0;
    }
    batch.push(id);
    used += cost;
  }
  if (batch.length) batches.push(batch);
  return batches;
}

/** `what` for batch `i` of `count`: "read the audit log for 12 keys (batch 2 of 3)". */
export function batchName(what: string, ids: readonly string[], i: number, count: number): string {
  const keys = `${ids.length} key${ids.length === 1 ? "" : "s"}`;
  return `${what} for ${keys}${count > 1 ? ` (batch ${i + 1} of ${count})` : ""}`;
}

/** Why an enrichment endpoint cannot be read at all. */
export type Unavailability = "not_enabled" | "permission_denied";

/**
 * The API refused an enrichment read as a whole: the feature is not enabled for the organisation,
 * or the admin key may not read it. Local to that read: the run's other reads go on.
 */
export class UnavailableError extends ApiError {
  readonly reason: Unavailability;
  /** A short reason for a report (`attribution_error`, `usage_error`). */
  readonly summary: string;
  constructor(
    reason: Unavailability,
    summary: string,
    message: string,
    opts: { status: number; requestId: string | null },
  ) {
    super(message, opts);
    this.name = "UnavailableError";
    this.reason = reason;
    this.summary = summary;
  }
}

/** How to read a refusal of one endpoint. */
export interface RefusalRules {
  /** `Cannot <what>`. */
  what: string;
  /** The feature, for the summary: "audit logging", "usage". */
  feature: string;
  /** The permission the admin key needs, named in the message. */
  permission: string;
  /** The API's words when the feature is off for the organisation (any status 400–499). */
  notEnabled?: RegExp;
  /** What an owner does to turn it on. */
  enable?: string;
}

/**
 * An enrichment endpoint's own reading of a {@link Refusal}: its "not enabled" answer, and any 401
 * or 403 other than an unknown key (that one stays the core's: it ends every read), are an
 * {@link UnavailableError}; anything else is null (hand it to `ApiCore.refused`).
 */
export function claimRefusal(
  r: Refusal,
  { scrub, rules }: { scrub: Scrub; rules: RefusalRules },
): UnavailableError | null {
  const { envelope, rawRequestId: requestId } = r;
  const status = r.status!;
  const rid = requestId ? ` (request id ${scrub(requestId)})` : "";
  const words = envelope ? `: ${scrub(envelope.message).trim().replace(/\.$/, "")}` : "";
  const said = `the API answered ${status}${rid}${words}`;
  const opts = { status, requestId: requestId ? scrub(requestId) : null };
  if (envelope && rules.notEnabled?.test(envelope.message)) {
    return new UnavailableError(
      "not_enabled",
      `${rules.feature} is not enabled for the organisation`,
      `Cannot ${rules.what}: ${said}; ${rules.feature} is not enabled for the organisation${
        rules.enable ? ` (${rules.enable})` : ""
      }`,
      opts,
    );
  }
  if ((status !== 401 && status !== 403) || envelope?.code === "invalid_api_key") return null;
  return new UnavailableError(
    "permission_denied",
    `permission denied: the admin key cannot read ${rules.feature} (${rules.permission})`,
    `Cannot ${rules.what}: ${said}; the admin key needs ${rules.permission}`,
    opts,
  );
}

/** A failed enrichment read as the error to report: a refusal read by `rules`, else as it came. */
export function enrichmentError(core: Pick<ApiCore, "scrub" | "refused">, rules: RefusalRules) {
  return (e: unknown): unknown =>
    e instanceof Refusal ? claimRefusal(e, { scrub: core.scrub, rules }) ?? core.refused(e) : e;
}

/**
 * Why an enrichment read failed, in a few words for a report: a refusal's short summary, or the
 * first line of the error's message. Anything but an `ApiError` is a programming error: rethrown.
 */
export function readFailure(e: unknown): string {
  if (e instanceof UnavailableError) return e.summary;
  if (e instanceof ApiError) return e.message.split("\n")[0];
  throw e;
}
