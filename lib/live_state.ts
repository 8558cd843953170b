/**
 * Reads exactly what the manifest needs from the Admin API: each declared project (a listing of
 * projects when that takes fewer requests), all its keys (listed at the same time), and a
 * retrieve only for pinned key ids the listing lacks. Per-project failures become errors; nothing is guessed.
 */
import type { AdminClient, WireProject } from "./admin_client.ts";
import { ApiError } from "./errors.ts";
import type { DeclaredProject, LiveProject, LiveState, RunError } from "./types.ts";

/** With more declared projects than this, projects are read by listing them (100 per request). */
export const LIST_PROJECTS_THRESHOLD = 2;

/** Reads the live state of `projects`. Never throws for API failures: they land in `errors`. */
export async function readLiveState(
  client: AdminClient,
  projects: readonly DeclaredProject[],
): Promise<LiveState> {
  const live = new Map<string, LiveProject>();
  const errors: RunError[] = [];
  const fail = (e: unknown, projectId: string | null) => {
    if (!(e instanceof ApiError)) throw e;
    if (!errors.some((x) => x.message === e.message)) {
      errors.push({ message: e.message, projectId });
    }
  };
  // Key listings start at once, beside the project reads, so the project pages do not add
  // round trips; a listing is used only if its project turns out to exist.
  const keyReads = new Map(projects.map((declared) => {
    const read = client.listKeys(declared.id).then(
      (keys) => ({ keys, error: null }),
      (error: unknown) => ({ keys: null, error }),
    );
    return [declared.id, read] as const;
  }));
  const found = await readProjects(client, projects, fail);
  await Promise.all(projects.map(async (declared) => {
    const listing = await keyReads.get(declared.id)!;
    const wire = found.get(declared.id);
    if (wire === null) {
      live.set(declared.id, { id: declared.id, found: false, name: null, status: null, keys: [] });
      return;
    }
    if (!wire) return;
    try {
      if (listing.error !== null) throw listing.error;
      const keys = listing.keys!;
      const listed = new Set(keys.map((k) => k.id));
      const pinned = declared.keys.filter((k) => k.id && !listed.has(k.id)).map((k) => k.id!);
      const extra = await Promise.all(pinned.map((id) => client.retrieveKey(declared.id, id)));
      for (const k of extra) if (k) keys.push(k);
      live.set(declared.id, {
        id: declared.id,
        found: true,
        name: wire.name,
        status: wire.status,
        keys,
      });
    } catch (e) {
      fail(e, declared.id);
    }
  }));
  // Name every project whose state stays unknown, even when one failure (a listing) hid them all.
  for (const declared of projects) {
    if (!live.has(declared.id) && !errors.some((e) => e.projectId === declared.id)) {
      errors.push({
        message: `Project "${declared.id}" is unknown: it could not be read (see the errors above)`,
        projectId: declared.id,
      });
    }
  }
  return { projects: live, errors };
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
