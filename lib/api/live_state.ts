/**
 * Reads exactly what the manifest needs from the Admin API: each declared project (a listing of
 * projects when that takes fewer requests), all its keys (listed at the same time), and a
 * retrieve only for pinned key ids the listing lacks; with `undeclared`, every project of the
 * organisation (issue 21: one that no manifest declares is drift). With a {@link ReadPlan} (from
 * `--snapshot` and the audit log) it reads only the projects that changed. Per-project failures
 * become errors; nothing is guessed.
 */
import type { AdminClient, WireProject } from "./client.ts";
import { ApiError } from "../core/errors.ts";
import type {
  DeclaredProject,
  LiveAdminKey,
  LiveKey,
  LiveProject,
  ReadSource,
  RunError,
} from "../core/types.ts";
import { AsyncQueue, eachConcurrently } from "./live_queue.ts";

/** With more declared projects than this, projects are read by listing them (100 per request). */
export const LIST_PROJECTS_THRESHOLD = 2;

/**
 * One step of reading: a declared project completely read (found or not), a project no manifest
 * declares (`undeclared`), or what could not be read. `source` says whether it was read now or
 * taken from the snapshot.
 */
export type LiveRead =
  | { kind: "project"; declared: DeclaredProject; project: LiveProject; source: ReadSource }
  | { kind: "undeclared"; project: LiveProject; source: ReadSource }
  | { kind: "error"; error: RunError };

/**
 * What the snapshot spares a run (issue 21), decided from the snapshot and the audit log since it
 * (`api/snapshot_plan.ts`): the projects no event named, kept as the snapshot has them; the projects
 * whose keys alone changed; every other project the run needs is read whole.
 */
export interface ReadPlan {
  /** Projects no event named: taken from the snapshot, which read them at `readAt`. */
  kept: ReadonlyMap<string, { project: LiveProject; readAt: number }>;
  /** Projects whose keys changed, with their name and status as the snapshot has them. */
  keysOnly: ReadonlyMap<string, WireProject>;
  /** The organisation's projects (the snapshot's and those created since); null: not known. */
  org: readonly string[] | null;
}

/** What to read besides the declared projects, and how. */
export interface ReadOptions {
  /** Also read every project no manifest declares (`unmanaged_projects` not `ignore`). */
  undeclared?: boolean;
  /** Read only what changed since the snapshot. */
  plan?: ReadPlan | null;
  /** Projects to read by id that no manifest declares (`import --project`): `undeclared` reads. */
  ids?: readonly string[];
}

/**
 * Reads the live state of `projects`, yielding each one as soon as it is complete, so that the
 * caller can process it and let its keys go (memory stays flat in the number of keys), then one
 * `error` for each thing that could not be read: API failures never throw, and every project
 * that was not yielded is named. Knows nothing of diffs or policies.
 */
export function readLive(
  client: AdminClient,
  projects: readonly DeclaredProject[],
  opts: ReadOptions = {},
): AsyncIterable<LiveRead> {
  const queue = new AsyncQueue<LiveRead>();
  new LiveReader(client, (r) => queue.push(r)).read(projects, opts).then(
    () => queue.end(),
    (e) => queue.fail(e),
  );
  return queue;
}

/** A project to read: declared, or found in the organisation's listing (`declared: null`). */
interface Target {
  id: string;
  declared: DeclaredProject | null;
}

type Found = Map<string, WireProject | null>;
type Listing = { keys: LiveKey[]; error: null } | { keys: null; error: unknown };

const NOW: ReadSource = { from: "api" };

/**
 * One read of the projects: what was delivered and what failed. Key listings start at once, beside
 * the project reads, so the project pages add no round trips. They run as a pool twice as wide as
 * the concurrency (not all at once), so a project's keys live only from its listing to its
 * hand-over, and a freed request slot always has a listing waiting to take it. Listings done
 * before the project reads are parked until then; a listing is used only if its project turns out
 * to exist.
 */
class LiveReader {
  readonly #delivered = new Set<string>();
  readonly #errors: RunError[] = [];

  constructor(readonly client: AdminClient, readonly emit: (r: LiveRead) => void) {}

