/**
 * Fail-closed paging for the Admin API's cursor lists (`has_more`, `last_id`, `after`): every
 * page is checked before its items are used, and anything that could end a listing early or
 * make it loop is an error, never a silent stop.
 */
import { ApiError } from "../core/errors.ts";
import { check, type Scrub } from "./wire.ts";
import { LIST } from "./shapes.ts";

/** A listing stops with an error after this many pages (500,000 items at 100 a page). */
export const MAX_PAGES = 5_000;

/** What one run may read from the API in all: items of every listing and read, and bytes. */
export interface Budget {
  items: number;
  bytes: number;
}

/**
 * The budget of one run (README "Run budget"), below the point where a run would near V8's default
 * 4 GiB heap: 499,000 unexpected keys written in every format at once peak at 2.9 GB, so
 * 500,000 items; a real key is about 600 bytes on the wire (a page of 100 is about 60 KiB), so
 * those are some 300 MB of answers, and 512 MiB leaves room (bytes read are kept as strings
 * until their project is checked). That is five times the 100,000 keys the bench reads in
 * 300 MB. The page cap stops one listing that never ends; this stops the sum of all of them, and
 * pages of a few huge items, which the page cap does not bound.
 */
export const RUN_BUDGET: Budget = { items: 500_000, bytes: 512 * 2 ** 20 };

/** Counts what a run has read against its {@link Budget}. */
export class RunBudget {
  #items = 0;
  #bytes = 0;
  constructor(readonly limits: Budget = RUN_BUDGET) {}

  /** Adds a read; null while within the budget, else why the run must stop (a reason). */
  add(items: number, bytes: number): string | null {
    this.#items += items;
    this.#bytes += bytes;
    const { items: maxItems, bytes: maxBytes } = this.limits;
    if (this.#items > maxItems) {
      return stop(`${count(this.#items)} items`, `${count(maxItems)} items`, "--max-read-items");
    }
    if (this.#bytes > maxBytes) {
      return stop(`${count(this.#bytes)} bytes`, size(maxBytes), "--max-read-mib");
    }
    return null;
  }
}

function stop(read: string, budget: string, flag: string): string {
  return `this run has read ${read} from the API, past its budget of ${budget} (${flag}), so ` +
    `it stops: the server may be sending without end; if the organisation really is this ` +
    `large, raise ${flag} or check it in parts with --project`;
}

/** `n` with thousands separators (1,000,000), without loading a locale. */
const count = (n: number) => String(n).replace(/\B(?=(\d{3})+$)/g, ",");
const size = (n: number) =>
  n % 2 ** 30 === 0
    ? `${n / 2 ** 30} GiB`
    : n % 2 ** 20 === 0
    ? `${n / 2 ** 20} MiB`
    : `${count(n)} bytes`;

/**
 * Where the next page's cursor comes from: the envelope's `last_id` (the SDK's
 * `ConversationCursorPage`), or the id of the page's last item (its `CursorPage`, used for admin
 * API keys), with a `last_id` that is sent still required to name that item.
 */
export type Cursor = "last_id" | "last_item";

/** One page of a listing: its items and the cursor for the next page */
export interface Page {
  items: unknown[];
  /** The cursor for the next page, or null at the end. */
  next: string | null;
}

/** Checks the pages of one listing in order. */
export class PageGuard {
  readonly #seen = new Set<string>();
  readonly #cursors = new Set<string>();
  #pages = 0;

  constructor(
    readonly limit: number,
    readonly scrub: Scrub,
    readonly maxPages = MAX_PAGES,
    readonly cursorFrom: Cursor = "last_id",
  ) {}

  /** Checks one page (`what` names it in errors); returns its items and the next cursor. */
  page(body: unknown, what: string): Page {
    const fail = (why: string): never => {
      throw new ApiError(`Cannot ${what}: ${this.scrub(why)}; the listing cannot be trusted`);
    };
    const b = check(body, LIST, `the answer to ${what}`);
    const items = b.data as unknown[];
    if (++this.#pages > this.maxPages) fail(`it goes on past ${this.maxPages} pages`);
    if (items.length > this.limit) {
      fail(`the page has ${items.length} items, more than the limit of ${this.limit} asked for`);
    }
    let lastId: string | null = null;
    for (const item of items) {
      const id = (item as { id?: unknown })?.id;
      if (typeof id !== "string") continue; // the item reader names it
      if (this.#seen.has(id)) fail(`item "${id}" appears twice`);
      this.#seen.add(id);
      lastId = id;
    }
    if (typeof b.last_id === "string" && items.length && b.last_id !== lastId) {
      fail(`"last_id" is "${b.last_id}" but the page's last item is "${lastId}"`);
    }
    if (!b.has_more) return { items, next: null };
    if (items.length === 0) fail(`the page is empty but says has_more`);
    const lastItemId = (items.at(-1) as { id?: unknown } | null)?.id;
    const cursor = this.cursorFrom === "last_id" ? b.last_id : lastItemId;
    if (typeof cursor !== "string" || cursor === "") {
      fail(
        this.cursorFrom === "last_id"
          ? `has_more is true but "last_id" is missing`
          : `has_more is true but the page's last item has no id`,
      );
    }
    if (this.#cursors.has(cursor as string)) {
      fail(`the cursor "${cursor}" was already used (the paging loops)`);
    }
    this.#cursors.add(cursor as string);
    return { items, next: cursor as string };
  }
}
