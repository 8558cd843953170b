/**
 * The fixes as every format prints them: each curl line carries --fail-with-body; the fix whose
 * endpoint is absent from the published spec (the key update) says so wherever it is printed
 * (text --explain, the script, JSON `in_published_spec: false`, Markdown, SARIF); an unnamed key
 * is named by its id, never `null`.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { CHECK_FAKE, DEMO_FILES, readExample, runCli } from "./_helpers.ts";
import { UPDATE_ENDPOINT_NOTE } from "../lib/render/fix_words.ts";

// The demo with key-no-expiry on: dee-notebook (no expiry, nothing deletes it... but it is
// never used, so key-never-used deletes it) and ana-laptop get an expiry fix each.
const files = {
  ...DEMO_FILES,
  "keydrift.yaml": readExample("keydrift.yaml").replace(
    "policies:\n",
    "policies:\n  key-no-expiry: { severity: warning }\n",
  ),
};

async function outputs() {
  const r = await runCli([
    ...CHECK_FAKE,
    "--explain",
    "--format",
    "text",
    "--format",
    "json=r.json",
    "--format",
    "script=fix.sh",
    "--format",
    "markdown=r.md",
    "--format",
    "sarif=r.sarif",
  ], { files });
  assertEquals(r.code, 2, r.stderr);
  return {
    text: r.stdout,
    json: JSON.parse(r.files.get("r.json")!),
    script: r.files.get("fix.sh")!,
    markdown: r.files.get("r.md")!,
    sarif: JSON.parse(r.files.get("r.sarif")!),
  };
}

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test("the key update fix says where it is printed that its endpoint is not in the published spec: text, script, JSON, Markdown, SARIF", async () => {
  const o = await outputs();
  const expiries = o.json.findings.filter((f: Json) => f.remediation.action === "set_expiry");
  ok(expiries.length > 0, "the run has an expiry fix");
  for (const f of expiries) {
    assertEquals(f.remediation.in_published_spec, false);
    ok(f.remediation.summary.includes(UPDATE_ENDPOINT_NOTE), f.remediation.summary);
  }
  const others = [...o.json.drift, ...o.json.findings].map((x: Json) => x.remediation)
    .filter((r: Json) => r.method !== "EDIT" && r.action !== "set_expiry");
  ok(others.length > 0 && others.every((r: Json) => r.in_published_spec === true));
  for (const [name, text] of [["text", o.text], ["script", o.script], ["markdown", o.markdown]]) {
    // Each POST …/api_keys/{id} command is printed right under the words that mark it.
    const lines = text.split("\n");
    const posts = lines.flatMap((l: string, i: number) =>
      /curl .*-X POST "[^"]*\/api_keys\/[^"/]+"/.test(l) ? [i] : []
    );
    assertEquals(posts.length, expiries.length, `${name}: one command per expiry fix`);
    for (const i of posts) {
      const above = lines.slice(Math.max(0, i - 3), i).join(" ");
      ok(above.includes("not in the published OpenAPI spec"), `${name}: ${lines[i]}`);
    }
  }
  ok(
    o.script.includes(
      "(POST .../api_keys/{id}: in the official SDK, not in the published OpenAPI spec)",
    ),
  );
  const props = o.sarif.runs[0].results.map((r: Json) => r.properties.remediation)
    .filter((r: Json) => r?.action === "set_expiry");
  assertEquals(props.map((r: Json) => r.in_published_spec), expiries.map(() => false));
});

Deno.test("every curl line of every format carries --fail-with-body", async () => {
  const o = await outputs();
  const lines = [o.text, o.script, o.markdown].flatMap((t) =>
    t.split("\n").filter((l: string) => /(^|\s|# )curl /.test(l) && l.includes(" -X "))
  );
  ok(lines.length > 10, `${lines.length} curl lines`);
  for (const l of lines) ok(l.includes("curl -sS --fail-with-body -X "), l);
});

Deno.test("an unnamed admin key is named by its id in the script, never as null", async () => {
  const { script, text } = await outputs();
  ok(!/\bkey null\b/.test(script), script);
  ok(script.includes("# unexpected admin key [key_admin_legacy]: "), script);
  ok(text.includes("admin key (unnamed) [key_admin_legacy]"), text);
});
