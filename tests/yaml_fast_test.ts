/**
 * The fast reader against the full `yaml` reader (the oracle): wherever the fast reader accepts
 * a text, the full reader must accept it too and build the identical tree (values, scalar
 * styles, offsets). It may give up on anything; it must never disagree.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import fc from "fast-check";
import { stringify } from "yaml";
import { GiveUp, parseFast, resolvePlain } from "../lib/yaml/fast.ts";
import { parseAndCheck } from "../lib/yaml/check.ts";
import { readFull } from "../lib/yaml/full.ts";
import { buildSchema } from "../lib/manifest/schema.ts";
import { POLICIES } from "../policies/mod.ts";
import type { ManifestProblem } from "../lib/core/errors.ts";
import type { YNode } from "../lib/yaml/node.ts";
import { manifestFor } from "../lib/manifest/writer.ts";
import type { LiveKey } from "../lib/core/types.ts";

const HEAD = "version: 1\nprojects:\n  - id: proj_a\n    keys:\n";
const SCHEMA = buildSchema(POLICIES);
const RUNS = Number(Deno.env.get("KEYDRIFT_FUZZ_RUNS") ?? 300);

/** The full reader's tree, or "invalid" when it reports problems. */
function full(text: string): YNode | null | "invalid" {
  const problems: ManifestProblem[] = [];
  const tree = readFull("f.yaml", text, problems);
  return tree === undefined ? "invalid" : tree;
}

/** The whole tree, with every lazily read item read; undefined if the fast reader gives up. */
function materialize(node: YNode | null): YNode | null {
  if (node === null) return null;
  switch (node.kind) {
    case "lazyseq":
      return {
        kind: "seq",
        offset: node.offset,
        items: Array.from({ length: node.length }, (_, i) => materialize(node.item(i))),
      };
    case "seq":
      return { ...node, items: node.items.map(materialize) };
    case "map":
      return {
        ...node,
        pairs: node.pairs.map((p) => ({ key: materialize(p.key), value: materialize(p.value) })),
      };
    default:
      return node;
  }
}

function fastTree(text: string): YNode | null | undefined {
  try {
    const tree = parseFast(text);
    return tree === undefined ? undefined : materialize(tree);
  } catch (e) {
    if (e instanceof GiveUp) return undefined;
    throw e;
  }
}

/** The property: fast gives up, or agrees exactly with the full reader. */
function agrees(text: string): boolean {
  const fast = fastTree(text);
  if (fast === undefined) return false;
  const oracle = full(text);
  assert(oracle !== "invalid", `fast reader accepted invalid YAML: ${JSON.stringify(text)}`);
  assertEquals(fast, oracle, `trees differ for ${JSON.stringify(text)}`);
  return true;
}

Deno.test("the fast reader takes the usual manifest styles and agrees with yaml", async () => {
  const texts = [
    await Deno.readTextFile(new URL("../examples/keydrift.yaml", import.meta.url)),
    "---\nversion: 1 # a comment\nprojects:\n- id: 'it''s'\n  keys: []\n",
    'version: 1\r\nprojects:\r\n  - id: p\r\n    keys:\r\n      - { name: a, owner: { type: user, name: "A B" } }\r\n',
    "a:\n  b:\n    - 1\n    -\n    - x: -2.5e3\n      y: .inf\n      z: ~\nc: [a, 'b', \"c\", {}, [], {d: }, e f]\nd: http://x#y\n",
    "k: v # c\n# full-line comment\n   # indented comment\nl:   # c\n  m: 0x1F\nn: 0o17\n",
    "list:\n-   a\n-  - b\n   - c\n- \n  d: true\n",
  ];
  for (const t of texts) assert(agrees(t), `fast reader gave up on ${JSON.stringify(t)}`);
});

Deno.test("the fast reader takes import's output and the bench's flow style", () => {
  const key = (id: string, name: string, owner: LiveKey["owner"]): LiveKey => ({
    id,
    name,
    redactedValue: "sk-proj-****abcd",
    createdAt: 0,
    lastUsedAt: null,
    expiresAt: null,
    ownerProjectAccess: "active",
    owner,
  });
  const text = manifestFor([{
    project: { id: "proj_a", name: "a", status: "active" },
    keys: [
      key("k1", "k: one", {
        type: "user",
        id: "u1",
        name: "Ana Ruiz",
        email: "a@x",
        role: "owner",
      }),
      key("k2", "#2", { type: "service_account", id: "sa1", name: "bot", role: "member" }),
    ],
  }], "2026-11-20");
  assert(agrees(text), text);
  const flow = "version: 1\nprojects:\n  - id: proj_0\n    keys:\n" +
    "      - { name: key-1, id: key_0_1, owner: { type: service_account, name: bot } }\n";
  assert(agrees(flow));
});

Deno.test("the fast reader gives up on what it does not handle", () => {
  for (
    const t of [
      "a: &x 1\nb: *x\n",
      "a: !!str 1\n",
      "a: |\n  text\n",
      "a: >\n  text\n",
      "a: multi\n  line\n",
      'a: "esc\\n"\n',
      "a: 'open\n  close'\n",
      "a: [1,\n  2]\n",
      "a: 1\na: 2\n",
      "a: 1\n---\nb: 2\n",
      "%YAML 1.2\n---\na: 1\n",
      "a:\tb\n",
      "? a\n: b\n",
      "  a: 1\n",
      "a: b: c\n",
      "a: 1\n  b: 2\n",
      "a:\n    b: 1\n  c: 2\n",
      "1: x\n",
      "a: {b}\n",
      "a: [b: c]\n",
      "a: [ , ]\n",
      "a: x\0y\n",
      "a: 1\rb: 2\n",
    ]
  ) assertEquals(fastTree(t), undefined, JSON.stringify(t));
});

