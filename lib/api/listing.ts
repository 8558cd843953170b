/**
 * Cursor listings on the shared core: every page asked for in turn (the next one before this
 * one's items are read, so reading them overlaps its round trip), checked by the paging guards,
 * counted against the run's budget, and each page past the first added to the plan (issue 21).
 */
import { ApiError } from "../core/errors.ts";
import { PageGuard } from "./paging.ts";
import type { ListOptions, Priority, Query } from "./contract.ts";
import type { Scrub } from "./wire.ts";

/** A read's answer: its JSON, or the API's claim that the object is absent. */
export type Got = { json: unknown } | { absent: string };

/** What a listing needs of the session it runs on. */
export interface ListHost {
  get(
    what: string,
    path: string,
    query: Query,
    priority: Priority,
    opts?: { refusals?: boolean },
  ): Promise<Got>;
  checked<T>(f: () => T): T;
  proven(): void;
  /** Counts what a read brought against the run's budget (throws past it). */
  spend(what: string, items: number, bytes: number): void;
  /** The listing at `path` has one more page than the plan counted. */
  morePages(path: string): void;
  readonly scrub: Scrub;
  readonly maxPages: number | undefined;
}

/** One listing: its name in messages, path, query, item reader and options. */
export interface Listing<T> {
  what: string;
  path: string;
  query: Query;
  read: (item: unknown, what: string) => T;
  opts: ListOptions<T>;
}

/** Every item of a listing, each checked by `read`; `stop` may end it early. */
export async function listAll<T>(
  host: ListHost,
  l: Listing<T>,
): Promise<{ items: T[]; complete: boolean }> {
  const { what, path, query, opts } = l;
  const limit = Number(query.find(([k]) => k === "limit")?.[1] ?? 20);
  const guard = new PageGuard(limit, host.scrub, host.maxPages, opts.cursor);
  const items: T[] = [];
  const fetchPage = (n: number, after: string | null) =>
    host.get(
      `${what} (page ${n})`,
      path,
      after === null ? query : [...query, ["after", after]],
      opts.priority(n),
      { refusals: opts.refusals },
    );
  let next = fetchPage(1, null);
  for (let n = 1;; n++) {
    const page = `${what} (page ${n})`;
    const body = checkedPage(host, page, await next, guard);
    if (body.next !== null) host.morePages(path);
    // The next page is asked for before this one's items are read, so that reading them
    // overlaps its round trip (a listing that may stop after them waits instead).
    const ahead = body.next !== null && !opts.stop ? fetchPage(n + 1, body.next) : null;
    await readItems(host, page, body.items, l.read, items, ahead);
    host.proven();
    if (body.next === null) return { items, complete: true };
    if (opts.stop?.(items, n)) return { items, complete: false };
    next = ahead ?? fetchPage(n + 1, body.next);
  }
}

/** One page of a listing, checked and counted against the budget. */
function checkedPage(host: ListHost, page: string, r: Got, guard: PageGuard) {
  if ("absent" in r) {
    throw new ApiError(`Cannot ${page}: ${host.scrub(r.absent)}`, { status: 404, absent: true });
  }
  const body = host.checked(() => guard.page(r.json, page));
  host.spend(page, body.items.length, 0);
  return body;
}

/** Reads a page's items into `items`; on a bad one, waits for the page asked for ahead. */
async function readItems<T>(
  host: ListHost,
  page: string,
  raw: readonly unknown[],
  read: (item: unknown, what: string) => T,
  items: T[],
  ahead: Promise<unknown> | null,
): Promise<void> {
  try {
    host.checked(() => {
      for (const item of raw) items.push(read(item, `an item of ${page}`));
    });
  } catch (e) {
    await ahead?.catch(() => undefined);
    throw e;
  }
}
