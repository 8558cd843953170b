/**
 * The read-and-assess step `check` and `baseline` share: the live state the (scoped) manifest
 * needs, read through the client the command holds and assessed (diff, policies, admin keys) as
 * it arrives. The result is a value, the {@link Assessment}; nothing climbs back up.
 */
import type { Io } from "./io.ts";
import { suggestion, UsageError } from "../core/errors.ts";
import { type Assessment, assessment } from "../assess/assessment.ts";
import type { Policy } from "../assess/policy.ts";
import { readAdminKeys, readLive, type ReadPlan } from "../api/live_state.ts";
import { progress } from "./progress.ts";
import type { AdminClient } from "../api/client.ts";
import type { LiveProject, Manifest, ReadSource, RunError } from "../core/types.ts";
import { finishSnapshot, prepareSnapshot, type SnapshotFlags } from "./snapshot.ts";
import { planRead } from "../api/read_plan.ts";
import type { Notices } from "./notices.ts";
import { counted } from "../core/grouped.ts";

/** How a run reads and assesses: its clock, waivers, and what it says on stderr. */
export interface AssessLiveOptions {
  /** When the read began (ms since the epoch): the policies' clock. */
  now: number;
  noWaivers: boolean;
  /** Show a progress line on stderr. */
  progress?: boolean;
  /** The `--verbose` log. */
  log?: (message: string) => void;
  /** Where pacing's notices are said (the progress line shows the waits). */
  notices?: Notices;
  /** The enrichment that will follow the read (`check --attribute`, `--usage`): in the plan. */
  enrichment?: { attribute: boolean; usage: boolean };
  /** What `--snapshot` spares the read (issue 21): only what changed is read. */
  plan?: ReadPlan | null;
  /** Keep every project read, as the next snapshot holds them. */
  collect?: boolean;
}

/** The assessment, and with `collect`, every project as it was read (now or from the snapshot). */
export interface LiveAssessment {
  assessment: Assessment;
  delivered: { project: LiveProject; source: ReadSource }[];
}

/** Whether a run reads the live projects no manifest declares (issue 21). */
export function readsUndeclared(manifest: Manifest): boolean {
  return (manifest.unmanagedProjects ?? "error") !== "ignore";
}

/**
 * Reads the live state the manifest needs and assesses it (diff, policies). Throws what the run
 * cannot recover from; what could not be read is on the assessment's `errors`.
 */
export async function assessLive(
  io: Io,
  client: AdminClient,
  manifest: Manifest,
  policies: readonly Policy[],
  opts: AssessLiveOptions,
): Promise<LiveAssessment> {
  const undeclared = readsUndeclared(manifest);
  const assess = assessment(manifest, policies, { ...opts, undeclared });
  const delivered: LiveAssessment["delivered"] = [];
  const errors: RunError[] = [];
  // The plan, before the first request: a budget known up front (--max-rpm) gives its estimate
  // now, and an explicit --deadline it passes ends the run here.
  client.core?.plan(planOf(manifest, opts, undeclared));
  const admin = startAdminRead(client, manifest);
  const shown = progress(io, manifest.projects.length, opts.progress === true);
  opts.notices?.attach(shown);
  for await (const read of readLive(client, manifest.projects, { undeclared, plan: opts.plan })) {
    if (read.kind === "error") {
      errors.push(read.error);
      continue;
    }
    if (opts.collect) delivered.push({ project: read.project, source: read.source });
    if (read.kind === "undeclared") assess.undeclared(read.project, read.source);
    else {
      assess.add(read.declared, read.project, read.source);
      shown.tick();
    }
  }
  opts.notices?.attach(null);
  await shown.done();
  const adminRead = await admin;
  if (adminRead?.keys) assess.adminKeys(adminRead.keys);
  else if (adminRead) errors.push(adminRead.error);
  opts.log?.(readWords(manifest, client, io.deps.now() - opts.now));
  return { assessment: assess.done(errors), delivered };
}

/**
 * Admin keys (issue 14) are read beside the projects, only when the manifest declares them: the
 * read, started (awaited later; a failure meanwhile does not go unhandled), or null.
 */
function startAdminRead(client: AdminClient, manifest: Manifest) {
  const admin = manifest.adminKeys
    ? readAdminKeys(client, manifest.adminKeys.keys.flatMap((k) => (k.id ? [k.id] : [])))
    : null;
  admin?.catch(() => undefined);
  return admin;
}

/** The `--verbose` line of a read: `read 3 projects in 120 ms with 8 requests (…)`. */
function readWords(manifest: Manifest, client: AdminClient, ms: number): string {
  const { requests, retries, refused } = client.stats;
  return `read ${counted(manifest.projects.length, "project")} in ${Math.round(ms)} ms with ${
    counted(requests, "request")
  } (${counted(retries, "retry", "retries")}, ${refused} refused with 429)`;
}

/**
 * Reads and assesses the live state: with `--snapshot`, only what changed since the snapshot,
 * which is then rewritten after a complete read (issue 21). `check` and `baseline` share it.
 */
export async function readAndAssess(
  io: Io,
  client: AdminClient,
  manifest: Manifest,
  policies: readonly Policy[],
  o: Parameters<typeof assessLive>[4] & { snapshot: SnapshotFlags | null; api: string },
): Promise<Assessment> {
  if (!o.snapshot) return (await assessLive(io, client, manifest, policies, o)).assessment;
  const needsAll = readsUndeclared(manifest);
  const run = await prepareSnapshot(io, client, {
    flags: o.snapshot,
    api: o.api,
    now: o.now,
    needsAll,
    needed: manifest.projects.length,
  });
  const read = await assessLive(io, client, manifest, policies, {
    ...o,
    plan: run.planned?.plan ?? null,
    collect: true,
  });
  const complete = read.assessment.errors.length === 0;
  const snapshot = await finishSnapshot(io, run, { ...read, complete }, needsAll);
  return { ...read.assessment, snapshot };
}

/**
 * What reading `manifest` (and the enrichment after it) needs at least, per endpoint: with a
 * snapshot's plan, only the projects it does not keep (issue 21).
 */
function planOf(manifest: Manifest, opts: AssessLiveOptions, undeclared: boolean) {
  const scope = {
    adminKeys: manifest.adminKeys !== null,
    attribute: opts.enrichment?.attribute === true,
    usage: opts.enrichment?.usage === true,
  };
  const read = opts.plan;
  if (!read) return planRead({ ...scope, projects: manifest.projects.length, listAll: undeclared });
  const ids = new Set(manifest.projects.map((p) => p.id));
  for (const id of undeclared ? read.org ?? [] : []) ids.add(id);
  const rest = [...ids].filter((id) => !read.kept.has(id));
  const lookedUp = rest.filter((id) => !read.keysOnly.has(id)).length;
  return planRead({ ...scope, projects: rest.length, lookedUp });
}

/**
 * Narrows the manifest to `--project` ids; each must be declared. Admin keys belong to no
 * project: a narrowed check does not read them (the report says `admin_keys_checked: false`),
 * nor the projects no manifest declares (issue 21).
 */
export function scope(manifest: Manifest, ids: readonly string[]): Manifest {
  if (!ids.length) return manifest;
  const declared = manifest.projects.map((p) => p.id);
  for (const id of ids) {
    if (!declared.includes(id)) {
      throw new UsageError(
        `--project "${id}" is not declared in the manifest${suggestion(id, declared)}`,
        "check",
      );
    }
  }
  return {
    ...manifest,
    projects: manifest.projects.filter((p) => ids.includes(p.id)),
    adminKeys: null,
    unmanagedProjects: "ignore",
  };
}
