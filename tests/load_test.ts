import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { loadPaced, SLICE_MS } from "../lib/commands/load.ts";
import { loadManifests } from "../lib/manifest.ts";
import { POLICIES } from "../policies/mod.ts";

const TEXT = "version: 1\nprojects:\n" +
  Array.from({ length: 20 }, (_, p) =>
    `  - id: proj_${p}\n    keys:\n` +
    Array.from(
      { length: 50 },
      (_, k) => `      - { name: k${k}, owner: { type: service_account, name: bot } }`,
    ).join("\n")).join("\n") +
  "\n";
const SOURCES = [{ path: "k.yaml", text: TEXT }];

/** A clock that moves 1 ms each time it is read, counting the waits asked of it. */
function steppingClock() {
  let t = 0;
  const waits: number[] = [];
  return {
    waits,
    now: () => t++,
    sleep: (ms: number) => (waits.push(ms), Promise.resolve()),
  };
}

Deno.test(`loadPaced() with turns lets the event loop turn every ${SLICE_MS} ms of checking, with the same result`, async () => {
  const clock = steppingClock();
  const r = await loadPaced(clock, SOURCES, POLICIES, true);
  assertEquals(r, loadManifests(SOURCES, POLICIES));
  ok(clock.waits.length >= 5, `${clock.waits.length} turns`);
  ok(clock.waits.every((ms) => ms === 0));
});

Deno.test("loadPaced() without turns never waits", async () => {
  const clock = steppingClock();
  const r = await loadPaced(clock, SOURCES, POLICIES, false);
  assertEquals(r.problems, []);
  assertEquals(clock.waits, []);
});
