/**
 * `keydrift baseline`: record every current drift item and finding but waived ones, by identity and
 * fingerprint (issues 14 and 19), so that `check --baseline FILE` fails only on new ones. `--prune`
 * keeps only the entries that still occur; `--no-waivers` records waived findings too.
 */
import { type Io, writeOutput } from "./io.ts";
import type { Deps } from "../core/deps.ts";
import { InputError, ManifestError, UsageError } from "../core/errors.ts";
import { readInput, readProblem } from "./files.ts";
import type { Policy } from "../assess/policy.ts";
import { isoDate } from "../core/time.ts";
import { type Assessment, ofOrg } from "../assess/assessment.ts";
import type { Manifest } from "../core/types.ts";
import { fleetScope } from "./fleet.ts";
import { byFingerprint } from "../enrich/baseline_file.ts";
import {
  type Baseline,
  type BaselineEntry,
  entriesFor,
  parseBaseline,
  pruned,
  serializeBaseline,
} from "../enrich/baseline.ts";
import { parse } from "./args.ts";
import { textSafe } from "../render/inert.ts";
import { entrySummary } from "../render/baseline_entry.ts";
import {
  apiIdentity,
  CONNECT_OPTIONS,
  connectHelp,
  type ConnectOptions,
  connectOptions,
  connectOrg,
  inputsOf,
  openClient,
  startFake,
} from "./connect.ts";
import {
  SNAPSHOT_HELP,
  SNAPSHOT_ONE_ORG,
  SNAPSHOT_OPTIONS,
  type SnapshotFlags,
  snapshotFlags,
} from "./snapshot.ts";
import { VERSION } from "../core/version.ts";
import { DEFAULT_MANIFEST, loadFrom } from "./load.ts";
import { assessLive, type AssessLiveOptions, readAndAssess, scope } from "./assess_live.ts";
import { counted, grouped } from "../core/grouped.ts";

/** The help text of `keydrift baseline` */
export const BASELINE_HELP = `Usage: keydrift baseline -o FILE [options]

Record every current drift item and finding by its identity (kind or policy, project, key id
and name, owner; never line numbers) and its SHA-256 fingerprint, with the date, the keydrift
version and a summary. Then 'keydrift check --baseline FILE' fails only on items not in FILE.
Waived findings are not recorded: their waiver governs them, and fails the run once it expires.

Options:
  -m, --manifest PATH     manifest file, directory of *.yaml, or - for stdin (repeatable; default keydrift.yaml)
  -o, --output FILE       the baseline file (default keydrift.baseline.json; - for stdout)
      --force             overwrite an existing file
      --prune             rewrite FILE keeping only the entries that still occur
      --project ID        check only this project (repeatable)
      --no-waivers        ignore the manifest's waivers: record the findings they waive too
                          (the baseline then accepts them after the waivers expire)
${SNAPSHOT_HELP}
${connectHelp("record from")}
  -q, --quiet             only errors on stderr
  -v, --verbose           progress on stderr (never secrets)
  -h, --help              show this help
`;

