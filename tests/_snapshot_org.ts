/**
 * A small organisation for `--snapshot` tests (issue 21): projects with a user key and a service
 * account key each, an admin key, and an audit log that holds the keys' creation events, loaded
 * into the fake; and runs of keydrift against it at a chosen instant.
 */
import type { FakeState } from "../lib/fake/types.ts";
import type { FakeApi } from "../lib/fake/mod.ts";
import { ADMIN_KEY, fakeFetch, type MemResult, NOW, runCli, stateFrom } from "./_helpers.ts";

/** The fake state: `projects` projects `p00`, `p01`, ... with two keys each. */
export function orgState(projects: number, o: { auditLog?: boolean } = {}): FakeState {
  const lines = [
    "users:",
    "  - { id: user-ana, name: Ana, email: ana@example.test, created_at: -700d }",
    "  - { id: user-ben, name: Ben, email: ben@example.test, created_at: -700d }",
    "admin_keys:",
    "  - { id: key_admin_ops, name: ops, owner: { user: user-ana, role: owner }, created_at: -200d }",
    "projects:",
  ];
  for (let i = 0; i < projects; i++) {
    const p = `p${String(i).padStart(2, "0")}`;
    lines.push(
      `  - id: proj_${p}`,
      `    name: ${p}`,
      "    created_at: -600d",
      "    members: [{ user: user-ana, role: owner }, { user: user-ben, role: member }]",
      `    service_accounts: [{ id: sa_${p}, name: bot-${p}, role: member, created_at: -400d }]`,
      "    keys:",
      `      - { id: key_${p}_ana, name: ana-${p}, owner: user-ana, created_at: -90d, last_used_at: -1d, created_by: { user: user-ana } }`,
      `      - { id: key_${p}_bot, name: bot-${p}, owner: sa_${p}, created_at: -80d, last_used_at: -2d }`,
    );
  }
  lines.push("audit_log:", `  enabled: ${o.auditLog !== false}`);
  return stateFrom(lines.join("\n") + "\n");
}

/** One run's outcome: the CLI's, its JSON report, and the requests the fake answered. */
export interface OrgRun {
  result: MemResult;
  report: Record<string, unknown>;
  requests: FakeApi["requests"];
  files: Record<string, string>;
}

/**
 * Runs `argv` against `state` at `at` (ms), with `files`, writing the JSON report to r.json and the
 * text to stdout (`report: false` for commands without `--format`); `special` as memDeps has it.
 */
export async function runAt(
  state: FakeState,
  argv: string[],
  files: Record<string, string>,
  at: number = NOW,
  o: { report?: boolean; special?: string[] } = {},
): Promise<OrgRun> {
  const { api, fetch } = fakeFetch(state, () => at);
  const formats = o.report === false ? [] : ["--format", "json=r.json", "--format", "text"];
  const result = await runCli(
    [...argv, "--api-url", "http://127.0.0.1/v1", ...formats],
    {
      files: { ...files },
      env: { OPENAI_ADMIN_KEY: ADMIN_KEY },
      fetch,
      now: at,
      special: o.special,
    },
  );
  const text = result.files.get("r.json");
  if (o.report !== false && text === undefined) {
    throw new Error(`no report (exit ${result.code}): ${result.stdout}`);
  }
  return {
    result,
    report: text === undefined ? {} : JSON.parse(text),
    requests: api.requests,
    files: Object.fromEntries(result.files),
  };
}

/** The manifest `import` writes of `state`. */
export async function importedManifest(state: FakeState): Promise<string> {
  const { fetch } = fakeFetch(state);
  const r = await runCli(
    ["import", "-o", "keydrift.yaml", "--api-url", "http://127.0.0.1/v1"],
    { env: { OPENAI_ADMIN_KEY: ADMIN_KEY }, fetch },
  );
  if (r.code !== 0) throw new Error(r.stdout + r.stderr);
  return r.files.get("keydrift.yaml")!;
}

/** The projects whose keys a run listed. */
export function keyListings(requests: FakeApi["requests"]): string[] {
  const ids = requests.map((r) => /\/projects\/([^/]+)\/api_keys$/.exec(r.path)?.[1])
    .filter((id): id is string => id !== undefined);
  return [...new Set(ids)].sort();
}

/**
 * A report without what says where its data came from (the `snapshot` block, a finding's
 * `data_as_of`) and without what differs between two runs of the same data (timings, and
 * `api_requests`: the requests the snapshot spared are the point of it).
 */
export function comparable(report: Record<string, unknown>): unknown {
  const { snapshot: _s, duration_ms: _d, api_requests: _r, ...rest } = report;
  const findings = (rest.findings as Record<string, unknown>[] | undefined)?.map((f) => {
    const { data_as_of: _a, ...kept } = f;
    return kept;
  });
  return { ...rest, ...(findings ? { findings } : {}) };
}
