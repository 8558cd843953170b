/**
 * Fuzzing the CLI: hostile manifests (unicode, huge strings, deep nesting, alias bombs, 1 MB
 * lines, NUL bytes, CRLF, BOM, bidi controls) through `validate` and `check --fake`. They never
 * crash, never hang, exit 0 or 1, and every problem line is located inside the file.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import fc from "fast-check";
import { CHECK_FAKE, readExample, runCli } from "./_helpers.ts";

const RUNS = Math.ceil(Number(Deno.env.get("KEYDRIFT_FUZZ_RUNS") ?? 300) / 3);
const BASE = readExample("keydrift.yaml");
const STATE = readExample("state.yaml");
const MB_LINE = "x".repeat(1 << 20);
const BOMB = Array.from(
  { length: 9 },
  (_, i) => `l${i}: &l${i} [${Array(9).fill(i ? `*l${i - 1}` : "lol").join(",")}]`,
).join("\n");

/** The example manifest with each edit (at, how many to delete, what to insert) applied. */
function mutate(edits: [number, number, string][]): string {
  let text = BASE;
  for (const [at, del, ins] of edits) {
    const i = at % (text.length + 1);
    text = text.slice(0, i) + ins + text.slice(i + del);
  }
  return text;
}

/** Checks one CLI result against the contract for bad input. */
function wellBehaved(text: string, r: { code: number; stdout: string; stderr: string }) {
  const what = JSON.stringify(text.slice(0, 200));
  ok(r.code === 0 || r.code === 1 || r.code === 2, `exit ${r.code} for ${what}`);
  ok(!/^\s+at /m.test(r.stderr + r.stdout), `a stack trace for ${what}`);
  ok(!/Maximum call stack|RangeError|TypeError/.test(r.stderr), `${r.stderr} for ${what}`);
  if (r.code !== 1) return;
  const lines = text.split("\n").length;
  const located = r.stderr.split("\n").filter((l) => l.startsWith("keydrift.yaml:"));
  ok(located.length > 0 || /^keydrift: /m.test(r.stderr), `no message for ${what}`);
  for (const l of located) {
    const m = /^keydrift\.yaml:(\d+):(\d+): \S/.exec(l);
    ok(m, `an unlocated problem line ${JSON.stringify(l.slice(0, 200))}`);
    ok(Number(m[1]) >= 1 && Number(m[1]) <= lines + 1, `line out of range in ${l.slice(0, 200)}`);
    ok(Number(m[2]) >= 1, `column out of range in ${l.slice(0, 200)}`);
  }
}

async function validate(text: string) {
  const r = await runCli(["validate", "-m", "keydrift.yaml"], { files: { "keydrift.yaml": text } });
  wellBehaved(text, r);
  return r;
}

Deno.test("hostile manifests: each gives its expected exit code (0 or 1), the bad ones the expected message", async () => {
  const cases: [string, string, number, RegExp | null][] = [
    ["NUL byte", BASE.replace("proj_search", "proj_\0search"), 1, /:\d+:\d+: character U\+0000/],
    ["CRLF line ends", BASE.replaceAll("\n", "\r\n"), 0, null],
    ["BOM", "\ufeff" + BASE, 0, null],
    ["bidi override", BASE.replace("ana-laptop", "ana-\u202epotpal"), 1, /bidirectional control/],
    ["1 MB comment line", BASE + "# " + MB_LINE + "\n", 0, null],
    ["1 MB value", BASE.replace("name: payments", `name: ${MB_LINE}`), 0, null],
    ["5 MB key name", BASE.replace("name: payments", `${"k".repeat(5 << 20)}: 1`), 1, /:\d+:\d+:/],
    [
      "deep flow nesting",
      `version: 1\nprojects: ${"[".repeat(50_000)}\n`,
      1,
      /more than 64 levels/,
    ],
    ["deep mapping nesting", `version: 1\nprojects: ${"{a: ".repeat(50_000)}\n`, 1, /more than 64/],
    // Never expanded: each alias is checked once, where it is used, and the count is capped.
    [
      "alias bomb",
      `${BOMB}\nversion: 1\nprojects: *l8\n`,
      1,
      /^keydrift\.yaml:9:10: an entry of "projects" in manifest must be a mapping, not a list$/m,
    ],
    [
      "alias bomb, deeper",
      `${BOMB}\nversion: 1\nprojects: [${Array(30).fill("*l0").join(", ")}]\n`,
      1,
      /too many aliases/,
    ],
    ["unicode everywhere", BASE.replace("Ana Ruiz", "Ána Рuiz 😀 \u0301"), 0, null],
    ["tab indentation", BASE.replace("  - id: proj_search", "\t- id: proj_search"), 1, /tabs/],
  ];
  for (const [name, text, code, re] of cases) {
    const r = await validate(text);
    assertEquals(r.code, code, `${name}: ${r.stderr.slice(0, 500)}`);
    ok(r.stderr.length < 20_000, `${name}: ${r.stderr.length} bytes of messages`);
    if (re) ok(re.test(r.stderr), `${name}: ${r.stderr.slice(0, 500)}`);
  }
});

const NASTY = fc.oneof(
  fc.constantFrom(
    "\0",
    "\r\n",
    "\r",
    "\ufeff",
    "\t",
    "\u202e",
    "😀",
    "\ud800",
    "&a ",
    "*a",
    "!!binary ",
    "|\n",
    ">-\n",
    "\n---\n",
    "%YAML 1.2\n",
    "? ",
    ": ",
    "- ",
    "#",
    "'",
    '"',
    "\\",
    "[".repeat(100),
    "{a: ".repeat(100),
    `\n${BOMB}\n`,
  ),
  fc.constant(MB_LINE),
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.string({ unit: "grapheme", maxLength: 30 }),
);

Deno.test("property: mutated manifests through validate never crash, hang or go unlocated", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.nat(BASE.length), fc.nat(20), NASTY), { minLength: 1, maxLength: 4 }),
      async (edits) => {
        const text = mutate(edits);
        await validate(text);
      },
    ),
    { numRuns: RUNS },
  );
});

Deno.test("property: mutated manifests through check --fake exit 0, 1 or 2, never crash", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.nat(BASE.length), fc.nat(8), NASTY), { minLength: 1, maxLength: 2 }),
      async (edits) => {
        const text = mutate(edits);
        const r = await runCli(
          [...CHECK_FAKE, "--format", "json=r.json"],
          { files: { "keydrift.yaml": text, "state.yaml": STATE } },
        );
        wellBehaved(text, r);
        if (r.code !== 1) {
          const report = JSON.parse(r.files.get("r.json")!);
          assertEquals(report.exit_code, r.code);
        }
      },
    ),
    { numRuns: Math.ceil(RUNS / 2) },
  );
});
