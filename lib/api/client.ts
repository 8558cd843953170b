/**
 * The only door to the OpenAI Admin API: the reads `check` and `import` make (projects, project
 * keys, admin keys), on the shared core (`core.ts`: request gate, retries, deadline, absence;
 * `contract.ts` is what it offers). Transport (`transport.ts`), what an answer means (`retry.ts`),
 * paging guards (`paging.ts`) and wire checks (`wire.ts`) are the core's parts.
 */
import type { LiveAdminKey, LiveKey } from "../core/types.ts";
import { listAdminKeys, retrieveAdminKey } from "./admin_keys.ts";
import type { ApiCore, ClientOptions, ClientStats } from "./contract.ts";
import { createApiCore } from "./core.ts";
import { readKey, readProject, segment, type WireProject } from "./wire.ts";

export type { WireProject } from "./wire.ts";
export type { Clock } from "./transport.ts";
export { createApiCore } from "./core.ts";
export { Refusal } from "./retry.ts";
export {
  type ApiCore,
  checkBaseURL,
  type ClientOptions,
  type ClientStats,
  type ListOptions,
  MAX_THROTTLED_RETRIES,
  type Priority,
  type Query,
} from "./contract.ts";

/** A read-only client for the OpenAI Admin API that pages, retries and validates its answers */
export interface AdminClient {
  /** The project, or null when the API says it does not exist. */
  retrieveProject(id: string): Promise<WireProject | null>;
  /** Every project (paged), optionally stopping once `wanted` ids have all been seen. */
  listProjects(
    opts: { includeArchived: boolean; wanted?: ReadonlySet<string>; maxPages?: number },
  ): Promise<{ projects: WireProject[]; complete: boolean }>;
  /** Every key of a project, `owner_project_access=any`, 100 per page, to the end. */
  listKeys(projectId: string): Promise<LiveKey[]>;
  /** One key, or null when the API says it does not exist. */
  retrieveKey(projectId: string, keyId: string): Promise<LiveKey | null>;
  /** Every organisation admin API key (issue 14), 100 per page, to the end. */
  listAdminKeys(): Promise<LiveAdminKey[]>;
  /** One admin key, or null when the API says it does not exist. */
  retrieveAdminKey(id: string): Promise<LiveAdminKey | null>;
  readonly stats: ClientStats;
  /** Requests allowed in flight at once (`--concurrency`). */
  readonly concurrency: number;
  /** The shared core, for the enrichment readers (audit log, usage); absent in test doubles. */
  readonly core?: ApiCore;
}

/** Creates the client. Sends GET requests only. */
export function createAdminClient(o: ClientOptions): AdminClient {
  const core = createApiCore(o);
  return {
    stats: core.stats,
    concurrency: core.concurrency,
    core,
    retrieveProject(id) {
      const what = `read project "${id}"`;
      return core.readOne(
        what,
        `/organization/projects/${segment(id, what)}`,
        2,
        (json) => readProject(json, `project "${id}"`, o.scrub, id),
        id,
      );
    },
    listProjects: (opts) => listProjects(core, opts),
    listKeys: (projectId) => listKeys(core, projectId),
    listAdminKeys: () => listAdminKeys(core),
    retrieveAdminKey: (id) => retrieveAdminKey(core, id),
    retrieveKey(projectId, keyId) {
      const what = `read key "${keyId}" of project "${projectId}"`;
      return core.readOne(
        what,
        `/organization/projects/${segment(projectId, what)}/api_keys/${segment(keyId, what)}`,
        1,
        (json) => readKey(json, what, o.scrub, keyId),
      );
    },
  };
}

/** Every project (paged), stopping once the `wanted` ids have all been seen or at `maxPages`. */
async function listProjects(
  core: ApiCore,
  { includeArchived, wanted, maxPages }: Parameters<AdminClient["listProjects"]>[0],
): Promise<{ projects: WireProject[]; complete: boolean }> {
  const unseen = new Set(wanted ?? []);
  const r = await core.list(
    "list projects",
    "/organization/projects",
    [["limit", 100], ["include_archived", includeArchived]],
    (item, what) => {
      const p = readProject(item, what, core.scrub);
      unseen.delete(p.id);
      return p;
    },
    {
      priority: () => 2,
      stop: (_, n) =>
        (wanted !== undefined && unseen.size === 0) || (maxPages !== undefined && n >= maxPages),
    },
  );
  return { projects: r.items, complete: r.complete };
}

/** Every key of a project, `owner_project_access=any`, 100 per page, to the end. */
async function listKeys(core: ApiCore, projectId: string): Promise<LiveKey[]> {
  const what = `list keys of project "${projectId}"`;
  const r = await core.list(
    what,
    `/organization/projects/${segment(projectId, what)}/api_keys`,
    [["owner_project_access", "any"], ["limit", 100]],
    (item, what) => readKey(item, `a key in ${what}`, core.scrub),
    { priority: (n) => (n === 1 ? 0 : 1) },
  );
  return r.items;
}
