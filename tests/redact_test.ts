import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import fc from "fast-check";
import { XMLValidator } from "fast-xml-parser";
import { PIECE, redact, scrubber, scrubValue } from "../lib/secrets/redact.ts";
import { RENDERERS } from "../lib/render/mod.ts";
import { reportWith } from "./_reports.ts";
import { ADMIN_KEY, runCli } from "./_helpers.ts";

Deno.test("redact() removes known secrets and secret-shaped tokens in keys, URLs and headers", () => {
  const cases: [string, string][] = [
    [`key ${ADMIN_KEY} end`, "key [REDACTED] end"],
    ["sk-proj-abcdefghijklmnopqrstuvwxyz", "sk-[REDACTED]"],
    ["https://bob:hunter2@api.example.test/v1", "https://[REDACTED]@api.example.test/v1"],
    ["https://sk-admin-abc@h/v1", "https://[REDACTED]@h/v1"],
    ["http://h/v1?api_key=abc123&x=1", "http://h/v1?api_key=[REDACTED]&x=1"],
    ["http://h/v1?token=abc#f", "http://h/v1?token=[REDACTED]#f"],
    ["Authorization: Bearer abc.def", "Authorization: Bearer [REDACTED]"],
    ["Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic [REDACTED]"],
    ["redacted sk-admin-****abcd stays", "redacted sk-admin-****abcd stays"],
  ];
  for (const [input, want] of cases) assertEquals(redact(input, [ADMIN_KEY]), want, input);
});

Deno.test("redact() redacts the admin key without its prefix and any 12-character piece of it", () => {
  const bare = ADMIN_KEY.slice("sk-admin-".length);
  assertEquals(redact(`a ${bare} b`, [ADMIN_KEY]), "a [REDACTED] b");
  assertEquals(redact(`a x${ADMIN_KEY.slice(12, 24)}y b`, [ADMIN_KEY]), "a x[REDACTED]y b");
  // 11 characters are not a piece: left alone, so ordinary words never match by accident.
  assertEquals(
    redact(`a ${ADMIN_KEY.slice(12, 23)} b`, [ADMIN_KEY]),
    `a ${ADMIN_KEY.slice(12, 23)} b`,
  );
  // Through Markdown escapes (`\_`, `\-`), which a viewer removes.
  const escaped = ADMIN_KEY.replace(/[-_.]/g, (c) => `\\${c}`);
  assertEquals(redact(`x ${escaped} y`, [ADMIN_KEY]), "x [REDACTED] y");
});

Deno.test("redact() never touches quotes, backslash escapes, entities or newlines around a secret", () => {
  const k = ADMIN_KEY;
  const cases: [string, string][] = [
    [
      `{"a":"Bearer abc\\"","b":"?token=1\\"}"}`,
      `{"a":"Bearer [REDACTED]\\"","b":"?token=[REDACTED]\\"}"}`,
    ],
    [`"x\\n${k}"`, `"x\\n[REDACTED]"`],
    [`"\\u001b${k.slice(9)}"`, `"\\u001b[REDACTED]"`],
    [
      `<f m="Bearer x&quot;y">&amp;token=abc&lt;</f>`,
      `<f m="Bearer [REDACTED]&quot;y">&amp;token=[REDACTED]&lt;</f>`,
    ],
    [`\\x1b${k}\n`, `\\x1b[REDACTED]\n`],
  ];
  for (const [input, want] of cases) assertEquals(redact(input, [k]), want, input);
  // A short secret is replaced only as a whole word, never inside the document's own markup.
  assertEquals(
    redact(`<testcase name="x">case</testcase>`, ["case"]),
    `<testcase name="x">[REDACTED]</testcase>`,
  );
});

Deno.test("scrubValue() replaces a secret whatever characters it holds, then what redact() finds", () => {
  assertEquals(scrubValue('a sk-admin-x\ny"z b', ['sk-admin-x\ny"z']), "a [REDACTED] b");
  assertEquals(scrubValue(`echo ${ADMIN_KEY}`, [ADMIN_KEY]), "echo [REDACTED]");
  assertEquals(scrubValue("Bearer abc", []), "Bearer [REDACTED]");
});

Deno.test("a piece of the admin key inside something shaped like an entity (&TESTSECRET0123; &#0123456789abc;) is redacted: only the entities renderers write are kept whole", () => {
  const { secrets, redact: scrubDoc } = scrubber([ADMIN_KEY]);
  for (
    const v of ["&TESTSECRET0123;", "&#0123456789abc;", "a&0123456789abcdef;b", "&#x0123456789abc;"]
  ) {
    for (const out of [secrets(v), scrubDoc(v)]) {
      for (const p of pieces(ADMIN_KEY)) ok(!out.includes(p), JSON.stringify([v, out]));
    }
  }
  // The renderers' own entities are never cut.
  for (const e of ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#39;", "&#x1F;"]) {
    assertEquals(scrubDoc(`a${e}b`), `a${e}b`);
  }
});

