/**
 * Fingerprints (issue 19, SPEC 11.1): SHA-256 over a canonical encoding of the item's identity, in
 * which no field can run into another.
 */
import { deepStrictEqual as assertEquals, notDeepStrictEqual, ok } from "node:assert/strict";
import {
  canonical,
  fingerprinter,
  fingerprintOf,
  type Identity,
} from "../lib/enrich/fingerprint.ts";
import type { Drift, Finding } from "../lib/core/types.ts";

async function webCrypto(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : Uint8Array.from(data);
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...d].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const BASE: Identity = {
  rule: "drift/unexpected",
  project_id: "proj_a",
  key_id: "key_1",
  key_name: "ci",
  owner: { type: "user", id: "user-1" },
  asserts: null,
  occurrence: 1,
};

Deno.test("fingerprintOf() is SHA-256 of the identity's fields as a JSON array, pinned", async () => {
  // The encoding is a contract: baseline files written today must match tomorrow.
  const encoding = JSON.stringify([
    "keydrift item",
    "drift/unexpected",
    "proj_a",
    "key_1",
    "ci",
    "user",
    "user-1",
    1,
  ]);
  assertEquals(canonical(BASE), encoding);
  assertEquals(fingerprintOf(BASE), await webCrypto(encoding));
  ok(/^[0-9a-f]{64}$/.test(fingerprintOf(BASE)));
});

Deno.test("fingerprintOf() changes with every identity field", () => {
  const changed: Identity[] = [
    { ...BASE, rule: "drift/changed" },
    { ...BASE, project_id: "proj_b" },
    { ...BASE, project_id: null },
    { ...BASE, key_id: "key_2" },
    { ...BASE, key_id: null },
    { ...BASE, key_name: "ci2" },
    { ...BASE, key_name: null },
    { ...BASE, owner: { type: "service_account", id: "user-1" } },
    { ...BASE, owner: { type: "user", id: "user-2" } },
    { ...BASE, owner: null },
    { ...BASE, occurrence: 2 },
  ];
  const all = [BASE, ...changed].map(fingerprintOf);
  assertEquals(new Set(all).size, all.length);
});

/** A finding on a key; the old encoding joined these fields with "|". */
function finding(keyId: string | null, keyName: string | null): Finding {
  return {
    policy: "key-unused",
    severity: "warning",
    projectId: "proj_a",
    keyId,
    keyName,
    facts: {},
    waived: false,
    waiver: null,
    location: null,
  };
}

Deno.test("fingerprinter() keeps apart items the old '|'-joined FNV encoding ran together", () => {
  // Each pair had one 64-bit FNV-1a fingerprint: `kind|project|key id|key name` (null as ""),
  // "#n" appended for repeats, and UTF-8 that writes every lone surrogate as U+FFFD.
  const pairs: [Finding, Finding][] = [
    [finding("key_a|b", "c"), finding("key_a", "b|c")],
    [finding(null, "x"), finding("", "x")],
    [finding("key_a", null), finding("key_a", "")],
    [finding("key_a", "ci\ud800"), finding("key_a", "ci\ufffd")],
  ];
  for (const [a, b] of pairs) {
    notDeepStrictEqual(fingerprinter()(a), fingerprinter()(b), `${a.keyName} / ${b.keyName}`);
  }
  // Two same-named entries without ids: the 2nd occurrence of "x" is not the key named "x#2".
  const next = fingerprinter();
  const fps = [next(finding(null, "x")), next(finding(null, "x")), next(finding(null, "x#2"))];
  assertEquals(new Set(fps).size, 3);
});

Deno.test("fingerprinter() takes the owner of an unexpected key into its identity, and not its line, severity or message", () => {
  const d: Drift = {
    kind: "unexpected",
    severity: "error",
    projectId: "proj_a",
    keyId: "key_1",
    keyName: "ci",
    changes: [],
    location: { file: "keydrift.yaml", line: 3, column: 5 },
    live: {
      owner: { type: "user", id: "user-1", name: "Ana", email: null, role: "owner" },
      redactedValue: "sk-...abcd",
    },
  };
  const fp = fingerprinter()(d);
  assertEquals(fp, fingerprintOf(BASE));
  const moved: Drift = {
    ...d,
    severity: "warning",
    location: { file: "other.yaml", line: 40, column: 1 },
    live: { owner: { ...d.live!.owner, name: "Ana R", role: "member" }, redactedValue: "x" },
  };
  assertEquals(fingerprinter()(moved), fp);
  const otherOwner: Drift = { ...d, live: { ...d.live!, owner: { ...d.live!.owner, id: "u2" } } };
  notDeepStrictEqual(fingerprinter()(otherOwner), fp);
});

Deno.test("asserts, a family and an org encode apart in every combination, whatever the names", () => {
  const digest = "a".repeat(64);
  // Names chosen to collide if the tags or the order were not fixed: a name equal to the other
  // tag, to a digest, or to another combination's element.
  const names = ["org", "family", digest, "x"];
  const ids: Identity[] = [];
  for (const asserts of [null, digest]) {
    for (const family of [undefined, ...names]) {
      for (const org of [undefined, ...names]) {
        ids.push({
          ...BASE,
          asserts,
          ...(family === undefined ? {} : { family }),
          ...(org === undefined ? {} : { org }),
        });
      }
    }
  }
  const encodings = ids.map(canonical);
  assertEquals(new Set(encodings).size, encodings.length);
  assertEquals(
    canonical({ ...BASE, family: "f", org: "o" }),
    JSON.stringify([
      "keydrift item",
      "drift/unexpected",
      "proj_a",
      "key_1",
      "ci",
      "user",
      "user-1",
      "family",
      "f",
      "org",
      "o",
      1,
    ]),
  );
});
