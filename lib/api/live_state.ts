/**
 * Reads exactly what the manifest needs from the Admin API: each declared project (a listing of
 * projects when that takes fewer requests), all its keys (listed at the same time), and a
 * retrieve only for pinned key ids the listing lacks. Per-project failures become errors;
 * nothing is guessed.
 */
import type { AdminClient, WireProject } from "./client.ts";
import { ApiError } from "../core/errors.ts";
import type {
  DeclaredProject,
  LiveAdminKey,
  LiveKey,
  LiveProject,
  RunError,
} from "../core/types.ts";

/** With more declared projects than this, projects are read by listing them (100 per request). */
export const LIST_PROJECTS_THRESHOLD = 2;

/** One step of reading: a project completely read (found or not), or what could not be read. */
export type LiveRead =
  | { kind: "project"; declared: DeclaredProject; project: LiveProject }
  | { kind: "error"; error: RunError };

/**
 * Reads the live state of `projects`, yielding each one as soon as it is complete, so that the
 * caller can process it and let its keys go (memory stays flat in the number of keys), then one
 * `error` for each thing that could not be read: API failures never throw, and every project
 * that was not yielded is named. Knows nothing of diffs or policies.
 */
export function readLive(
  client: AdminClient,
  projects: readonly DeclaredProject[],
): AsyncIterable<LiveRead> {
  const queue = new AsyncQueue<LiveRead>();
  readInto(client, projects, (r) => queue.push(r)).then(
    () => queue.end(),
    (e) => queue.fail(e),
  );
  return queue;
}

function readInto(
  client: AdminClient,
  projects: readonly DeclaredProject[],
  emit: (r: LiveRead) => void,
): Promise<void> {
  return new LiveReader(client, emit).read(projects);
}

/**
 * One read of the projects: what was delivered, what failed, and the listings waiting for the
 * project reads. Key listings start at once, beside the project reads, so the project pages add
 * no round trips. They run as a pool twice as wide as the concurrency (not all at once), so a
 * project's keys live only from its listing to its hand-over, and a freed request slot always
 * has a listing waiting to take it. Listings done before the project reads are parked until then;
 * a listing is used only if its project turns out to exist.
 */
class LiveReader {
  readonly #delivered = new Set<string>();
  readonly #errors: RunError[] = [];
  #found: Map<string, WireProject | null> | null = null;
  readonly #parked: [DeclaredProject, Listing][] = [];

  constructor(readonly client: AdminClient, readonly emit: (r: LiveRead) => void) {}

  async read(projects: readonly DeclaredProject[]): Promise<void> {
    const fail = (e: unknown, projectId: string | null) => this.#fail(e, projectId);
    const projectReads = readProjects(this.client, projects, fail).then(async (map) => {
      this.#found = map;
      await Promise.all(this.#parked.splice(0).map(([d, l]) => this.#settle(d, l)));
    });
    await eachConcurrently(projects, this.client.concurrency * 2, async (declared) => {
      const listing: Listing = await this.client.listKeys(declared.id).then(
        (keys) => ({ keys, error: null }),
        (error: unknown) => ({ keys: null, error }),
      );
      if (this.#found) await this.#settle(declared, listing);
      else this.#parked.push([declared, listing]);
    });
    await projectReads;
    this.#nameUnknown(projects);
    for (const error of this.#errors) this.emit({ kind: "error", error });
  }

  #fail(e: unknown, projectId: string | null): void {
    if (!(e instanceof ApiError)) throw e;
    if (!this.#errors.some((x) => x.message === e.message)) {
      this.#errors.push(runError(e, projectId));
    }
  }

  #deliver(declared: DeclaredProject, project: LiveProject): void {
    this.#delivered.add(declared.id);
    this.emit({ kind: "project", declared, project });
  }

  async #settle(declared: DeclaredProject, listing: Listing): Promise<void> {
    const wire = this.#found!.get(declared.id);
    if (wire === null) return this.#settleAbsent(declared, listing);
    if (!wire) return;
    try {
      if (listing.error !== null) throw listing.error;
      const keys = listing.keys!;
      const listed = new Set(keys.map((k) => k.id));
      const pinned = declared.keys.filter((k) => k.id && !listed.has(k.id)).map((k) => k.id!);
      const extra = await Promise.all(
        pinned.map((id) => this.client.retrieveKey(declared.id, id)),
      );
      for (const k of extra) if (k) keys.push(k);
      const { name, status } = wire;
      this.#deliver(declared, { id: declared.id, found: true, name, status, keys });
    } catch (e) {
      this.#fail(e, declared.id);
    }
  }

