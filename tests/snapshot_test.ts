/**
 * `--snapshot FILE` (issue 21): a second run reads the audit log since the snapshot and lists the
 * keys of the projects its events name only, and reports exactly what a full read reports; any
 * doubt (no audit log, a damaged or old snapshot, an event that names no project) reads every
 * project, and the report says why.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import * as change from "../lib/fake/changes.ts";
import { createKey, deleteKey } from "../lib/fake/changes.ts";
import type { FakeState } from "../lib/fake/types.ts";
import { NOW, NOW_S } from "./_helpers.ts";
import { openapi } from "./_openapi.ts";
import {
  comparable,
  importedManifest,
  keyListings,
  type OrgRun,
  orgState,
  runAt,
} from "./_snapshot_org.ts";

const CHECK = ["check", "-m", "keydrift.yaml"];
const SNAP = ["--snapshot", "s.json"];
const ALL = ["proj_p00", "proj_p01", "proj_p02", "proj_p03", "proj_p04", "proj_p05"];
const MIN = 60_000;

type Snap = {
  snapshot: {
    full_read: { reason: string; detail: string } | null;
    projects: { source: string }[];
  };
};
const fullRead = (r: OrgRun) => (r.report as unknown as Snap).snapshot.full_read?.reason ?? null;

/** An organisation of 6 projects, its imported manifest, and a first `--snapshot` run. */
async function firstRun(o: { auditLog?: boolean } = {}) {
  const state = orgState(6, o);
  const manifest = await importedManifest(state);
  const first = await runAt(state, [...CHECK, ...SNAP], { "keydrift.yaml": manifest });
  return { state, manifest, first };
}

Deno.test("a second --snapshot run after a key created in one project and one deleted in another lists those two projects' keys only, and reports what a full read reports", async () => {
  const { state, manifest, first } = await firstRun();
  assertEquals(first.result.code, 0, first.result.stdout);
  assertEquals(fullRead(first), "no_snapshot");
  assertEquals(keyListings(first.requests), ALL);
  createKey(state, "proj_p01", { id: "key_new", name: "new", owner: "user-ben" }, {
    at: NOW_S + 60,
    actor: { user: "user-ben" },
  });
  deleteKey(state, "proj_p04", "key_p04_bot", { at: NOW_S + 90 });
  const at = NOW + 5 * MIN;
  const second = await runAt(state, [...CHECK, ...SNAP], first.files, at);
  assertEquals(fullRead(second), null, second.result.stdout);
  assertEquals(keyListings(second.requests), ["proj_p01", "proj_p04"]);
  const full = await runAt(state, CHECK, { "keydrift.yaml": manifest }, at);
  assertEquals(full.result.code, 2);
  assertEquals(second.result.code, full.result.code);
  assertEquals(comparable(second.report), comparable(full.report));
  const sources = (second.report as unknown as Snap).snapshot.projects.map((p) => p.source);
  assertEquals(sources.filter((s) => s === "api").length, 2);
  const said =
    /2 projects read now, 4 from s\.json, unchanged in the audit log since it read them \(the earliest on 2026-11-20T00:00:00Z\)/;
  ok(said.test(second.result.stdout), second.result.stdout);
});

Deno.test("with the audit log disabled, every --snapshot run reads every project, says why, and agrees with a full read", async () => {
  const { state, manifest, first } = await firstRun({ auditLog: false });
  deleteKey(state, "proj_p02", "key_p02_ana", { at: NOW_S + 60 });
  const at = NOW + 5 * MIN;
  const second = await runAt(state, [...CHECK, ...SNAP], first.files, at);
  // The first run could not mark the log's position, so its snapshot cannot be used.
  assertEquals(fullRead(first), "no_snapshot");
  assertEquals(fullRead(second), "no_position");
  assertEquals(keyListings(second.requests), ALL);
  ok(/every project read now/.test(second.result.stdout), second.result.stdout);
  const full = await runAt(state, CHECK, { "keydrift.yaml": manifest }, at);
  assertEquals(comparable(second.report), comparable(full.report));
});

