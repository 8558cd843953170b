import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { loadManifests } from "../lib/manifest/load.ts";
import { loadState } from "../lib/fake/state.ts";
import { FullReaderNeeded, withFullReader } from "../lib/yaml/check.ts";
import { readFull } from "../lib/yaml/full.ts";
import { POLICIES } from "../policies/mod.ts";
import { NOW_S, readExample } from "./_helpers.ts";

const PLAIN = "version: 1\nprojects:\n  - id: proj_a\n    keys: []\n";
const ANCHORED = "version: 1\nprojects:\n  - &p\n    id: proj_a\n    keys: []\n";
/** In the fast reader's subset, but wrong: the fast pass's problem is confirmed by the full reader. */
const WRONG = "version: 1\nprojects:\n  - id: proj_a\n    keys: []\n    colour: red\n";

const sources = (text: string) => [{ path: "k.yaml", text }];

Deno.test("loadManifests() without the full reader loads a plain manifest as it does with it", () => {
  assertEquals(
    loadManifests(sources(PLAIN), POLICIES),
    loadManifests(sources(PLAIN), POLICIES, readFull),
  );
});

Deno.test("loadManifests() without the full reader throws FullReaderNeeded for an anchor and for any problem", () => {
  for (const text of [ANCHORED, WRONG]) {
    throws(() => loadManifests(sources(text), POLICIES), FullReaderNeeded);
  }
});

Deno.test("withFullReader() loads the full reader only when asked and gives what passing it gives", async () => {
  const calls: boolean[] = [];
  for (const text of [PLAIN, ANCHORED, WRONG]) {
    calls.length = 0;
    const got = await withFullReader((full) => {
      calls.push(full !== undefined);
      return loadManifests(sources(text), POLICIES, full);
    });
    assertEquals(got, loadManifests(sources(text), POLICIES, readFull));
    assertEquals(calls, text === PLAIN ? [false] : [false, true]);
  }
  const wrong = await withFullReader((full) => loadManifests(sources(WRONG), POLICIES, full));
  assertEquals(wrong.problems.map((p) => [p.line, p.column]), [[5, 5]]);
});

Deno.test("loadState() without the full reader reads the plain example state and throws FullReaderNeeded for an anchor", () => {
  const text = readExample("state.yaml");
  assertEquals(loadState("s.yaml", text, NOW_S), loadState("s.yaml", text, NOW_S, readFull));
  throws(
    () => loadState("s.yaml", "projects:\n  - &p { id: proj_a }\n", NOW_S),
    FullReaderNeeded,
  );
});
