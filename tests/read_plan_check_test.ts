/**
 * The plan a check states under a budget (issue 21) counts what the read then sends: the
 * organisation's project listing when it reads the projects no manifest declares, and with
 * `--snapshot` only the projects the snapshot cannot keep. A plan is a lower bound; one above what
 * is sent would end a run with an explicit `--deadline` that it could have met.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { createKey } from "../lib/fake/changes.ts";
import { NOW, NOW_S } from "./_helpers.ts";
import { importedManifest, type OrgRun, orgState, runAt } from "./_snapshot_org.ts";

const CHECK = ["check", "-m", "keydrift.yaml", "--max-rpm", "1000"];
const SNAP = ["--snapshot", "s.json"];

/**
 * The requests the run's stated plan counts (those already sent included: the snapshot's
 * audit-log pages), and the requests it sent.
 */
function planned(run: OrgRun): { stated: number; sent: number } {
  const said = /this read needs (\d+) requests or more/.exec(run.result.stderr);
  ok(said, run.result.stderr);
  return { stated: Number(said[1]), sent: run.requests.length };
}

Deno.test("a check that reads undeclared projects plans the organisation's listing, and a --snapshot run plans only the projects it reads now", async () => {
  const state = orgState(2);
  const manifest = await importedManifest(state);
  const first = await runAt(state, [...CHECK, ...SNAP], { "keydrift.yaml": manifest });
  assertEquals(first.result.code, 0, first.result.stdout + first.result.stderr);
  // Two audit-log pages (the snapshot's mark), one listing of the organisation's projects (not
  // two retrieves), two key listings, the admin keys.
  assertEquals(planned(first), { stated: 6, sent: 6 });
  createKey(state, "proj_p01", { id: "key_new", name: "new", owner: "user-ben" }, {
    at: NOW_S + 60,
    actor: { user: "user-ben" },
  });
  const second = await runAt(state, [...CHECK, ...SNAP], first.files, NOW + 300_000);
  assertEquals(second.result.code, 2, second.result.stdout + second.result.stderr);
  // Only proj_p01's keys changed: the audit log, its key listing and the admin keys.
  assertEquals(planned(second), { stated: 4, sent: 4 });
});