Deno.test("a snapshot that is damaged, older than --snapshot-max-age or from another API reads every project and says why", async () => {
  const { first } = await firstRun();
  const { state } = await firstRun();
  const snap = first.files["s.json"];
  const cases: [string, Record<string, string>, string[], number, string][] = [
    ["not JSON", { "s.json": "{" }, [], NOW, "invalid"],
    [
      "a project twice",
      { "s.json": snap.replace("[\n", `[\n${snap.split("\n")[1]}\n`) },
      [],
      NOW,
      "invalid",
    ],
    ["too old", { "s.json": snap }, ["--snapshot-max-age", "1h"], NOW + 2 * 60 * MIN, "too_old"],
    [
      "another API",
      { "s.json": snap.replace(`"api":"http`, `"api":"https`) },
      [],
      NOW,
      "other_api",
    ],
  ];
  for (const [what, files, args, at, reason] of cases) {
    const r = await runAt(
      state,
      [...CHECK, ...SNAP, ...args],
      { ...first.files, ...files },
      at,
    );
    assertEquals([what, fullRead(r)], [what, reason]);
    assertEquals([what, keyListings(r.requests)], [what, ALL]);
    assertEquals([what, r.result.code], [what, 0]);
  }
});

Deno.test("an event that could change keys without naming a project (a user removed) reads every project", async () => {
  const { state, first } = await firstRun();
  state.audit_log.events.unshift({
    id: "audit_log-userdeleted_1",
    type: "user.deleted",
    effective_at: NOW_S + 60,
    actor: null,
    "user.deleted": { id: "user-ben" },
  });
  ok(openapi("AuditLog")(state.audit_log.events[0]));
  const second = await runAt(state, [...CHECK, ...SNAP], first.files, NOW + 5 * MIN);
  assertEquals(fullRead(second), "event");
  assertEquals(keyListings(second.requests), ALL);
});

Deno.test("the snapshot holds redacted values only, a version field and the audit position", async () => {
  const { first } = await firstRun();
  const text = first.files["s.json"];
  const head = JSON.parse(text.split("\n")[0] + "]}");
  assertEquals(head.keydrift_snapshot, 1);
  ok(head.audit.position && typeof head.audit.position.id === "string", text.slice(0, 300));
  const keys = JSON.parse(text).projects.flatMap((p: { keys: object[] }) => p.keys);
  assertEquals(keys.length, 12);
  for (const k of keys) {
    assertEquals(Object.keys(k).filter((f) => /secret|value/.test(f)), ["redacted_value"]);
    ok(/^sk-[a-z-]+\*{20,}[A-Za-z0-9]{4}$/.test(k.redacted_value), k.redacted_value);
  }
});

Deno.test("every change the fake records is an event that validates against the spec's AuditLog schema", async () => {
  const { state } = await firstRun();
  const before = state.audit_log.events.length;
  const at = NOW_S + 1;
  createKey(state, "proj_p01", { id: "key_x", name: "x", owner: "user-ana" }, { at });
  createKey(state, "proj_p01", { id: "key_y", name: "y", owner: "user-ana" }, {
    at,
    actor: { adminKey: "key_admin_ops" },
  });
  change.renameKey(state, "proj_p01", "key_x", "x2", { at });
  deleteKey(state, "proj_p01", "key_x", { at, actor: null });
  change.createProject(state, { id: "proj_new", name: "new" }, { at });
  change.renameProject(state, "proj_new", "newer", { at });
  change.archiveProject(state, "proj_new", { at });
  change.renameServiceAccount(state, "proj_p02", "sa_p02", "bot-2", { at });
  change.deleteServiceAccount(state, "proj_p02", "sa_p02", { at });
  change.removeMember(state, "proj_p03", "user-ben", { at });
  change.renameUser(state, "user-ben", "Benjamin", { at });
  const made = state.audit_log.events.slice(0, state.audit_log.events.length - before);
  assertEquals(made.length, 11);
  for (const e of made) ok(openapi("AuditLog")(e), JSON.stringify(e));
  // An admin key's action is logged against the default project (the spec's note).
  const byAdmin = made.find((e) => e["api_key.created"]?.id === "key_y")!;
  assertEquals([byAdmin.actor.type, byAdmin.project.id], ["api_key", "proj_p00"]);
});

