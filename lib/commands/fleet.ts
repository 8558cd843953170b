/**
 * `check` over a fleet manifest (`orgs:`, issue 24): every org read in parallel, each through its
 * own client (its own admin key, base URL, deadline, budget and counts), each failing on its own.
 * The orgs' reports become one ({@link combineReports}): a run where one org could not be read
 * exits 1 and still reports the others' drift.
 */
import type { Io } from "./io.ts";
import { firstLine } from "./reports.ts";
import { suggestion, UsageError } from "../core/errors.ts";
import type { DeclaredOrg, Manifest } from "../core/types.ts";
import type { Policy } from "../assess/policy.ts";
import { ofOrg } from "../assess/assessment.ts";
import { buildReport, errorReport, type FailOn, type Report } from "../report/report.ts";
import { combineReports } from "../report/combine.ts";
import { selectOrgs } from "../manifest/orgs.ts";
import { type ConnectOptions, connectOrg, type FakeHandler, startFake } from "./connect.ts";
import { assessLive, scope } from "./assess_live.ts";
import { readEnrichment } from "./enrichment.ts";
import { enrich, type EnrichRequest } from "../enrich/enrich.ts";
import { markBaseline } from "../enrich/baseline.ts";
import type { Baseline } from "../enrich/baseline_file.ts";

/** What a fleet run was asked for. */
export interface FleetRun {
  connection: ConnectOptions;
  enrichReq: EnrichRequest;
  failOn: FailOn;
  noWaivers: boolean;
  /** `--org` names (none: every org). */
  orgs: readonly string[];
  /** `--project` ids (none: every project of the orgs read). */
  projects: readonly string[];
  baseline: Baseline | null;
}

/**
 * The fleet's orgs that this run reads (`--org`), each narrowed to `--project`: an org or project
 * the manifest does not declare is a usage error.
 */
export function fleetScope(manifest: Manifest, run: Pick<FleetRun, "orgs" | "projects">) {
  const { orgs, unknown } = selectOrgs(manifest, run.orgs);
  const names = (manifest.orgs ?? []).map((o) => o.name);
  if (unknown !== null) {
    throw new UsageError(
      `--org "${unknown}" is not declared in the manifest's orgs:${suggestion(unknown, names)}`,
      "check",
    );
  }
  if (!run.projects.length) return orgs;
  const declared = orgs.flatMap((o) => o.manifest.projects.map((p) => p.id));
  for (const id of run.projects) {
    if (!declared.includes(id)) {
      throw new UsageError(
        `--project "${id}" is not declared in the orgs read${suggestion(id, declared)}`,
        "check",
      );
    }
  }
  return orgs.flatMap((o) => {
    const ids = run.projects.filter((id) => o.manifest.projects.some((p) => p.id === id));
    return ids.length ? [{ ...o, manifest: scope(o.manifest, ids) }] : [];
  });
}

/** Reads and assesses every org of the run in parallel; one report, the orgs in manifest order. */
export async function checkFleet(
  io: Io,
  manifest: Manifest,
  policies: readonly Policy[],
  run: FleetRun,
): Promise<Report> {
  const orgs = fleetScope(manifest, run);
  const c = run.connection;
  if (c.adminKeyFile) {
    throw new UsageError(
      "--admin-key-file reads one key; a manifest with orgs: names each org's variable (admin_key_env)",
      "check",
    );
  }
  if (c.fake && c.apiUrl) {
    throw new UsageError("--fake and --api-url cannot be used together", "check");
  }
  // Every key the run reads is a secret of the whole run: scrubbed from every org's output.
  for (const o of orgs) {
    const key = io.deps.env(o.adminKeyEnv)?.trim();
    if (key) io.addSecret(key);
  }
  const fake = c.fake ? (await startFake(io.deps, c.fake)).handler : null;
  const now = io.deps.now();
  const parts = await Promise.all(orgs.map((o) => checkOrg(io, o, fake, run, policies, now)));
  const fleet = {
    orgs: (manifest.orgs ?? []).map((o) => ({ name: o.name, id: o.id })),
    manifestSha256: manifest.sha256 ?? "",
  };
  return combineReports(
    parts.map((r) => ({ ...r, fleet: { ...fleet, orgs: r.fleet?.orgs ?? [] } })),
    fleet,
    run.failOn,
  );
}

/** One org's report; anything that stops its read makes its error report, not the run's. */
async function checkOrg(
  io: Io,
  org: DeclaredOrg,
  fake: FakeHandler | null,
  run: FleetRun,
  policies: readonly Policy[],
  now: number,
): Promise<Report> {
  let report: Report;
  try {
    const { client, secret } = connectOrg(io.deps, run.connection, org, fake);
    io.addSecret(secret);
    const assessed = ofOrg(
      (await assessLive(io, client, org.manifest, policies, {
        now,
        noWaivers: run.noWaivers,
        log: run.connection.log && ((m) => run.connection.log!(`org ${org.name}: ${m}`)),
        notices: run.connection.notices,
        enrichment: {
          attribute: run.enrichReq.attribute,
          usage: run.enrichReq.usageDays !== null,
        },
      })).assessment,
      org.name,
    );
    const reads = await readEnrichment(client.core, assessed, run.enrichReq, io.deps.now());
    const enriched = enrich(assessed, reads, run.enrichReq);
    const marked = run.baseline ? markBaseline(enriched, run.baseline) : enriched;
    report = buildReport({ ...marked, api: client.core?.use() ?? null }, { failOn: run.failOn });
  } catch (e) {
    const failed = errorReport(firstLine(e), run.failOn, org.manifest, policies);
    report = { ...failed, errors: failed.errors.map((x) => ({ ...x, org: org.name })) };
  }
  const outcome = { name: org.name, id: org.id, checked: true, exitCode: report.exitCode };
  const declared = report.declared.map((d) => ({ ...d, org: org.name }));
  return { ...report, declared, fleet: { orgs: [outcome], manifestSha256: "" } };
}