  async read(projects: readonly DeclaredProject[], opts: ReadOptions): Promise<void> {
    const declared: Target[] = [
      ...projects.map((d) => ({ id: d.id, declared: d })),
      ...(opts.ids ?? []).map((id) => ({ id, declared: null })),
    ];
    if (opts.plan) await this.#readPlanned(declared, opts.plan, opts.undeclared === true);
    else if (opts.undeclared) await this.#readOrganisation(declared);
    else await this.#readTargets(declared, this.#projects(declared.map((t) => t.id)));
    this.#nameUnknown(declared);
    for (const error of this.#errors) this.emit({ kind: "error", error });
  }

  /** Every project of the organisation: the declared ones, then each the listing adds. */
  async #readOrganisation(declared: Target[]): Promise<void> {
    const ids = new Set(declared.map((t) => t.id));
    const found = this.client.listProjects({ includeArchived: true }).then(
      ({ projects }): Found => {
        const map: Found = new Map(projects.map((p) => [p.id, p]));
        for (const id of ids) if (!map.has(id)) map.set(id, null);
        return map;
      },
      (e): Found => (this.#fail(e, null), new Map()),
    );
    const others = found.then((map) =>
      this.#readTargets(
        [...map.keys()].filter((id) => !ids.has(id)).map((id) => ({ id, declared: null })),
        Promise.resolve(map),
      )
    );
    await Promise.all([this.#readTargets(declared, found), others]);
  }

  /** What the plan keeps comes from the snapshot; the rest is read now. */
  async #readPlanned(declared: Target[], plan: ReadPlan, undeclared: boolean): Promise<void> {
    const ids = new Set(declared.map((t) => t.id));
    const targets = [
      ...declared,
      ...(undeclared ? plan.org ?? [] : []).filter((id) => !ids.has(id)).map((id) => ({
        id,
        declared: null,
      })),
    ];
    const rest: Target[] = [];
    for (const t of targets) {
      const kept = plan.kept.get(t.id);
      if (!kept) rest.push(t);
      else this.#deliver(t, kept.project, { from: "snapshot", readAt: kept.readAt });
    }
    const retrieved = rest.map((t) => t.id).filter((id) => !plan.keysOnly.has(id));
    const found = this.#projects(retrieved).then((map) => {
      for (const [id, wire] of plan.keysOnly) map.set(id, wire);
      return map;
    });
    await this.#readTargets(rest, found);
  }

  /** Each target's keys, settled once `found` says which projects exist. */
  async #readTargets(targets: readonly Target[], found: Promise<Found>): Promise<void> {
    let map: Found | null = null;
    const parked: [Target, Listing][] = [];
    const ready = found.then(async (m) => {
      map = m;
      await Promise.all(parked.splice(0).map(([t, l]) => this.#settle(m, t, l)));
    });
    await eachConcurrently(targets, this.client.concurrency * 2, async (target) => {
      const listing: Listing = await this.client.listKeys(target.id).then(
        (keys) => ({ keys, error: null }),
        (error: unknown) => ({ keys: null, error }),
      );
      if (map) await this.#settle(map, target, listing);
      else parked.push([target, listing]);
    });
    await ready;
  }

  #projects(ids: readonly string[]): Promise<Found> {
    return readProjects(this.client, ids, (e, id) => this.#fail(e, id));
  }

  #fail(e: unknown, projectId: string | null): void {
    if (!(e instanceof ApiError)) throw e;
    if (!this.#errors.some((x) => x.message === e.message)) {
      this.#errors.push(runError(e, projectId));
    }
  }

  #deliver(target: Target, project: LiveProject, source: ReadSource): void {
    this.#delivered.add(target.id);
    if (target.declared) this.emit({ kind: "project", declared: target.declared, project, source });
    else this.emit({ kind: "undeclared", project, source });
  }

  async #settle(found: Found, target: Target, listing: Listing): Promise<void> {
    const wire = found.get(target.id);
    if (wire === null) return this.#settleAbsent(target, listing);
    if (!wire) return;
    try {
      if (listing.error !== null) throw listing.error;
      const keys = listing.keys!;
      const listed = new Set(keys.map((k) => k.id));
      const pinned = (target.declared?.keys ?? []).filter((k) => k.id && !listed.has(k.id));
      const extra = await Promise.all(
        pinned.map((k) => this.client.retrieveKey(target.id, k.id!)),
      );
      for (const k of extra) if (k) keys.push(k);
      const { name, status } = wire;
      this.#deliver(target, { id: target.id, found: true, name, status, keys }, NOW);
    } catch (e) {
      this.#fail(e, target.id);
    }
  }

  /** A project the API says does not exist: missing only when its key listing says so too. */
  #settleAbsent(target: Target, listing: Listing): void {
    if (listing.error === null) {
      // The API says the project does not exist, yet listed its keys: neither is trusted.
      this.#fail(
        new ApiError(
          `Cannot read project "${target.id}": the API says it does not exist but listed its keys; keydrift cannot tell which answer is true`,
        ),
        target.id,
      );
    } else if (!(listing.error instanceof ApiError && listing.error.absent)) {
      // The keys could not be read for another reason (a 500, a timeout, a proxy): whether
      // the project exists is not settled by that, and nothing is claimed about it.
      this.#fail(listing.error, target.id);
    } else {
      const project = { id: target.id, found: false, name: null, status: null, keys: [] };
      this.#deliver(target, project, NOW);
    }
  }

  /** Names every declared project whose state stays unknown, even when one failure hid them all. */
  #nameUnknown(targets: readonly Target[]): void {
    for (const { id } of targets) {
      if (this.#delivered.has(id)) continue;
      if (this.#errors.some((e) => e.projectId === id)) continue;
      this.#errors.push({
        message: `Project "${id}" is unknown: it could not be read (see the errors above)`,
        projectId: id,
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

/**
 * Project id -> its wire object, null when it does not exist, absent when it could not be read.
 */
async function readProjects(
  client: AdminClient,
  ids: readonly string[],
  fail: (e: unknown, projectId: string | null) => void,
): Promise<Found> {
  const out: Found = new Map();
  let rest = [...ids];
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
