/**
 * Many same-named entries against many same-named keys (issue 19 follow-up, M1): matching is
 * linear in entries plus keys, an ambiguous item lists at most `CANDIDATES_SHOWN` candidates with
 * the count of all, so no report grows with entries times keys; and nothing in lib/ spreads a
 * list into a call, which overflows the stack on a few hundred thousand elements. Bounds on work
 * and size, never on time.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { diffKeys, emptyDiff } from "../lib/assess/keys.ts";
import { CANDIDATES_SHOWN, type DeclaredKey, type LiveKey } from "../lib/core/types.ts";
import { append, minimum } from "../lib/core/arrays.ts";
import { idSetDigest } from "../lib/core/ids.ts";
import { check, key, realApi } from "./_real_api.ts";

/** `n` live keys named `deploy`, owned by users other than the entries' owner; reads counted. */
function countedKeys(n: number, reads: { n: number }): LiveKey[] {
  return Array.from({ length: n }, (_, i) => {
    const k: LiveKey = {
      id: `key_${String(i).padStart(6, "0")}`,
      name: "deploy",
      redactedValue: "sk-proj-****abcd",
      createdAt: 1,
      lastUsedAt: null,
      expiresAt: null,
      ownerProjectAccess: "active",
      owner: { type: "user", id: `user-${i}`, name: `User ${i}`, role: "owner" },
    };
    let owner = k.owner;
    Object.defineProperty(k, "owner", {
      get: () => (reads.n++, owner),
      set: (o) => (owner = o),
    });
    return k;
  });
}

const entry = (line: number): DeclaredKey => ({
  name: "deploy",
  owner: { type: "user", name: "Cleo" },
  location: { file: "keydrift.yaml", line, column: 9 },
} as DeclaredKey);

Deno.test("200 same-named entries against 20,000 same-named keys: work linear in entries plus keys, each item lists 20 candidates and counts all", () => {
  const E = 200, N = 20_000;
  const reads = { n: 0 };
  const keys = countedKeys(N, reads);
  const out = emptyDiff();
  diffKeys({
    scope: { kind: "project", id: "proj_a" },
    entries: Array.from({ length: E }, (_, i) => entry(i + 1)),
    keys,
    unmanaged: "error",
    location: { file: "keydrift.yaml", line: 1, column: 5 },
  }, out);
  assertEquals(out.drift.length, E);
  const set = idSetDigest(keys.map((k) => k.id));
  for (const d of out.drift) {
    assertEquals(d.kind, "ambiguous");
    assertEquals(d.candidates!.length, CANDIDATES_SHOWN);
    assertEquals(d.candidates![0].id, "key_000000");
    assertEquals(d.candidatesTotal, N);
    assertEquals(d.candidateSet, set);
  }
  assertEquals(out.counts.candidates, N);
  // Each key's owner is read a few times in all (indexing, one candidate list), never per entry.
  ok(reads.n <= 5 * (E + N), `${reads.n} owner reads for ${E} entries and ${N} keys`);
});

Deno.test("an ambiguous item of 30 fitting keys: JSON lists 20 with candidates_total 30, text, markdown and JUnit say the 10 more", async () => {
  const keys = Array.from(
    { length: 30 },
    (_, i) => key(`key_d${String(i).padStart(2, "0")}`, "deploy"),
  );
  const manifest = `version: 1
projects:
  - id: proj_alpha
    keys:
      - name: deploy
        owner: { type: user, name: Cleo }
`;
  const r = await check(realApi({ keys }), {
    manifest,
    args: ["--format", "markdown=r.md", "--format", "junit=r.xml"],
  });
  assertEquals(r.code, 2, r.stderr);
  const [item] = r.report.drift as { candidates: { id: string }[]; candidates_total: number }[];
  assertEquals(item.candidates.map((c) => c.id), keys.slice(0, 20).map((k) => k.id));
  assertEquals(item.candidates_total, 30);
  ok(r.stdout.includes("30 live keys fit"), r.stdout);
  ok(r.stdout.includes("and 10 more"), r.stdout);
  for (const f of ["r.md", "r.xml"]) ok(r.files.get(f)!.includes("and 10 more fit"), f);
});

Deno.test("append() and minimum() take a million elements, where spreading them into a call overflows the stack", () => {
  const big = Array.from({ length: 1_000_000 }, (_, i) => 1_000_000 - i);
  assertEquals(append([0], big).length, 1_000_001);
  assertEquals(minimum(big), 1);
  assertEquals(minimum([]), Infinity);
});

Deno.test("nothing in lib/ spreads a list into a call (push(...xs), Math.min(...xs)): core/arrays.ts does it for any length", () => {
  const spread = /\.(push|unshift)\(\.\.\.|Math\.(min|max)\(\.\.\./;
  const found: string[] = [];
  const walk = (dir: URL) => {
    for (const e of Deno.readDirSync(dir)) {
      const url = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
      if (e.isDirectory) walk(url);
      else if (e.name.endsWith(".ts") && e.name !== "arrays.ts") {
        Deno.readTextFileSync(url).split("\n").forEach((l, i) => {
          if (spread.test(l) && !l.trim().startsWith("*")) found.push(`${url.pathname}:${i + 1}`);
        });
      }
    }
  };
  walk(new URL("../lib/", import.meta.url));
  assertEquals(found, []);
});
