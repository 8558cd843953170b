/**
 * The read-and-assess step `check` and `baseline` share: the live state the (scoped) manifest
 * needs, read and assessed (diff, policies, admin keys), as the report before enrichment.
 */
import type { Io } from "./io.ts";
import { suggestion, UsageError } from "../core/errors.ts";
import { assessment } from "../assess/assessment.ts";
import type { Policy } from "../assess/policy.ts";
import { readAdminKeys, readLive } from "../api/live_state.ts";
import { progress } from "./progress.ts";
import type { ApiCore } from "../api/client.ts";
import type { FailOn, Report } from "../report/report.ts";
import type { Manifest, RunError } from "../core/types.ts";
import { connect, type ConnectOptions } from "./connect.ts";

/**
 * Reads the live state the manifest needs and assesses it (diff, policies): the report before any
 * enrichment. `check` and `baseline` share it. Throws what the run cannot recover from.
 */
export async function assessLive(
  io: Io,
  manifest: Manifest,
  policies: readonly Policy[],
  connection: ConnectOptions,
  opts: { noWaivers: boolean; failOn: FailOn; progress?: boolean },
): Promise<{
  report: Report;
  /** The API core, for enrichment reads (absent for test doubles). */
  core: ApiCore | undefined;
  /** Each live key's created_at (the audit-log window and expiry fixes). */
  createdAt: Map<string, number>;
  /** When the read began (ms): the policies' clock. */
  started: number;
}> {
  const started = io.deps.now();
  const { client, secret } = await connect(io.deps, connection);
  if (secret) io.addSecret(secret);
  const assess = assessment(manifest, policies, { now: started, ...opts });
  const errors: RunError[] = [];
  // Admin keys (issue 14) are read beside the projects, only when the manifest declares them.
  const admin = manifest.adminKeys
    ? readAdminKeys(client, manifest.adminKeys.keys.flatMap((k) => (k.id ? [k.id] : [])))
    : null;
  admin?.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile
  const shown = progress(io, manifest.projects.length, opts.progress === true);
  const createdAt = new Map<string, number>();
  for await (const read of readLive(client, manifest.projects)) {
    if (read.kind === "project") {
      for (const k of read.project.keys) createdAt.set(k.id, k.createdAt);
      assess.add(read.declared, read.project);
      shown.tick();
    } else errors.push(read.error);
  }
  await shown.done();
  const adminRead = await admin;
  if (adminRead?.keys) assess.adminKeys(adminRead.keys);
  else if (adminRead) errors.push(adminRead.error);
  connection.log?.(
    `read ${manifest.projects.length} projects in ${
      Math.round(io.deps.now() - started)
    } ms with ${client.stats.requests} requests (${client.stats.retries} retries)`,
  );
  return { report: assess.report(errors), core: client.core, createdAt, started };
}

/**
 * Narrows the manifest to `--project` ids; each must be declared. Admin keys belong to no
 * project: a narrowed check does not read them (the report says `admin_keys_checked: false`).
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
  };
}
