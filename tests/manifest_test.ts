import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import fc from "fast-check";
import { parse, stringify } from "yaml";
import { loadManifests } from "../lib/manifest/load.ts";
import { readFull } from "../lib/yaml/full.ts";
import { formatProblem, type ManifestProblem } from "../lib/core/errors.ts";
import { POLICIES } from "../policies/mod.ts";
import { keyNamePattern } from "../policies/key_name_pattern.ts";
import { readExample } from "./_helpers.ts";

// key-name-pattern's RE2 is loaded on demand (`loadFrom` does it for a command that reads a
// manifest naming the policy); these tests load manifests and run policies directly.
await keyNamePattern.options.pattern.prepare!();

const load = (text: string, path = "keydrift.yaml") =>
  loadManifests([{ path, text }], POLICIES, readFull);
const errors = (text: string) => {
  const r = load(text);
  return [...r.problems, ...r.waiverProblems].sort((a, b) => a.line - b.line || a.column - b.column)
    .map(formatProblem);
};

const HEAD = "version: 1\nprojects:\n  - id: proj_a\n    keys:\n";

const CASES: { name: string; yaml: string; want: string[] }[] = [
  {
    name: "unknown field with a did-you-mean",
    yaml: HEAD +
      "      - name: k\n        owner_typ: user\n        owner: { type: user, name: A }\n",
    want: ['keydrift.yaml:6:9: unknown field "owner_typ" in key entry (did you mean "owner"?)'],
  },
  {
    name: "prototype names are unknown fields, never special",
    yaml: "version: 1\n__proto__: { a: 1 }\nconstructor: x\nprojects: []\n",
    want: [
      'keydrift.yaml:2:1: unknown field "__proto__" in manifest',
      'keydrift.yaml:3:1: unknown field "constructor" in manifest',
    ],
  },
  {
    name: "duplicate key",
    yaml: "version: 1\nversion: 1\nprojects: []\n",
    want: ['keydrift.yaml:2:1: duplicate key "version"; each key may appear once in a mapping'],
  },
  {
    name: "wrong type: a number where a string is expected",
    yaml: HEAD + "      - name: 0755\n        owner: { type: user, name: A }\n",
    want: [
      'keydrift.yaml:5:15: "name" in key entry must be a string, not the number 755 (quote it to make it a string)',
    ],
  },
  {
    name: "bad enum value",
    yaml: HEAD + "      - name: k\n        owner: { type: usr, name: A }\n",
    want: [
      'keydrift.yaml:6:24: "type" in owner must be one of "user", "service_account", not "usr" (did you mean "user"?)',
    ],
  },
  {
    name: "YAML 1.1 booleans stay strings",
    yaml: HEAD + "      - name: no\n        owner: { type: user, name: on }\n",
    want: [],
  },
  {
    name: "multiple documents",
    yaml: "version: 1\nprojects: []\n---\nversion: 1\n",
    want: ["keydrift.yaml:3:1: the file must hold one YAML document; a second one starts here"],
  },
  {
    name: "tab indentation",
    yaml: "version: 1\nprojects:\n\t- id: x\n",
    want: ["keydrift.yaml:3:1: tabs are not allowed for indentation; use spaces"],
  },
  {
    name: "unknown tag",
    yaml: "version: 1\nprojects: !custom []\n",
    want: ['keydrift.yaml:2:11: unknown tag "!custom"; tags are not allowed'],
  },
  {
    name: "empty file",
    yaml: "# only a comment\n",
    want: ['keydrift.yaml:1:1: the file is empty; it needs at least "version"'],
  },
  {
    name: "wrong version",
    yaml: "version: 2\nprojects: []\n",
    want: ['keydrift.yaml:1:10: "version" in manifest must be one of 1, not 2'],
  },
  {
    name: "missing required fields",
    yaml: HEAD + "      - name: k\n",
    want: ['keydrift.yaml:5:9: missing required field "owner" in key entry'],
  },
  {
    name: "project declared twice",
    yaml: "version: 1\nprojects:\n  - id: p\n    keys: []\n  - id: p\n    keys: []\n",
    want: ['keydrift.yaml:5:5: project "p" is declared twice: here and at keydrift.yaml:3:5'],
  },
  {
    name: "a key id pinned twice",
    yaml: HEAD +
      "      - { name: a, id: key_1, owner: { type: user, name: A } }\n      - { name: b, id: key_1, owner: { type: user, name: A } }\n",
    want: [
      'keydrift.yaml:6:9: key id "key_1" is pinned by two entries: here and at keydrift.yaml:5:9',
    ],
  },
  {
    name: "email on a service account",
    yaml: HEAD + "      - name: k\n        owner: { type: service_account, name: b, email: x@y }\n",
    want: ['keydrift.yaml:6:50: "email" applies to user owners only, not service accounts'],
  },
  {
    name: "unknown policy and bad option",
    yaml:
      "version: 1\npolicies:\n  key-unusd: { severity: warning }\n  key-unused: { max_idle_dayz: 3, severity: loud }\nprojects: []\n",
    want: [
      'keydrift.yaml:3:3: unknown policy "key-unusd" in policies (did you mean "key-unused"?)',
      'keydrift.yaml:4:17: unknown field "max_idle_dayz" in policy key-unused (did you mean "max_idle_days"?)',
      'keydrift.yaml:4:45: "severity" in policy key-unused must be one of "error", "warning", "off", not "loud"',
    ],
  },
  {
    name: "option of the wrong type and an invalid regular expression",
    yaml:
      'version: 1\npolicies:\n  key-unused: { max_idle_days: "90" }\n  key-name-pattern: { pattern: "([a-z" }\nprojects: []\n',
    want: [
      'keydrift.yaml:3:32: "max_idle_days" in policy key-unused must be a whole number, not the string "90"',
      'keydrift.yaml:4:23: policy key-name-pattern option "pattern": not a valid regular expression (error parsing regexp: missing closing ]: `[a-z`)',
    ],
  },
  {
    name: "waiver without a reason, with a bad date, for an unknown project",
    yaml:
      "version: 1\nprojects:\n  - id: p\n    keys: []\nwaivers:\n  - { policy: key-unused, project: p, key: a, expires: 2027-01-01 }\n" +
      "  - { policy: key-unused, project: p, key: a, reason: r, expires: 2027-02-30 }\n" +
      "  - { policy: key-unused, project: q, key: a, reason: r, expires: 2027-01-01 }\n",
    want: [
      'keydrift.yaml:6:5: missing required field "reason" in waiver',
      'keydrift.yaml:7:5: malformed waiver for key-unused: expires "2027-02-30" is not a real date',
      'keydrift.yaml:8:5: waiver names project "q", which no manifest declares (did you mean "p"?)',
    ],
  },
  {
    name: "YAML syntax errors after a token spanning lines keep their real line and column",
    yaml: "version: 1\n]@\ndefaults:\n  unmanaged: error\n",
    want: [
      'keydrift.yaml:2:1: unexpected flow-seq-end token in YAML stream: "]"',
      'keydrift.yaml:2:2: unexpected scalar token in YAML stream: "@\\ndefaults"',
      'keydrift.yaml:3:9: unexpected map-value-ind token in YAML stream: ":"',
      'keydrift.yaml:4:3: unexpected scalar token in YAML stream: "unmanaged"',
      'keydrift.yaml:4:12: unexpected map-value-ind token in YAML stream: ":"',
      'keydrift.yaml:4:14: unexpected scalar token in YAML stream: "error"',
    ],
  },
  {
    name: "20 aliases are followed",
    yaml: HEAD + "      - { name: k0, owner: &o { type: user, name: A } }\n" +
      Array.from({ length: 20 }, (_, i) => `      - { name: k${i + 1}, owner: *o }\n`).join(""),
    want: [],
  },
  {
    name: "the 21st alias is refused with one located error",
    yaml: HEAD + "      - { name: k0, owner: &o { type: user, name: A } }\n" +
      Array.from({ length: 21 }, (_, i) => `      - { name: k${i + 1}, owner: *o }\n`).join(""),
    want: ["keydrift.yaml:26:29: too many aliases (more than 20); write the values out"],
  },
];

