/** `keydrift import`: write a manifest that describes the live state (adoption). */
import { ApiError } from "../core/errors.ts";
import { type ImportedProject, manifestFor } from "../manifest/writer.ts";
import { proposeFamilies } from "../manifest/propose_families.ts";
import type { Policy } from "../assess/policy.ts";
import { isoDate } from "../core/time.ts";
import type { LiveProject, ReadSource } from "../core/types.ts";
import type { AdminClient } from "../api/client.ts";
import { readLive } from "../api/live_state.ts";
import { parse } from "./args.ts";
import { type Io, writeOutput } from "./io.ts";
import {
  apiIdentity,
  CONNECT_OPTIONS,
  connectHelp,
  connectOptions,
  inputsOf,
  openClient,
} from "./connect.ts";
import {
  finishSnapshot,
  prepareSnapshot,
  SNAPSHOT_HELP,
  SNAPSHOT_OPTIONS,
  type SnapshotFlags,
  snapshotFlags,
} from "./snapshot.ts";
import { counted } from "../core/grouped.ts";

/** The help text of `keydrift import` */
export const IMPORT_HELP = `Usage: keydrift import [options]

Write a manifest describing the live keys of every project (active ones, and archived ones
that still hold keys; or the --project ones): comments, keys sorted by name, ids pinned, owner
type, name and email. Service accounts named the way secrets managers name rotated or dynamic
credentials (Infisical, Phase, Vault, a shared stem with a timestamp or random suffix) are
proposed as key families. Round trip: import, then check against the same state, exits 0.

Options:
  -o, --output PATH       where to write (default keydrift.yaml; - for stdout)
      --force             overwrite an existing file
      --project ID        import only this project (repeatable; archived ones too)
      --no-admin-keys     leave out the admin_keys: section (organisation admin API keys)
${SNAPSHOT_HELP}
      --no-families       propose no key families: write every key as a pinned entry
${connectHelp("read from")}
  -v, --verbose           progress on stderr
  -h, --help              show this help
`;

/** The flags `keydrift import` accepts (parseArgs options) */
export const IMPORT_OPTIONS = {
  output: { type: "string", short: "o" },
  force: { type: "boolean" },
  project: { type: "string", multiple: true },
  "no-admin-keys": { type: "boolean" },
  ...SNAPSHOT_OPTIONS,
  "no-families": { type: "boolean" },
  ...CONNECT_OPTIONS,
  help: { type: "boolean", short: "h" },
} as const;

/** Runs `keydrift import`: writes a manifest describing the live keys */
export async function importCommand(
  argv: string[],
  io: Io,
  _policies: readonly Policy[],
): Promise<number> {
  const { values: v } = parse("import", argv, IMPORT_OPTIONS);
  if (v.help) return (await io.out(IMPORT_HELP), 0);
  const output = v.output ?? "keydrift.yaml";
  const connection = connectOptions("import", v, io);
  const snapshot = snapshotFlags("import", v);
  // Before any read: the manifest written may not replace the key file or the fake state.
  io.protect(inputsOf([], v));
  if (output !== "-") await io.checkTarget(output);
  const client = await openClient(io, connection);
  const projects = await projectsToImport(io, client, v.project ?? [], {
    snapshot,
    api: apiIdentity(io.deps, connection),
  });
  const adminKeys = v["no-admin-keys"] ? null : await client.listAdminKeys();
  const families = !v["no-families"];
  const text = manifestFor(projects, isoDate(io.deps.now() / 1000), adminKeys, { families });
  if (output === "-") {
    await io.out(text);
    return 0;
  }
  await writeOutput(io, output, text, {
    createNew: !v.force,
    command: "import",
    instead: "pass --force to overwrite it or -o to write elsewhere",
  });
  await io.err(`keydrift: wrote ${output} (${wroteWhat(projects, adminKeys, families)})\n`);
  return 0;
}

/** `2 projects, 7 keys, 1 admin key, 1 key family proposed`: what `import` wrote. */
function wroteWhat(
  projects: readonly ImportedProject[],
  adminKeys: readonly unknown[] | null,
  families: boolean,
): string {
  const keys = projects.reduce((n, p) => n + p.keys.length, 0);
  const admin = adminKeys ? `, ${counted(adminKeys.length, "admin key")}` : "";
  const proposed = families
    ? projects.reduce((n, p) => n + proposeFamilies(p.keys).families.length, 0)
    : 0;
  const fams = proposed ? `, ${counted(proposed, "key family", "key families")} proposed` : "";
  return `${counted(projects.length, "project")}, ${counted(keys, "key")}${admin}${fams}`;
}

/**
 * The projects to write: every active project of the organisation and every archived one that
 * still holds keys (so that `check` of the manifest is in sync, issue 21), or the `--project`
 * ones whatever their status. With `--snapshot`, only what changed since it is read.
 */
async function projectsToImport(
  io: Io,
  client: AdminClient,
  ids: readonly string[],
  o: { snapshot: SnapshotFlags | null; api: string },
): Promise<ImportedProject[]> {
  const now = io.deps.now();
  const all = !ids.length;
  const run = o.snapshot
    ? await prepareSnapshot(io, client, {
      flags: o.snapshot,
      api: o.api,
      now,
      needsAll: all,
      needed: ids.length,
    })
    : null;
  const delivered: { project: LiveProject; source: ReadSource }[] = [];
  const read = readLive(client, [], { undeclared: all, ids, plan: run?.planned?.plan ?? null });
  for await (const r of read) {
    if (r.kind === "error") throw new ApiError(r.error.message);
    delivered.push({ project: r.project, source: r.source });
  }
  if (run) await finishSnapshot(io, run, { delivered, complete: true }, all);
  const out: ImportedProject[] = [];
  for (const { project: p } of delivered) {
    if (!p.found) {
      throw new ApiError(
        `Cannot import project "${p.id}": it does not exist or is not visible to this admin key`,
      );
    }
    if (all && p.status === "archived" && !p.keys.length) continue;
    out.push({ project: { id: p.id, name: p.name, status: p.status }, keys: p.keys });
  }
  return out;
}