  /** A project the API says does not exist: missing only when its key listing says so too. */
  #settleAbsent(declared: DeclaredProject, listing: Listing): void {
    if (listing.error === null) {
      // The API says the project does not exist, yet listed its keys: neither is trusted.
      this.#fail(
        new ApiError(
          `Cannot read project "${declared.id}": the API says it does not exist but listed its keys; keydrift cannot tell which answer is true`,
        ),
        declared.id,
      );
    } else if (!(listing.error instanceof ApiError && listing.error.absent)) {
      // The keys could not be read for another reason (a 500, a timeout, a proxy): whether
      // the project exists is not settled by that, and nothing is claimed about it.
      this.#fail(listing.error, declared.id);
    } else {
      const project = { id: declared.id, found: false, name: null, status: null, keys: [] };
      this.#deliver(declared, project);
    }
  }

  /** Names every project whose state stays unknown, even when one failure hid them all. */
  #nameUnknown(projects: readonly DeclaredProject[]): void {
    for (const declared of projects) {
      if (this.#delivered.has(declared.id)) continue;
      if (this.#errors.some((e) => e.projectId === declared.id)) continue;
      this.#errors.push({
        message: `Project "${declared.id}" is unknown: it could not be read (see the errors above)`,
        projectId: declared.id,
        kind: "unknown",
        status: null,
        code: null,
        requestId: null,
      });
    }
  }
}

/**
 * The organisation's admin keys (issue 14), read beside the projects when the manifest has
 * `admin_keys:`: the keys, or the error that made them unknown (never a guess).
 */
export async function readAdminKeys(
  client: AdminClient,
  pinned: readonly string[] = [],
): Promise<{ keys: LiveAdminKey[]; error: null } | { keys: null; error: RunError }> {
  try {
    const keys = await client.listAdminKeys();
    // A pinned id the listing lacks is retrieved: only the API's 404 for it makes it missing.
    const listed = new Set(keys.map((k) => k.id));
    const extra = await Promise.all(
      pinned.filter((id) => !listed.has(id)).map((id) => client.retrieveAdminKey(id)),
    );
    for (const k of extra) if (k) keys.push(k);
    return { keys, error: null };
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    return { keys: null, error: runError(e, null) };
  }
}

/** A failed read as the report keeps it: the message, and what the API said when it answered. */
function runError(e: ApiError, projectId: string | null): RunError {
  return {
    message: e.message,
    projectId,
    kind: "api",
    status: e.status,
    code: e.code,
    requestId: e.requestId,
  };
}

type Listing = { keys: LiveKey[]; error: null } | { keys: null; error: unknown };

/** A push-to-pull queue: the reader pushes as projects complete, the caller pulls with for-await. */
class AsyncQueue<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #done = false;
  #error: unknown = null;
  #wake: (() => void) | null = null;

  push(item: T): void {
    this.#items.push(item);
    this.#signal();
  }
  end(): void {
    this.#done = true;
    this.#signal();
  }
  fail(e: unknown): void {
    this.#error = e ?? new Error("reading failed");
    this.end();
  }
  #signal(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.#items.length) {
        const batch = this.#items;
        this.#items = [];
        yield* batch;
        continue;
      }
      if (this.#error !== null) throw this.#error;
      if (this.#done) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }
}

/** Runs `f` over `items`, at most `width` at a time, in order of start. */
async function eachConcurrently<T>(
  items: readonly T[],
  width: number,
  f: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await f(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, width), items.length) }, worker));
}

/**
 * Project id -> its wire object, null when it does not exist, absent when it could not be read.
 */
async function readProjects(
  client: AdminClient,
  projects: readonly DeclaredProject[],
  fail: (e: unknown, projectId: string | null) => void,
): Promise<Map<string, WireProject | null>> {
  const out = new Map<string, WireProject | null>();
  let rest = projects.map((p) => p.id);
  if (rest.length > LIST_PROJECTS_THRESHOLD) {
    try {
      const wanted = new Set(rest);
      // Listing pays off while it takes fewer requests than retrieving what is left.
      const listed = await client.listProjects({
        includeArchived: true,
        wanted,
        maxPages: Math.max(1, Math.ceil(rest.length / 2)),
      });
      const byId = new Map(listed.projects.map((p) => [p.id, p]));
      for (const id of rest) {
        const p = byId.get(id);
        if (p) out.set(id, p);
        else if (listed.complete) out.set(id, null);
      }
      rest = rest.filter((id) => !out.has(id));
    } catch (e) {
      fail(e, null);
      return out;
    }
  }
  await Promise.all(rest.map(async (id) => {
    try {
      out.set(id, await client.retrieveProject(id));
    } catch (e) {
      fail(e, id);
    }
  }));
  return out;
}