for (const c of CASES) {
  Deno.test(`loadManifests() ${c.name}`, () => {
    assertEquals(errors(c.yaml), c.want);
  });
}

Deno.test("loadManifests() accepts the example manifest and locates every entry", () => {
  const r = load(readExample("keydrift.yaml"), "examples/keydrift.yaml");
  assertEquals(r.problems, []);
  const payments = r.manifest!.projects[0];
  assertEquals(payments.location, { file: "examples/keydrift.yaml", line: 13, column: 5 });
  assertEquals(payments.keys[0].location.line, 17);
  assertEquals(payments.keys[0].id, "key_Q4vT8mZp2LcW9sNa");
  assertEquals(r.manifest!.projects[1].unmanaged, "ignore");
  assertEquals(r.manifest!.projects[0].unmanaged, "error");
});

Deno.test("loadManifests() merges files; a project in two files names both places", () => {
  const a = "version: 1\ndefaults: { unmanaged: warning }\nprojects:\n  - id: p1\n    keys: []\n";
  const b = "version: 1\nprojects:\n  - id: p2\n    keys: []\n  - id: p1\n    keys: []\n";
  const r = loadManifests(
    [{ path: "a.yaml", text: a }, { path: "b.yaml", text: b }],
    POLICIES,
    readFull,
  );
  assertEquals(r.problems.map(formatProblem), [
    'b.yaml:5:5: project "p1" is declared twice: here and at a.yaml:4:5',
  ]);
  const ok = loadManifests(
    [{ path: "a.yaml", text: a }, {
      path: "b.yaml",
      text: b.replace("  - id: p1\n    keys: []\n", ""),
    }],
    POLICIES,
    readFull,
  );
  assertEquals(ok.manifest!.projects.map((p) => [p.id, p.unmanaged]), [["p1", "warning"], [
    "p2",
    "warning",
  ]]);
});