/** Characters a secret may hold: mostly its own alphabet, sometimes one a format must escape. */
const SECRET_CHAR = fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom(..."abcdefXYZ0123456789_-.") },
  { weight: 1, arbitrary: fc.constantFrom("\n", '"', "\\", "<", "&", " ", "`", "\x1b", "*") },
);

/** Pieces a hostile server string is made of. */
function hostile(secret: string) {
  return fc.array(
    fc.oneof(
      fc.constant(secret),
      fc.nat({ max: Math.max(0, secret.length - PIECE) }).map((i) =>
        secret.slice(i, i + PIECE + 3)
      ),
      fc.constantFrom(
        "Bearer ",
        "?token=",
        "&key=",
        '"',
        "\\",
        "\\n",
        "<",
        ">",
        "&amp;",
        "\n",
        "\r",
        "\x1b[2J",
        "`",
        "_",
        "*",
        "]",
        "(",
        "https://u:p@h/",
        "\u202e",
        "\ud800",
        // Pieces of escape units: a cut must take them whole or not at all.
        "%",
        "%7",
        "&#",
        "&#x",
        "#",
        ";",
        "&lowbar;",
        "\\u{",
        "}",
      ),
      // The secret in an encoding the scrubber reads through.
      fc.constantFrom(
        [...secret].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`).join(""),
        [...secret].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join(""),
        [...secret].map((c) => `&#${c.charCodeAt(0)};`).join(""),
      ),
      fc.string({ maxLength: 8 }),
    ),
    { minLength: 1, maxLength: 8 },
  ).map((parts) => parts.join(""));
}

/** Every PIECE-character run of the secret's token-character segments. */
function pieces(secret: string): string[] {
  const out: string[] = [];
  for (const seg of secret.split(/[^A-Za-z0-9._~+/=_-]+/)) {
    for (let i = 0; i + PIECE <= seg.length; i++) out.push(seg.slice(i, i + PIECE));
  }
  return out;
}

