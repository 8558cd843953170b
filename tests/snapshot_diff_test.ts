/**
 * The differential property of `--snapshot` (issue 21): over random sequences of changes to the
 * fake organisation, each recorded in its audit log as the real API records it (keys created,
 * deleted and renamed, by a person or with an admin key; projects created, renamed and archived;
 * service accounts and users changed), an incremental run reports exactly what a full read of the
 * same state reports, round after round, each round starting from the snapshot the last wrote.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import * as change from "../lib/fake/changes.ts";
import type { FakeState } from "../lib/fake/types.ts";
import { NOW, seeded } from "./_helpers.ts";
import { comparable, importedManifest, orgState, runAt } from "./_snapshot_org.ts";

const CHECK = ["check", "-m", "keydrift.yaml"];
const SEEDS = 16;
const ROUNDS = 3;

type Step = (s: FakeState, at: number) => string;

/** One random change, made in the state with its audit event at `at`; its description. */
function randomChange(rand: () => number): Step {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const n = Math.floor(rand() * 1e6);
  const person = () => ({ user: pick(["user-ana", "user-ben"]) });
  const actor = () => (rand() < 0.25 ? { adminKey: "key_admin_ops" } : person());
  const live = (s: FakeState) => s.projects.filter((p) => p.status === "active");
  const steps: Step[] = [
    (s, at) => {
      const p = pick(live(s));
      const owner = p.service_accounts.length && rand() < 0.5
        ? p.service_accounts[0].id
        : "user-ana";
      change.createKey(s, p.id, { id: `key_r${n}`, name: `r${n}`, owner }, { at, actor: actor() });
      return `create key_r${n} in ${p.id}`;
    },
    (s, at) => {
      const p = pick(s.projects.filter((x) => x.keys.length));
      if (!p) return "nothing to delete";
      const k = pick(p.keys);
      change.deleteKey(s, p.id, k.id, { at, actor: rand() < 0.5 ? null : person() });
      return `delete ${k.id} in ${p.id}`;
    },
    (s, at) => {
      const p = pick(s.projects.filter((x) => x.keys.length));
      if (!p) return "nothing to rename";
      const k = pick(p.keys);
      change.renameKey(s, p.id, k.id, `renamed-${n}`, { at, actor: person() });
      return `rename ${k.id}`;
    },
    (s, at) => {
      change.createProject(s, { id: `proj_r${n}`, name: `r${n}` }, { at, actor: person() });
      return `create proj_r${n}`;
    },
    (s, at) => {
      const p = pick(live(s));
      change.archiveProject(s, p.id, { at, actor: person() });
      return `archive ${p.id}`;
    },
    (s, at) => {
      const p = pick(live(s));
      change.renameProject(s, p.id, `renamed-${n}`, { at, actor: person() });
      return `rename ${p.id}`;
    },
    (s, at) => {
      const p = pick(s.projects.filter((x) => x.service_accounts.length));
      if (!p) return "no service account";
      const sa = p.service_accounts[0].id;
      if (rand() < 0.5) change.renameServiceAccount(s, p.id, sa, `bot-${n}`, { at });
      else change.deleteServiceAccount(s, p.id, sa, { at });
      return `change ${sa}`;
    },
    (s, at) => {
      if (rand() < 0.5) change.renameUser(s, "user-ben", `Ben ${n}`, { at });
      else change.removeMember(s, pick(live(s)).id, "user-ben", { at });
      return "change user-ben";
    },
  ];
  return pick(steps);
}

/** Runs `ROUNDS` rounds of random changes from `seed`; how many rounds used the snapshot. */
async function rounds(seed: number): Promise<number> {
  const rand = seeded(seed);
  const state = orgState(5);
  const manifest = { "keydrift.yaml": await importedManifest(state) };
  let at = NOW;
  let files = (await runAt(state, [...CHECK, "--snapshot", "s.json"], manifest, at)).files;
  let used = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    const made: string[] = [];
    const count = 1 + Math.floor(rand() * 3);
    for (let i = 0; i < count; i++) {
      at += 60_000;
      made.push(randomChange(rand)(state, Math.floor(at / 1000)));
    }
    at += 60_000;
    const incremental = await runAt(state, [...CHECK, "--snapshot", "s.json"], files, at);
    const full = await runAt(state, CHECK, manifest, at);
    const label = `seed ${seed}, round ${round}: ${made.join("; ")}`;
    assertEquals(
      [label, incremental.result.code, comparable(incremental.report)],
      [label, full.result.code, comparable(full.report)],
    );
    if ((incremental.report.snapshot as { full_read: unknown }).full_read === null) used++;
    files = { ...incremental.files, ...manifest };
  }
  return used;
}

Deno.test(`an incremental --snapshot run reports what a full read reports, over ${SEEDS} random sequences of changes`, async () => {
  let used = 0;
  for (let seed = 1; seed <= SEEDS; seed++) used += await rounds(seed);
  // The property says something only if many rounds did read incrementally.
  ok(used >= (SEEDS * ROUNDS) / 3, `only ${used} of ${SEEDS * ROUNDS} rounds used the snapshot`);
});
