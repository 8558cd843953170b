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

/** How a run reads and assesses: its clock, waivers, and what it says on stderr. */
export interface AssessLiveOptions {
  /** When the read began (ms since the epoch): the policies' clock. */
  now: number;
  noWaivers: boolean;
  /** Show a progress line on stderr. */
  progress?: boolean;
  /** The `--verbose` log. */
  log?: (message: string) => void;
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
  // Admin keys (issue 14) are read beside the projects, only when the manifest declares them.
  const admin = manifest.adminKeys
    ? readAdminKeys(client, manifest.adminKeys.keys.flatMap((k) => (k.id ? [k.id] : [])))
    : null;
  admin?.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile
  const shown = progress(io, manifest.projects.length, opts.progress === true);
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
  await shown.done();
  const adminRead = await admin;
  if (adminRead?.keys) assess.adminKeys(adminRead.keys);
  else if (adminRead) errors.push(adminRead.error);
  opts.log?.(
    `read ${manifest.projects.length} projects in ${
      Math.round(io.deps.now() - opts.now)
    } ms with ${client.stats.requests} requests (${client.stats.retries} retries)`,
  );
  return { assessment: assess.done(errors), delivered };
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