Deno.test("loadManifests() reads a BOM and CRLF line ends", () => {
  const r = load("\ufeffversion: 1\r\nprojects:\r\n  - id: p\r\n    keys: []\r\n");
  assertEquals(r.problems, []);
});

const RUNS = Number(Deno.env.get("KEYDRIFT_FUZZ_RUNS") ?? 300);

/**
 * Throws unless every problem's line and column fall inside `text` (the end of a line counts).
 * Lines end at "\n", as keydrift counts them (a CR before it is the line's last character).
 */
function assertLocatedInside(text: string, problems: readonly ManifestProblem[]) {
  const lines = text.split("\n");
  for (const p of problems) {
    const where = `${p.line}:${p.column} (${p.message}) in ${JSON.stringify(text.slice(0, 300))}`;
    ok(p.line >= 1 && p.line <= lines.length, `line outside the text: ${where}`);
    ok(p.column >= 1 && p.column <= lines[p.line - 1].length + 1, `column outside: ${where}`);
  }
}

/** A manifest's content without its source locations (Maps as sorted entry lists). */
function content(v: unknown): unknown {
  if (v instanceof Map) return [...v].sort(([a], [b]) => (a < b ? -1 : 1)).map(content);
  if (Array.isArray(v)) return v.map(content);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v).filter(([k]) => k !== "location" && k !== "files").map((
        [k, x],
      ) => [k, content(x)]),
    );
  }
  return v;
}

Deno.test("loadManifests() never throws on arbitrary text and locates every problem inside it (property)", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary", maxLength: 400 }), (text) => {
      const r = load(text);
      assertLocatedInside(text, [...r.problems, ...r.waiverProblems]);
    }),
    { numRuns: RUNS },
  );
});