Deno.test("an audit log that refuses, no longer reaches back to the snapshot, or holds more pages than the projects reads every project", async () => {
  const at = NOW + 5 * MIN;
  const cases: [string, (s: FakeState) => void, string][] = [
    ["disabled since", (s) => (s.audit_log.enabled = false), "audit_unavailable"],
    ["pruned", (s) => s.audit_log.events.splice(0), "audit_gap"],
    ["too long", (s) => s.audit_log.events.unshift(...logins(700)), "audit_too_long"],
  ];
  for (const [what, change, reason] of cases) {
    const { state, manifest, first } = await firstRun();
    change(state);
    const second = await runAt(state, [...CHECK, ...SNAP], first.files, at);
    const why = (second.report as unknown as Snap).snapshot.full_read;
    assertEquals(
      [what, why?.reason, keyListings(second.requests)],
      [what, reason, ALL],
      JSON.stringify(why),
    );
    const full = await runAt(state, CHECK, { "keydrift.yaml": manifest }, at);
    assertEquals(comparable(second.report), comparable(full.report));
  }
});

/** `n` sign-in events, newer than the snapshot. */
function logins(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    id: `audit_log-login${i}`,
    type: "login.succeeded",
    effective_at: NOW_S + 60,
    actor: null,
    "login.succeeded": {},
  }));
}

Deno.test("a snapshot that holds only --project's projects reads every project next time; one that is not a regular file is refused before any request", async () => {
  const { state, first } = await firstRun();
  const { "s.json": _, ...none } = first.files;
  const narrowed = await runAt(state, [...CHECK, ...SNAP, "--project", "proj_p00"], none);
  assertEquals(keyListings(narrowed.requests), ["proj_p00"]);
  const next = await runAt(state, [...CHECK, ...SNAP], narrowed.files);
  assertEquals([fullRead(next), keyListings(next.requests)], ["scope", ALL]);
  const special = await runAt(state, [...CHECK, "--snapshot", "fifo"], first.files, NOW, {
    special: ["fifo"],
  });
  // It could not be rewritten either: refused before any request.
  assertEquals([special.result.code, special.requests.length], [1, 0]);
  ok(
    /--snapshot "fifo": it is not a regular file/.test(special.result.stderr),
    special.result.stderr,
  );
});

Deno.test("import and baseline with --snapshot read only the changed project, and write what a full read writes", async () => {
  const { state, first } = await firstRun();
  deleteKey(state, "proj_p03", "key_p03_ana", { at: NOW_S + 60 });
  const at = NOW + 5 * MIN;
  const commands = [["import", "-o", "out.yaml"], [
    "baseline",
    "-m",
    "keydrift.yaml",
    "-o",
    "out.json",
  ]];
  for (const command of commands) {
    const out = command.at(-1)!;
    const partial = await runAt(state, [...command, ...SNAP], first.files, at, { report: false });
    assertEquals([command[0], keyListings(partial.requests)], [command[0], ["proj_p03"]]);
    const full = await runAt(state, command, first.files, at, { report: false });
    ok(partial.files[out], partial.result.stderr);
    assertEquals(partial.files[out], full.files[out]);
  }
});

Deno.test("--snapshot-max-age takes a positive age and needs --snapshot; --snapshot needs a file", async () => {
  const { state, first } = await firstRun();
  const cases: [string[], RegExp][] = [
    [["--snapshot-max-age", "7d"], /--snapshot-max-age needs --snapshot FILE/],
    [
      [...SNAP, "--snapshot-max-age", "0"],
      /must be a positive age such as 30m, 12h or 7d, not "0"/,
    ],
    [[...SNAP, "--snapshot-max-age", "7w"], /not "7w"/],
    [["--snapshot", "-"], /--snapshot needs a file path/],
  ];
  for (const [args, said] of cases) {
    const r = await runAt(state, [...CHECK, ...args], first.files, NOW, { report: false });
    assertEquals([args, r.result.code, r.requests.length], [args, 1, 0]);
    ok(said.test(r.result.stderr), r.result.stderr);
  }
});
