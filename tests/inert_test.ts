/**
 * Strings from the server are data, never control: a table of hostile strings, each put in every
 * server-supplied field of a report, rendered in every format and checked with a consumer of that
 * format (JSON.parse, fast-xml-parser and xmllint, GitHub's own Markdown renderer cmark-gfm, the
 * workflow-command line rule).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { RENDERERS } from "../lib/render/mod.ts";
import { worded } from "../lib/render/words.ts";
import {
  capField,
  FIELD_MAX,
  htmlText,
  mdCode,
  mdText,
  quoteText,
  sarifText,
  textSafe,
} from "../lib/render/inert.ts";
import type { Report } from "../lib/report/report.ts";
import { reportWith } from "./_reports.ts";
import { assertValidReport } from "./_helpers.ts";
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
  ["zero-width and format characters", "a\u200bb\u200cc\u200dd\u2060e\u00adf\ufeffg"],
  [
    "format characters that are not default-ignorable, and private use",
    "a\ufff9b\ufffac\ufffbd\u0600e\u06ddf\u070fg\u08e2h\u{110bd}i\u{13430}j\ue000k",
  ],
  ["GitHub references", "see #1, GH-2 and owner/repo#3"],
  ["mentions and commit SHAs", "@ana cc @org/team; fixed in a5c3785 (ana@a5c3785ed8d6)"],
  ["SARIF embedded link and placeholder", "[click me](https://evil.example/) {0} \\[x\\]"],
];

const BENIGN = "benign";

/** Whether a SARIF plain-text message holds an embedded link: an unescaped `[`, then `](`. */
function embeddedLink(t: string): boolean {
  let open = false;
  for (let i = 0; i < t.length; i++) {
    if (t[i] === "\\") i++;
    else if (t[i] === "[") open = true;
    else if (t[i] === "]" && open && t[i + 1] === "(") return true;
  }
  return false;
}

function render(format: keyof typeof RENDERERS, r: Report): string {
  return RENDERERS[format](r, { color: false });
}

/** Raw control, bidi and invisible format characters, lone surrogates excepted. */
// deno-lint-ignore no-control-regex
const RAW = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
/**
 * Characters that render as nothing or have no agreed look: format characters (`Cf`: zero-width
 * spaces and joiners, the BOM, U+FFF9 interlinear annotations...), private use, line and paragraph
 * separators, and every default-ignorable code point (the soft hyphen, variation selectors...).
 */