Deno.test("plain scalars resolve as the YAML 1.2 core schema says", () => {
  const cases: [string, unknown][] = [
    ["", null],
    ["~", null],
    ["Null", null],
    ["nULL", "nULL"],
    ["TRUE", true],
    ["yes", "yes"],
    ["no", "no"],
    ["0755", 755],
    ["0o17", 15],
    ["0x1f", 31],
    ["1_000", "1_000"],
    ["-1.5e3", -1500],
    [".5", 0.5],
    ["-.Inf", -Infinity],
    [".NaN", NaN],
    ["2026-12-31", "2026-12-31"],
    ["+12", 12],
  ];
  for (const [s, want] of cases) {
    assertEquals(resolvePlain(s), want, s);
    const oracle = full(`k: ${s}\n`);
    assert(oracle !== "invalid" && oracle?.kind === "map");
    const v = oracle.pairs[0].value;
    assertEquals(v?.kind === "scalar" ? v.value : "?", want, `yaml disagrees on ${s}`);
  }
});

const scalar = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom("a b", "k: v", "#x", "x #y", "- a", "'q'", '"q"', "[a]", "{a}", "null", "~"),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalar, tie("list"), tie("map")),
  list: fc.array(tie("node"), { maxLength: 4 }),
  map: fc.dictionary(fc.string({ maxLength: 8 }), tie("node"), { maxKeys: 4 }),
})).map;
const options = fc.record({
  indent: fc.integer({ min: 1, max: 4 }),
  indentSeq: fc.boolean(),
  flowCollectionPadding: fc.boolean(),
  defaultStringType: fc.constantFrom("PLAIN", "QUOTE_SINGLE", "QUOTE_DOUBLE"),
  defaultKeyType: fc.constantFrom(null, "PLAIN", "QUOTE_SINGLE"),
  collectionStyle: fc.constantFrom("any", "block", "flow"),
  lineWidth: fc.constant(0),
});

Deno.test("property: on any document yaml writes, the fast reader agrees or gives up", () => {
  let taken = 0;
  fc.assert(
    fc.property(value, options, (v, o) => {
      // deno-lint-ignore no-explicit-any
      const text = stringify(v, o as any);
      if (agrees(text)) taken++;
    }),
    { numRuns: RUNS },
  );
  assert(taken > RUNS / 4, `the fast reader took only ${taken} of ${RUNS} documents`);
});

Deno.test("property: on mutated manifests, the fast reader agrees or gives up", async () => {
  const base = await Deno.readTextFile(new URL("../examples/keydrift.yaml", import.meta.url));
  const pieces = [
    " ",
    "  ",
    "\n",
    "-",
    ": ",
    ":",
    "#",
    " #",
    "'",
    '"',
    "[",
    "]",
    "{",
    "}",
    ",",
    "x",
  ];
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(base.length), fc.nat(3), fc.constantFrom(...pieces)), {
        minLength: 1,
        maxLength: 4,
      }),
      (edits) => {
        let text = base;
        for (const [at, del, ins] of edits) {
          const i = at % (text.length + 1);
          text = text.slice(0, i) + ins + text.slice(i + del);
        }
        agrees(text);
        // Whichever reader runs, the checked value and every problem are the same.
        const auto: ManifestProblem[] = [];
        const full: ManifestProblem[] = [];
        const a = parseAndCheck("k.yaml", text, SCHEMA, auto, { full: readFull });
        const f = parseAndCheck("k.yaml", text, SCHEMA, full, { reader: "full", full: readFull });
        assertEquals(auto, full);
        assertEquals(a?.value, f?.value);
      },
    ),
    { numRuns: RUNS },
  );
});

Deno.test("an entry outside the subset, found only when read, restarts the file in full", () => {
  const schema = SCHEMA;
  const texts = [
    // Entry 1 has a schema problem (found by the fast pass); entry 3 has an anchor and an
    // alias (the fast reader gives up there); the result must be the full reader's alone.
    HEAD + "      - { name: a, owner: { type: user, name: A }, colour: red }\n" +
    "      - { name: b, owner: { type: user, name: B } }\n" +
    "      - name: c\n        owner: &o { type: user, name: C }\n" +
    "      - { name: d, owner: *o }\n",
    // An unknown field's entries are never read by the fast pass; the YAML error in them is
    // still reported (the full pass runs whenever the fast one finds a problem).
    "version: 1\nprojects: []\nbogus:\n  - a: [unclosed\n  - b: 1\n",
    // Entry 2 has a duplicate key: the located YAML error, once.
    HEAD + "      - { name: a, owner: { type: user, name: A }, colour: red }\n" +
    "      - name: b\n        name: b2\n        owner: { type: user, name: B }\n",
  ];
  for (const text of texts) {
    const auto: ManifestProblem[] = [];
    const fullProblems: ManifestProblem[] = [];
    const a = parseAndCheck("k.yaml", text, schema, auto, { full: readFull });
    const f = parseAndCheck("k.yaml", text, schema, fullProblems, {
      reader: "full",
      full: readFull,
    });
    assertEquals(auto, fullProblems);
    assertEquals(a?.value, f?.value);
    assert(auto.length > 0);
  }
});

Deno.test("a one-line flow mapping with a repeated key is left to the full reader, with 3 pairs or 40", () => {
  for (const n of [3, 40]) {
    const keys = Array.from({ length: n }, (_, i) => `k${i}: ${i}`);
    assert(parseFast(`a: { ${keys.join(", ")} }\n`) !== undefined, `${n} distinct keys`);
    for (const at of [1, n - 1]) {
      const repeated = [...keys, `k${at}: x`].join(", ");
      assertEquals(parseFast(`a: { ${repeated} }\n`), undefined, `${n} keys, k${at} twice`);
    }
  }
});
