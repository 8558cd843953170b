/**
 * Reports written in pieces (`renderChunks`): the same bytes as the one-piece renderers, and every
 * piece ends at an item boundary, so the CLI's secret scrubbing (piece by piece) sees every server
 * string whole.
 */
import { worded } from "../lib/render/words.ts";
import { sarifText, textSafe } from "../lib/render/inert.ts";
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { buildReport, type Report } from "../lib/report/report.ts";
import { emptyAssessment } from "../lib/assess/assessment.ts";
import type { Drift, Finding } from "../lib/core/types.ts";
import { CHUNKED, type FormatName, renderChunks, RENDERERS } from "../lib/render/mod.ts";
import { toJson } from "../lib/render/json.ts";
import { POLICIES } from "../policies/mod.ts";

const SECRET = "sk-proj-PIECESECRET0123456789abcdefghij";
/** A string that is exactly the marker the JSON streamer tries first. */
const MARKER_NAME = "\u0000keydrift-stream-0-0";

function report(
  n: number,
  name = (i: number) => `key-${i}`,
  error = `read failed: ${SECRET}`,
): Report {
  const loc = (line: number) => ({ file: "keydrift.yaml", line, column: 3 });
  const drift: Drift[] = Array.from({ length: n }, (_, i) => ({
    kind: i % 3 === 0 ? "missing" : "unexpected",
    severity: i % 2 ? "warning" : "error",
    projectId: `proj_${i % 4}`,
    keyId: i % 3 === 0 ? null : `key_${i}`,
    keyName: name(i),
    changes: [],
    location: loc(i + 1),
    ...(i % 3 === 0 ? {} : { detail: `user "U${i}" said ${SECRET}` }),
  }));
  const findings: Finding[] = Array.from({ length: n }, (_, i) => ({
    policy: "key-unused",
    severity: "warning",
    projectId: `proj_${i % 4}`,
    keyId: `key_${i}`,
    keyName: name(i),
    facts: { days: 120, limit: `90; the server said ${SECRET}` },
    waived: i % 5 === 0,
    waiver: i % 5 === 0
      ? { reason: `because ${SECRET}`, expires: "2099-01-01", state: "active", location: loc(1) }
      : null,
    location: loc(i + 1),
  }));
  return buildReport({
    ...emptyAssessment(null, POLICIES, [
      {
        message: error,
        projectId: "proj_1",
        kind: "api",
        status: 500,
        code: null,
        requestId: null,
      },
    ]),
    drift,
    findings,
    liveKeys: n,
  }, { failOn: "error" });
}

const opts = { color: false, root: "/repo" };
const chunked = Object.keys(CHUNKED) as FormatName[];

Deno.test("renderChunks: text, json, sarif, junit and codeclimate in pieces are byte for byte the one-piece output", () => {
  assertEquals(chunked.sort(), ["codeclimate", "json", "junit", "sarif", "text"]);
  for (const r of [report(0), report(7), report(300)]) {
    for (const f of chunked) {
      const whole = RENDERERS[f](r, opts);
      assertEquals([...renderChunks(f, r, opts, 1)].join(""), whole, f);
      assertEquals([...renderChunks(f, r, opts)].join(""), whole, f);
    }
    assertEquals(RENDERERS.json(r), JSON.stringify(toJson(worded(r)), null, 2) + "\n");
  }
});

Deno.test("renderChunks: no piece splits a server string, so a secret is always whole in one piece", () => {
  const r = report(50);
  for (const f of chunked) {
    const pieces = [...renderChunks(f, r, opts, 1)];
    // text comes a project section at a time (4 projects here); the others an item at a time.
    ok(pieces.length > (f === "text" ? 4 : 50), `${f}: ${pieces.length} pieces`);
    for (const p of pieces) {
      const part = p.includes("PIECESECRET") || p.includes("0123456789abcdefghij");
      ok(!part || p.split(SECRET).length === p.split("PIECESECRET").length, `${f}: ${p}`);
    }
  }
});

Deno.test("renderChunks: key names and an error message equal to the stream marker are written as data", () => {
  const r = report(6, () => MARKER_NAME, MARKER_NAME);
  for (const f of ["json", "sarif", "codeclimate"] as const) {
    const text = [...renderChunks(f, r, opts, 1)].join("");
    assertEquals(text, RENDERERS[f](r, opts));
    const doc = JSON.parse(text);
    const names = f === "json"
      ? doc.drift.map((d: { key_name: string }) => d.key_name)
      : f === "sarif"
      ? doc.runs[0].results.map((x: { message: { text: string } }) => x.message.text)
      : doc.filter((i: { check_name: string }) => i.check_name !== "keydrift/read-error")
        .map((i: { description: string }) => i.description);
    // JSON carries the data as it is; the formats people read show the NUL as a visible escape.
    const shown = f === "json"
      ? MARKER_NAME
      : f === "sarif"
      ? sarifText(MARKER_NAME)
      : textSafe(MARKER_NAME);
    ok(names.length >= 6 && names.every((n: string) => n.includes(shown)), f);
  }
  assertEquals(JSON.parse(RENDERERS.json(r)).errors[0].message, MARKER_NAME);
  const sarif = JSON.parse(RENDERERS.sarif(r, opts)).runs[0];
  assertEquals(
    sarif.invocations[0].toolExecutionNotifications[0].message.text,
    sarifText(MARKER_NAME),
  );
});