const INVISIBLE = /[\p{Cf}\p{Co}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;

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
 * comment mdText() writes after each `@` (to stop e-mail autolinks) is ours and not counted, nor
 * are code spans: mdText() writes the words GitHub would link as code (see the test below).
 */
function elements(html: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of html.matchAll(/(?<!@)<!--[^]*?-->|<\/?([a-zA-Z][a-zA-Z0-9]*)/g)) {
    const name = m[1]?.toLowerCase() ?? "comment";
    if (name !== "code") counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

/**
 * The text GitHub's post-processing sees in rendered HTML: outside `<code>` (and `<pre>`, `<a>`),
 * tags removed, entities decoded, so `#<!-- -->1` or `&#35;1` count as the `#1` they show.
 */
function linkableText(html: string): string {
  return html.replace(/<(code|pre|a)\b[^]*?<\/\1>/g, " ").replace(/<[^>]*>/g, "")
    .replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
    .replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/**
 * The first word GitHub would link in rendered text (docs: "Autolinked references and URLs"): an
 * issue reference (`#1`, `GH-2`, `owner/repo#3`), a mention (`@ana`) or a commit SHA (7 to 40 hex
 * digits); null when there is none.
 */
function reference(text: string): string | null {
  const m = /#\d+|(?<![\p{L}\p{N}_])GH-\d+|(?<![\p{L}\p{N}_])@[\p{L}\p{N}][\p{L}\p{N}-]*/iu.exec(
    text,
  );
  if (m) return m[0];
  for (const h of text.matchAll(/(?<![\p{L}\p{N}])[0-9a-f]{7,40}(?![\p{L}\p{N}])/giu)) {
    if (/\d/.test(h[0])) return h[0];
  }
  return null;
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

  Deno.test(`json (${status}): parses, matches the report schema, and server strings round-trip unchanged up to the field cap`, async () => {
    for (const [name, s] of HOSTILE) {
      const r = reportWith(s, status);
      const text = render("json", r);
      await assertValidReport(name, text);
      const doc = JSON.parse(text);
      assertEquals(doc.drift[2].key_name, capField(s), name);
      assertEquals(doc.drift[5].owner.name, capField(r.drift[5].live!.owner.name), name);
      assertEquals(doc.drift[5].redacted_value, capField(r.drift[5].live!.redactedValue), name);
      assertEquals(doc.findings[0].message, capField(worded(r).findings[0].message), name);
      assertEquals(
        doc.errors.map((e: { message: string }) => e.message),
        r.errors.map((e) => capField(e.message)),
      );
    }
  });

  Deno.test(`sarif (${status}): message texts show server strings as textSafe does, with no embedded link or placeholder a viewer would read`, () => {
    // What a SARIF viewer shows for a plain-text message (2.1.0 3.11.5, 3.11.6): escapes resolved,
    // doubled braces single; an unescaped `[text](target)` would be a link.
    const shown = (t: string) => t.replace(/\\([\\[\]])|([{}])\2/g, "$1$2");
    for (const [name, s] of HOSTILE) {
      const sarif = JSON.parse(render("sarif", reportWith(s, status)));
      const texts: string[] = [
        ...sarif.runs[0].results.map((x: { message: { text: string } }) => x.message.text),
        ...sarif.runs[0].invocations[0].toolExecutionNotifications.map(
          (x: { message: { text: string } }) => x.message.text,
        ),
      ];
      ok(texts.some((t) => shown(t).includes(textSafe(capField(s)))), name);
      for (const t of texts) {
        ok(!embeddedLink(t), `${name}: an embedded link in ${t.slice(0, 200)}`);
        ok(
          !/[{}]/.test(t.replace(/\{\{|\}\}/g, "")),
          `${name}: a placeholder in ${t.slice(0, 200)}`,
        );
        ok(!RAW.test(t) && !INVISIBLE.test(t), `${name}: raw character in a SARIF message`);
      }
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

  Deno.test(`junit and codeclimate (${status}): no raw control, bidi, zero-width or line-separator character in any value as its reader decodes it`, () => {
    const strings = (v: unknown): string[] =>
      typeof v === "string"
        ? [v]
        : v && typeof v === "object"
        ? Object.values(v).flatMap(strings)
        : [];
    for (const [name, s] of HOSTILE) {
      const r = reportWith(s, status);
      const xml = new XMLParser({ ignoreAttributes: false, processEntities: true })
        .parse(render("junit", r));
      const issues = JSON.parse(render("codeclimate", r));
      for (const [format, doc] of [["junit", xml], ["codeclimate", issues]] as const) {
        for (const v of strings(doc)) {
          ok(!RAW.test(v) && !INVISIBLE.test(v), `${format}, ${name}: ${JSON.stringify(v)}`);
        }
      }
      // The string is still there, as text shows it.
      ok(
        issues.some((i: { description: string }) => i.description.includes(textSafe(capField(s)))),
        name,
      );
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
              assertEquals(reference(linkableText(out)), null, label);
              // The key name appears verbatim (as textSafe shows it) in a code span: no stray backslash.
              ok(out.includes(`<code>${html(textSafe(capField(s)))}</code>`), label);
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

Deno.test("every format but JSON shows no character of category Cf, Co, Zl or Zp, and none that renders as nothing, raw from the server", () => {
  const hidden = /[\p{Cf}\p{Co}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;
  // Ours: the markdown heading's warning sign asks for its emoji form (U+FE0F).
  const shown = (format: keyof typeof RENDERERS, r: Report) =>
    render(format, r).replaceAll("\u26a0\ufe0f", "");
  for (const format of Object.keys(RENDERERS) as (keyof typeof RENDERERS)[]) {
    // JSON carries strings as they are; SARIF's message texts are held below.
    if (format === "json" || format === "sarif") continue;
    for (const status of ["drift", "error"] as const) {
      ok(!hidden.test(shown(format, reportWith(BENIGN, status))), `${format}: ours`);
      for (const [name, s] of HOSTILE) {
        const out = shown(format, reportWith(s, status));
        const m = out.match(hidden);
        ok(!m, `${format} (${status}), ${name}: U+${m?.[0].codePointAt(0)?.toString(16)}`);
      }
    }
  }
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

Deno.test("sarifText() escapes [, ] and backslash and doubles braces, after textSafe", () => {
  assertEquals(sarifText("[a](b) {0} \\"), "\\[a\\](b) {{0}} \\\\\\\\");
  assertEquals(sarifText("x\u202ey"), "x\\\\u202ey");
});

Deno.test("mdText() and htmlText() write the words GitHub would link (#1, GH-2, @ana, a SHA) as code", () => {
  assertEquals(mdText("see #1, GH-2 (@ana)"), "see `#1,` `GH-2` `(@ana)`");
  assertEquals(mdText("in a5c3785; not defaced or 1234"), "in `a5c3785;` not defaced or 1234");
  assertEquals(mdText("ana@example.test"), "ana@<!-- -->example\\.test");
  assertEquals(htmlText("fix #12 <b>"), "fix <code>#12</code> &#60;b&#62;");
});

testWithTools(
  "a 15 MiB key name is cut to 4,096 characters with a visible ellipsis in every format, and xmllint reads the JUnit",
  ["xmllint"],
  async (tools) => {
    const name = "k".repeat(15 * 1024 * 1024);
    const r = reportWith(name, "drift", "k");
    const cut = `${"k".repeat(FIELD_MAX)}… (15,724,544 more characters)`;
    assertEquals(capField(name), cut);
    for (const format of Object.keys(RENDERERS) as (keyof typeof RENDERERS)[]) {
      const out = render(format, r);
      ok(out.length < 1024 * 1024, `${format}: ${out.length} characters`);
      // (script lists remediations only, and this report has none.)
      if (format !== "script") {
        ok(out.includes("… (15,724,544 more characters)"), `${format}: no visible ellipsis`);
      }
      ok(!out.includes("k".repeat(FIELD_MAX + 1)), `${format}: a field longer than the cap`);
    }
    ok(await xmllintAccepts(tools.xmllint, render("junit", r)), "xmllint rejects the JUnit");
  },
);

Deno.test("capField() never cuts a surrogate pair", () => {
  const s = "a".repeat(FIELD_MAX - 1) + "😀" + "b";
  assertEquals(capField(s), "a".repeat(FIELD_MAX - 1) + "… (3 more characters)");
  ok(capField(s).isWellFormed());
});
