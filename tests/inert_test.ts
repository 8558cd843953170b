/**
 * Strings from the server are data, never control: a table of hostile strings, each put in every
 * server-supplied field of a report, rendered in every format and checked with a consumer of that
 * format (JSON.parse, fast-xml-parser and xmllint, GitHub's own Markdown renderer cmark-gfm, the
 * workflow-command line rule).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { RENDERERS } from "../lib/render/mod.ts";
import { mdCode, mdText, quoteText, textSafe } from "../lib/render/inert.ts";
import type { Report } from "../lib/report.ts";
import { reportWith } from "./_reports.ts";
import { testWithTools } from "./_tools.ts";

const HOSTILE: [string, string][] = [
  ["clear screen", "\x1b[2J\x1b[Hpwned"],
  ["OSC 8 link", "\x1b]8;;https://evil.example/\x07click me\x1b]8;;\x07"],
  ["BEL", "ding\x07"],
  ["RLO bidi override", "abc\u202Etxt.exe"],
  ["bidi isolates and marks", "\u2066a\u2069\u200e\u200f\u061c"],
  ["bare CR forging a workflow command", "Eve\r::error title=FORGED::x"],
  ["LF forging a heading", "x\n# heading\n::warning::y"],
  ["CRLF and TAB", "a\r\n\tb"],
  ["backticks", "a`b``c```"],
  ["leading and trailing backtick", "`x`"],
  ["closing details", "</details><details><summary>x</summary>"],
  ["script tag", "<script>alert(1)</script>"],
  ["percent-encoded newline", "%0A::error::x%0D"],
  ["NUL", "a\x00b"],
  ["DEL and C1 CSI", "a\x7fb\x9b2Jc"],
  ["lone surrogates", "\ud800x\udc00"],
  ["line separators", "a\u2028b\u2029c"],
  ["markdown syntax", "*a* _b_ [l](javascript:alert(1)) ![i](x) | c | ~~d~~ <b>"],
  ["autolinks", "https://evil.example www.evil.example mail@evil.example"],
  ["entities and backslashes", "&amp; &#x1b; \\ \\n \\`"],
  ["underscores in ids", "proj_analytics"],
  ["very long", "L".repeat(20_000) + " \x1b[2J " + "w ".repeat(5_000)],
];

const BENIGN = "benign";

function render(format: keyof typeof RENDERERS, r: Report): string {
  return RENDERERS[format](r, { color: false });
}

/** Raw control, bidi and invisible format characters, lone surrogates excepted. */
// deno-lint-ignore no-control-regex
const RAW = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** GitHub's renderer; `unsafe` keeps the raw HTML we write (`<details>`, `<summary>`, `<code>`). */
async function cmarkGfm(bin: string, markdown: string, unsafe = false): Promise<string> {
  const child = new Deno.Command(bin, {
    args: [
      "-e",
      "autolink",
      "-e",
      "strikethrough",
      "-e",
      "table",
      "-e",
      "tagfilter",
      ...(unsafe ? ["--unsafe"] : []),
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(markdown));
  await writer.close();
  const out = await child.output();
  ok(out.success, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

/**
 * The HTML elements and comments (raw HTML cmark-gfm omitted) of a rendering, counted; the empty
 * comment mdText() writes after each `@` (to stop e-mail autolinks) is ours and not counted.
 */
function elements(html: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of html.matchAll(/(?<!@)<!--[^]*?-->|<\/?([a-zA-Z][a-zA-Z0-9]*)/g)) {
    const name = m[1]?.toLowerCase() ?? "comment";
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

const html = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Whether `xmllint --noout -` accepts a document as well-formed XML. */
async function xmllintAccepts(bin: string, xml: string): Promise<boolean> {
  const child = new Deno.Command(bin, {
    args: ["--noout", "-"],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(xml));
  await writer.close();
  return (await child.output()).success;
}

for (const status of ["drift", "error"] as const) {
  const benign = reportWith(BENIGN, status);
  const lines = (s: string) => s.split("\n").length;

  Deno.test(`text (${status}): no raw control or bidi character from the server, one line per line we wrote`, () => {
    const base = lines(render("text", benign));
    for (const [name, s] of HOSTILE) {
      const out = render("text", reportWith(s, status));
      ok(!RAW.test(out), `${name}: ${JSON.stringify(out.match(RAW)?.[0])}`);
      ok(out.isWellFormed(), `${name}: a lone surrogate reached the output`);
      assertEquals(lines(out), base, name);
    }
  });

  Deno.test(`github (${status}): every line is a workflow command we emitted, as many as for benign strings`, () => {
    const want = render("github", benign).trimEnd().split("\n").length;
    for (const [name, s] of HOSTILE) {
      const out = render("github", reportWith(s, status));
      ok(!out.includes("\r"), name);
      const got = out.trimEnd().split("\n");
      ok(got.every((l) => /^::(error|warning|notice) /.test(l)), name);
      assertEquals(got.length, want, name);
      ok(!RAW.test(out) && out.isWellFormed(), name);
    }
  });

  Deno.test(`json and sarif (${status}): parse, and server strings round-trip unchanged`, () => {
    for (const [name, s] of HOSTILE) {
      const r = reportWith(s, status);
      const doc = JSON.parse(render("json", r));
      assertEquals(doc.drift[2].key_name, s, name);
      assertEquals(doc.drift[5].owner, r.drift[5].live!.owner, name);
      assertEquals(doc.drift[5].redacted_value, r.drift[5].live!.redactedValue, name);
      assertEquals(doc.findings[0].message, r.findings[0].message, name);
      assertEquals(
        doc.errors.map((e: { message: string }) => e.message),
        r.errors.map((e) => e.message),
      );
      const sarif = JSON.parse(render("sarif", r));
      const texts = sarif.runs[0].results.map((x: { message: { text: string } }) => x.message.text);
      ok(texts.some((t: string) => t.includes(s)), name);
    }
  });

  Deno.test(`junit (${status}): well-formed for fast-xml-parser`, () => {
    for (const [name, s] of HOSTILE) {
      const out = render("junit", reportWith(s, status));
      assertEquals(XMLValidator.validate(out), true, name);
      ok(new XMLParser({ ignoreAttributes: false }).parse(out).testsuites, name);
    }
  });

  testWithTools(`junit (${status}): well-formed for xmllint`, ["xmllint"], async (tools) => {
    for (const [name, s] of HOSTILE) {
      const out = render("junit", reportWith(s, status));
      ok(await xmllintAccepts(tools.xmllint, out), `${name}: xmllint rejects the document`);
    }
  });

  testWithTools(
    `markdown (${status}): cmark-gfm renders no element we did not write, code spans verbatim`,
    ["cmark-gfm"],
    async (tools) => {
      // Twice the drift: the project's section is long enough to be collapsed in <details>.
      const collapsed = (r: Report): Report => ({ ...r, drift: [...r.drift, ...r.drift] });
      for (const format of ["markdown", "markdown-comment"] as const) {
        for (const shape of [(r: Report) => r, collapsed]) {
          for (const unsafe of [false, true]) {
            const want = elements(
              await cmarkGfm(tools["cmark-gfm"], render(format, shape(benign)), unsafe),
            );
            for (const [name, s] of HOSTILE) {
              // Over the budget, fewer items are shown: compared in markdown_test instead.
              if ((format === "markdown-comment" || shape === collapsed) && s.length > 1000) {
                continue;
              }
              const out = await cmarkGfm(
                tools["cmark-gfm"],
                render(format, shape(reportWith(s, status))),
                unsafe,
              );
              const label = `${format}, ${shape === collapsed ? "collapsed" : "open"}, ${
                unsafe ? "raw HTML kept" : "raw HTML omitted"
              }, ${name}`;
              assertEquals(elements(out), want, label);
              // The key name appears verbatim (as textSafe shows it) in a code span: no stray backslash.
              ok(out.includes(`<code>${html(textSafe(s))}</code>`), label);
              ok(!RAW.test(out.replace(/\n/g, "")), label);
            }
          }
        }
      }
    },
  );
}

Deno.test("textSafe() shows controls, bidi characters and lone surrogates as visible escapes", () => {
  const cases: [string, string][] = [
    ["Eve\r::error::x", "Eve\\r::error::x"],
    ["\x1b[2J", "\\x1b[2J"],
    ["a\nb\tc", "a\\nb\\tc"],
    ["\x07\x00\x7f\x9b", "\\x07\\x00\\x7f\\x9b"],
    ["\u202e\u2066\u200f\u061c", "\\u202e\\u2066\\u200f\\u061c"],
    ["\ud800", "\\ud800"],
    ["😀 ok é", "😀 ok é"],
    // A literal backslash is doubled, so an escape always means one.
    ["C:\\x1b", "C:\\\\x1b"],
  ];
  for (const [input, want] of cases) assertEquals(textSafe(input), want);
  assertEquals(quoteText('say "hi"\\\n'), '"say \\"hi\\"\\\\\\n"');
});

Deno.test("textSafe() shows characters that render as nothing (zero-width space and joiner, soft hyphen, variation selector, tag characters) as escapes, and leaves other text alone", () => {
  assertEquals(
    textSafe("a\u200bb\u00adc\u200dd\ufe0fe\u{e0041}f\u2060g"),
    "a\\u{200b}b\\u{ad}c\\u{200d}d\\u{fe0f}e\\u{e0041}f\\u{2060}g",
  );
  assertEquals(textSafe("Ana Ruiz, é, 日本, 🔑"), "Ana Ruiz, é, 日本, 🔑");
});

Deno.test("mdCode() fences with more backticks than the content holds and pads edge backticks", () => {
  assertEquals(mdCode("proj_analytics"), "`proj_analytics`");
  assertEquals(mdCode("a`b``c"), "```a`b``c```");
  assertEquals(mdCode("`x`"), "`` `x` ``");
  assertEquals(mdCode(" a "), "`  a  `");
  assertEquals(mdCode(""), "*(empty)*");
});

Deno.test("mdText() escapes every ASCII punctuation character and breaks e-mail autolinks", () => {
  assertEquals(mdText("a_b *c* <d>"), "a\\_b \\*c\\* \\<d\\>");
  assertEquals(mdText("x@y.z"), "x@<!-- -->y\\.z");
  assertEquals(mdText("l1\n# h"), "l1\\\\n\\# h");
});