Deno.test("mutated valid manifests: every problem is located inside the text; a clean one reads the same when rewritten in another YAML style (property)", () => {
  const base = readExample("keydrift.yaml");
  const lines = base.split("\n");
  let clean = 0;
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(fc.nat(lines.length - 1), fc.nat(60), fc.string({ maxLength: 8 }), fc.boolean()),
        { maxLength: 6 },
      ),
      fc.constantFrom("block", "flow") as fc.Arbitrary<"block" | "flow">,
      (mutations, collectionStyle) => {
        const ls = [...lines];
        for (const [i, at, ins, drop] of mutations) {
          const l = ls[i] ?? "";
          ls[i] = drop ? l.slice(0, at) : l.slice(0, at) + ins + l.slice(at);
        }
        const text = ls.join("\n");
        const r = load(text);
        assertLocatedInside(text, [...r.problems, ...r.waiverProblems]);
        if (!r.manifest) return;
        clean++;
        const rewritten = stringify(parse(text), {
          collectionStyle,
          defaultStringType: "QUOTE_DOUBLE",
        });
        const again = load(rewritten);
        assertEquals(again.problems, [], rewritten);
        assertEquals(content(again.manifest), content(r.manifest), rewritten);
      },
    ),
    { numRuns: RUNS },
  );
  ok(clean > 0, "no mutated manifest was clean: the round trip was never checked");
});

/** A block-style manifest of `projects` x `keys` entries, and the line of each key entry. */
function generated(projects: number, keys: number) {
  const out = ["version: 1", "projects:"];
  const entryLine: number[][] = [];
  for (let p = 0; p < projects; p++) {
    out.push(`  - id: proj_${p}`, "    keys:");
    entryLine.push([]);
    for (let k = 0; k < keys; k++) {
      entryLine[p].push(out.length + 1);
      out.push(
        `      - name: key-${k}`,
        `        owner: { type: service_account, name: bot-${k} }`,
      );
    }
  }
  return { lines: out, entryLine };
}

/** Edits that make a valid entry invalid, and the problem each must produce at the entry. */
const BREAKS: { edit: (entry: string[]) => string[]; want: RegExp; line: (l: number) => number }[] =
  [
    {
      edit: ([name, owner]) => [name, "        colour: red", owner],
      want: /^unknown field "colour" in key entry$/,
      line: (l) => l + 1,
    },
    {
      edit: ([name]) => [name],
      want: /^missing required field "owner" in key entry$/,
      line: (l) => l,
    },
    {
      edit: ([name, owner]) => [name, owner.replace("service_account", "robot")],
      want: /^"type" in owner must be one of "user", "service_account", not "robot"$/,
      line: (l) => l + 1,
    },
    {
      edit: ([, owner]) => ["      - name: [a, list]", owner],
      want: /^"name" in key entry must be a string, not a list$/,
      line: (l) => l,
    },
  ];

Deno.test("breaking one key entry anywhere gives that entry's problem at its line (property)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 5 }),
      fc.nat(),
      fc.nat(),
      fc.nat(BREAKS.length - 1),
      (projects, keys, p, k, b) => {
        const { lines, entryLine } = generated(projects, keys);
        const at = entryLine[p % projects][k % keys];
        const brk = BREAKS[b];
        const broken = [
          ...lines.slice(0, at - 1),
          ...brk.edit(lines.slice(at - 1, at + 1)),
          ...lines.slice(at + 1),
        ].join("\n") + "\n";
        assertEquals(load(lines.join("\n") + "\n").problems, []);
        const r = load(broken);
        assertEquals(r.manifest, null);
        assertEquals(
          r.problems.map((x) => [x.line, brk.want.test(x.message)]),
          [[brk.line(at), true]],
          `${JSON.stringify(r.problems)}\n${broken}`,
        );
      },
    ),
    { numRuns: RUNS },
  );
});