/** The flags `keydrift baseline` accepts (parseArgs options) */
export const BASELINE_OPTIONS = {
  manifest: { type: "string", short: "m", multiple: true },
  output: { type: "string", short: "o" },
  force: { type: "boolean" },
  prune: { type: "boolean" },
  project: { type: "string", multiple: true },
  "no-waivers": { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
  ...SNAPSHOT_OPTIONS,
  ...CONNECT_OPTIONS,
  help: { type: "boolean", short: "h" },
} as const;

/** The baseline file written when no `-o` is given */
export const DEFAULT_BASELINE = "keydrift.baseline.json";

/** Reads and parses a baseline file; an unreadable file is an InputError naming it. */
export async function readBaseline(deps: Deps, path: string): Promise<Baseline> {
  let text: string;
  try {
    text = await readInput(deps, path, "baseline");
  } catch (e) {
    if (e instanceof ManifestError) throw e; // not UTF-8: located
    const hint = (e as Error)?.name === "NotFound"
      ? `; create it with keydrift baseline -o ${path}`
      : "";
    throw new InputError(`cannot read baseline "${path}": ${readProblem(e)}${hint}`);
  }
  return parseBaseline(path, text);
}

/** Runs `keydrift baseline`: records the current drift and findings as a baseline file */
export async function baselineCommand(
  argv: string[],
  io: Io,
  policies: readonly Policy[],
): Promise<number> {
  const { values: v } = parse("baseline", argv, BASELINE_OPTIONS);
  if (v.help) return (await io.out(BASELINE_HELP), 0);
  const output = outputOf(v);
  const connection = connectOptions("baseline", v, io);
  const snapshot = snapshotFlags("baseline", v);
  // Before any read: the baseline may not replace a file this run reads.
  io.protect(inputsOf(v.manifest ?? [DEFAULT_MANIFEST], v));
  if (output !== "-") await io.checkTarget(output);
  const old = v.prune ? await readBaseline(io.deps, output) : null;
  const manifest = await loadValid(io, v.manifest ?? [], policies);
  const { log, notices } = connection;
  const opts = { now: io.deps.now(), noWaivers: v["no-waivers"] === true, log, notices };
  // Every item is recorded whatever its severity.
  const assessed = await assessAll(io, manifest, v.project ?? [], connection, policies, {
    ...opts,
    snapshot,
    api: apiIdentity(io.deps, connection),
  });
  const today = isoDate(io.deps.now() / 1000);
  const entries = recordedAll(assessed, old, today, policies);
  const text = serializeBaseline(entries, { version: VERSION, created: today });
  if (output === "-") return (await io.out(text), 0);
  await writeBaselineFile(io, v, { output, text, entries, old });
  return 0;
}

/** Writes the baseline file (a new one unless --force or --prune) and says what it holds. */
async function writeBaselineFile(
  io: Io,
  v: { force?: boolean; prune?: boolean; quiet?: boolean },
  b: { output: string; text: string; entries: BaselineEntry[]; old: Baseline | null },
): Promise<void> {
  await writeOutput(io, b.output, b.text, {
    createNew: !v.force && !v.prune,
    command: "baseline",
    instead: "pass --force to overwrite it, --prune to shrink it, or -o to write elsewhere",
  });
  if (!v.quiet) {
    await io.err(`keydrift: wrote ${textSafe(b.output)} (${entriesWritten(b.entries, b.old)})\n`);
  }
}

/** The baseline file (`-`: stdout), with the flags that cannot go with it refused. */
function outputOf(v: { output?: string; prune?: boolean; force?: boolean }): string {
  const output = v.output ?? DEFAULT_BASELINE;
  if (v.prune && v.force) {
    throw new UsageError("--prune rewrites the file in place; it needs no --force", "baseline");
  }
  if (v.prune && output === "-") {
    throw new UsageError(
      "--prune rewrites a baseline file in place; name it with -o FILE",
      "baseline",
    );
  }
  return output;
}

/** How many entries were written, and with `--prune` how many of the old ones went. */
function entriesWritten(entries: readonly BaselineEntry[], old: Baseline | null): string {
  const n = entries.length;
  if (!old) return counted(n, "entry", "entries");
  return `kept ${n} of ${counted(old.entries.length, "entry", "entries")} (${
    grouped(old.entries.length - n)
  } resolved)`;
}

/** The entries to write: `old`'s that still occur (`--prune`), or every item of this run. */
/**
 * The entries of every assessment (a fleet's orgs, or one); with `--prune`, an old entry stays
 * when each assessment keeps it (its own org's saw it again, the others did not read it).
 */
function recordedAll(
  assessed: readonly Assessment[],
  old: Baseline | null,
  today: string,
  policies: readonly Policy[],
): BaselineEntry[] {
  const each = assessed.map((a) => recorded(a, old, today, policies));
  if (!old) return each.flat();
  const kept = each.map((list) => new Set(list.map((e) => e.fingerprint)));
  return old.entries.filter((e) => kept.every((k) => k.has(e.fingerprint)))
    .sort(byFingerprint);
}

/** Every item, whatever its severity: a fleet's orgs each through their own client, or one. */
async function assessAll(
  io: Io,
  manifest: Manifest,
  projects: readonly string[],
  connection: ConnectOptions,
  policies: readonly Policy[],
  opts: AssessLiveOptions & { snapshot: SnapshotFlags | null; api: string },
): Promise<Assessment[]> {
  if (manifest.orgs) {
    if (opts.snapshot) {
      throw new UsageError(SNAPSHOT_ONE_ORG, "baseline");
    }
    return await assessFleet(io, manifest, projects, connection, policies, opts);
  }
  const client = await openClient(io, connection);
  return [await readAndAssess(io, client, scope(manifest, projects), policies, opts)];
}

/** Each org of a fleet (narrowed to `--project`) read and assessed through its own client. */
async function assessFleet(
  io: Io,
  manifest: Manifest,
  projects: readonly string[],
  connection: ConnectOptions,
  policies: readonly Policy[],
  opts: AssessLiveOptions,
): Promise<Assessment[]> {
  const orgs = fleetScope(manifest, { orgs: [], projects });
  const fake = connection.fake ? (await startFake(io.deps, connection.fake)).handler : null;
  return await Promise.all(orgs.map(async (org) => {
    const { client, secret } = connectOrg(io.deps, connection, org, fake);
    io.addSecret(secret);
    const { assessment } = await assessLive(io, client, org.manifest, policies, opts);
    return ofOrg(assessment, org.name);
  }));
}

function recorded(
  assessed: Assessment,
  old: Baseline | null,
  today: string,
  policies: readonly Policy[],
): BaselineEntry[] {
  if (assessed.errors.length) {
    throw new InputError(
      `the check could not complete, so no baseline was written: ${assessed.errors[0].message}`,
    );
  }
  if (old) return pruned(old, assessed);
  return entriesFor(assessed, today).map(({ item, entry }) => ({
    ...entry,
    summary: entrySummary(item, policies),
  }));
}

/** The manifest, or its problems thrown. */
async function loadValid(io: Io, paths: string[], policies: readonly Policy[]): Promise<Manifest> {
  const loaded = await loadFrom(io.deps, paths, policies);
  if (!loaded.manifest) throw new ManifestError(loaded.problems);
  return loaded.manifest;
}