/** JSON escapes and the visible escapes of textSafe. */
const ESCAPE = /\\(?:u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|["\\bfnrt])/g;

/** Markdown as a reader sees it: backslash escapes and empty comments gone. */
const visible = (md: string) => md.replace(/\\([!-/:-@[-`{-~])/g, "$1").replace(/<!-- -->/g, "");

Deno.test("scrubber().secrets() leaves no secret and no 12-character piece in any server value, for long and short admin keys", () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ unit: SECRET_CHAR, minLength: PIECE, maxLength: 48 }),
        fc.string({ unit: fc.constantFrom(..."abcdef"), minLength: 4, maxLength: 6 }),
      ).map((s) => `sk-admin-${s}`).chain((secret) =>
        fc.tuple(
          fc.constant(secret),
          hostile(secret),
          hostile(secret.slice(9)),
          // A piece with Markdown escapes before its punctuation (`a\.b`): still the piece.
          fc.nat({ max: Math.max(0, secret.length - PIECE) }).map((i) =>
            secret.slice(i, i + PIECE + 2).replace(/[._~+/=-]/g, "\\$&")
          ),
        )
      ),
      ([secret, a, b, escaped]) => {
        const { secrets } = scrubber([secret]);
        for (const value of [a, b, `${a} ${b}`, `x ${escaped} y`]) {
          const out = secrets(value);
          // Asked again (short values are remembered): the same answer.
          assertEquals(secrets(value), out);
          ok(!out.includes(secret), JSON.stringify([secret, value, out]));
          for (const p of pieces(secret)) {
            ok(!visible(out).includes(p), JSON.stringify([p, value, out]));
          }
        }
      },
    ),
    { numRuns: 400 },
  );
});

Deno.test("redact() keeps every format parseable and leaves no 12-character piece of the secret, for any report", () => {
  fc.assert(
    fc.property(
      fc.string({ unit: SECRET_CHAR, minLength: PIECE, maxLength: 48 }).map((s) => `sk-admin-${s}`)
        .chain((secret) =>
          fc.tuple(
            fc.constant(secret),
            hostile(secret),
            fc.constantFrom("drift", "error") as fc.Arbitrary<"drift" | "error">,
          )
        ),
      ([secret, s, status]) => {
        const report = reportWith(s, status);
        for (const format of Object.keys(RENDERERS) as (keyof typeof RENDERERS)[]) {
          const raw = RENDERERS[format](report, { color: false });
          const out = redact(raw, [secret]);
          if (format === "json" || format === "sarif") JSON.parse(out);
          if (format === "junit") assertEquals(XMLValidator.validate(out), true, out);
          if (format === "github") ok(out.trimEnd().split("\n").every((l) => l.startsWith("::")));
          // Read escapes as the separate characters they stand for: the `0` that ends `\ud800`
          // is not a character of the string that follows it.
          const shown = format.startsWith("markdown") ? visible(out) : out;
          const seen = format === "junit" ? shown : shown.replace(ESCAPE, " ");
          for (const p of pieces(secret)) {
            ok(!seen.includes(p), `${format}: ${JSON.stringify(p)} survived`);
          }
        }
      },
    ),
    { numRuns: Number(Deno.env.get("KEYDRIFT_FUZZ_RUNS") ?? 200) },
  );
});

Deno.test("credentials a user puts in --api-url never reach the output", async () => {
  for (
    const url of [
      "https://user:sk-admin-USERSECRET000000000@api.example.test/v1",
      "http://api.example.test/v1?api_key=USERSECRET",
      "http://127.0.0.1:9/v1?api_key=USERSECRET",
      "ftp://user:USERSECRET@127.0.0.1/v1",
    ]
  ) {
    const r = await runCli(
      ["check", "-m", "keydrift.yaml", "--api-url", url, "--verbose"],
      {
        files: { "keydrift.yaml": "version: 1\nprojects: [{ id: proj_a, keys: [] }]\n" },
        env: { OPENAI_ADMIN_KEY: ADMIN_KEY },
        // As Deno's fetch does, the error names the URL it could not reach.
        fetch: (input) =>
          Promise.reject(new TypeError(`error sending request for url (${String(input)})`)),
      },
    );
    assertEquals(r.code, 1, r.stdout + r.stderr);
    ok(r.stderr.length > 0);
    ok(!(r.stdout + r.stderr).includes("USERSECRET"), r.stderr);
  }
});

Deno.test("a 401 body that echoes the admin key leaves no piece of it in any format, Markdown and the step summary included", async () => {
  const echo = (req: Request) =>
    Promise.resolve(
      Response.json(
        {
          error: {
            message: `Incorrect API key provided: ${req.headers.get("authorization")}`,
            type: "invalid_request_error",
            param: null,
            code: "invalid_api_key",
          },
        },
        { status: 401 },
      ),
    );
  const argv = ["check", "-m", "keydrift.yaml", "--api-url", "http://127.0.0.1/v1", "--summary"];
  for (const f of Object.keys(RENDERERS)) argv.push("--format", `${f}=r.${f}`);
  const r = await runCli(argv, {
    files: { "keydrift.yaml": "version: 1\nprojects: [{ id: proj_a, keys: [] }]\n" },
    env: { OPENAI_ADMIN_KEY: ADMIN_KEY, GITHUB_STEP_SUMMARY: "summary.md" },
    fetch: (input, init) => echo(new Request(input, init)),
  });
  assertEquals(r.code, 1, r.stderr);
  const outputs = [...r.files].filter(([p]) => p.startsWith("r.") || p === "summary.md");
  assertEquals(outputs.length, Object.keys(RENDERERS).length + 1);
  for (const [path, text] of outputs) {
    const seen = path.includes("markdown") || path === "summary.md" ? visible(text) : text;
    for (const p of pieces(ADMIN_KEY)) ok(!seen.includes(p), `${path}: ${p}`);
  }
});

Deno.test("redact() counts an escape's tail as output bytes: a control character before 11 key characters cannot complete a 12-character piece", () => {
  const key = "sk-admin-Zq8VtR3mLp0XwK7sNd2YbH5cJf9GuE4aTq6WrPz1";
  // The server sends a control character whose visible escape ends in the key's previous
  // character, then the next 11 characters of the key.
  const cases = [
    JSON.stringify({ name: "\x00XwK7sNd2YbH" }), // \u0000 + XwK7sNd2YbH: "0XwK7sNd2YbH"
    "  + key \\x00XwK7sNd2YbH  # text", // textSafe's \x00
    "  + key \\x0cJf9GuE4aTq6  # text", // textSafe's \x0c: "cJf9GuE4aTq6"
  ];
  for (const text of cases) {
    const out = redact(text, [key]);
    for (let i = 0; i + 12 <= key.length; i++) {
      ok(!out.includes(key.slice(i, i + 12)), `${key.slice(i, i + 12)} survived in ${out}`);
    }
    ok(out.includes("[REDACTED]"), out);
  }
  // The cut takes the whole escape, so JSON stays valid.
  JSON.parse(redact(cases[0], [key]));
});

Deno.test("scrubber().secrets() remembers nothing that changes an answer: each matches a fresh scrubber's, past the bound and across scrubbers", () => {
  const other = "sk-admin-OTHERsecret9876543210zyxwvuABC";
  const a = scrubber([ADMIN_KEY]);
  const b = scrubber([other]);
  // Short values sharing a start, values holding a piece of either key, plain ones; more of them
  // than the memo holds, each asked of both scrubbers, in two orders.
  const pieceA = ADMIN_KEY.slice(12, 24);
  const pieceB = other.slice(12, 24);
  const values = Array.from(
    { length: 10_000 },
    (_, i) =>
      i % 5 === 0
        ? `x${pieceA}${i}`
        : i % 5 === 1
        ? `x${pieceB}${i}`
        : i % 5 === 2
        ? `owner-${i % 40}`
        : `name-${i}`,
  );
  for (const order of [values, [...values].reverse()]) {
    for (const v of order) {
      assertEquals(a.secrets(v), scrubber([ADMIN_KEY]).secrets(v), v);
      assertEquals(b.secrets(v), scrubber([other]).secrets(v), v);
    }
  }
  ok(values.every((v) => !a.secrets(v).includes(pieceA) && !b.secrets(v).includes(pieceB)));
});
