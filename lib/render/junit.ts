/**
 * `junit`: JUnit XML valid against the Jenkins `junit-10.xsd` (what GitLab and Jenkins read). One
 * testsuite per project, one testcase per project itself, per declared key and per unexpected key
 * (classname = project id). Only items that fail the run at `--fail-on` are a `<failure>`; items
 * below it and waived findings are listed in the testcase's `<system-out>`, which passes. No
 * `file`/`line` attributes: the schema has none (pytest's `xunit2` family made the same choice).
 */
import { enrichedSuffix } from "./_enrich.ts";
import type { Drift, Finding, Report } from "./words.ts";
import { isFailing } from "../report/report.ts";
import { ORG } from "../core/types.ts";
import {
  DRIFT_TEXT,
  findingText,
  liveDetail,
  moreCandidates,
  ownerText,
  projectDetail,
} from "./_shared.ts";
import { textSafe } from "./inert.ts";
import { familyState } from "./_families.ts";

/**
 * Attribution and usage only: the fix would add ~150 bytes to every item, past the size budget
 * that keeps 100,000 keys under GitLab's 30 MB (the JSON, SARIF and Code Quality reports carry it).
 */
const NO_FIX = { fix: false };

/**
 * XML 1.0 attribute value: `textSafe` (controls, bidi, zero-width and line-separator characters as
 * visible escapes, as in `text`), markup escaped, and anything else XML cannot carry dropped.
 */
export function xml(s: string): string {
  return text(s).replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

/** XML 1.0 element text, one line per string, each made safe as `xml` does but quotes (smaller). */
function lines(all: readonly string[]): string {
  return all.map(text).join("\n");
}

/** One line of XML 1.0 element text (see `xml`). */
function text(s: string): string {
  return textSafe(s)
    // deno-lint-ignore no-control-regex
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "")
    .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

interface Case {
  name: string;
  /** Items that fail the run: `[title, detail]`. */
  failures: [string, string][];
  /** Items below `--fail-on` and waived findings: one line each. */
  notes: string[];
  errors: string[];
}

interface Suite {
  id: string;
  cases: Case[];
  byId: Map<string, Case>;
  byName: Map<string, Case>;
}

/** What a drift item says beyond its testcase's project and key (kept short: bounded size). */
function driftDetail(d: Drift): string {
  const changes = d.changes.map((c) =>
    `${c.path}: ${JSON.stringify(c.expected)} -> ${JSON.stringify(c.actual)}`
  ).join("; ");
  switch (d.kind) {
    case "missing":
      return "declared but missing from the live project";
    case "unexpected":
      // The testcase names the key and its id: the owner and the redacted value (shown short).
      return liveDetail(d).replace(/\*{3,}/g, "...");
    case "changed":
      return changes;
    case "ambiguous":
      return `${(d.candidates ?? []).map((c) => `${c.id} (${ownerText(c.owner)})`).join(", ")}${
        moreCandidates(d)
      } fit; pin one with id`;
    case "project_missing":
      return "does not exist or is not visible to this admin key";
    case "project_changed":
      return changes;
    case "project_unexpected":
      return `not in the manifest: ${projectDetail(d)}`;
  }
}

function findingDetail(f: Finding, c: Case): string {
  const key = f.keyId && !c.name.includes(f.keyId) ? `${f.keyId}: ` : "";
  const waiver = f.waived && f.waiver
    ? ` [waived until ${f.waiver.expires}: ${f.waiver.reason}]`
    : "";
  return `${key}${findingText(f)}${waiver}`;
}

/** Suites by project id, each starting with the project's own testcase. */
class Suites {
  readonly all = new Map<string, Suite>();

  suite(id: string, first = "(project)"): Suite {
    let s = this.all.get(id);
    if (!s) {
      s = { id, cases: [], byId: new Map(), byName: new Map() };
      s.cases.push({ name: first, failures: [], notes: [], errors: [] });
      this.all.set(id, s);
    }
    return s;
  }

  add(s: Suite, name: string, id: string | null | undefined): Case {
    const c: Case = { name: id ? `${name} [${id}]` : name, failures: [], notes: [], errors: [] };
    s.cases.push(c);
    if (id) s.byId.set(id, c);
    if (!s.byName.has(name)) s.byName.set(name, c);
    return c;
  }

  /**
   * The key's testcase: by live id first (pinned or unexpected keys), then by declared name. An
   * unexpected key is never another key's testcase, even when it shares that key's name.
   */
  caseFor(projectId: string, name: string | null, id: string | null, byName = true): Case {
    const s = this.suite(projectId);
    if (name === null) return s.cases[0];
    return (id ? s.byId.get(id) : undefined) ?? (byName ? s.byName.get(name) : undefined) ??
      this.add(s, name, id);
  }
}

/** Testcases grouped into suites: the manifest's projects and keys, then what the report adds. */
function suites(r: Report): Suite[] {
  const out = new Suites();
  for (const p of r.declared) {
    const s = out.suite(p.projectId);
    for (const k of p.keys) out.add(s, k.name, k.id ?? undefined);
  }
  // A family (SPEC 11.4) is a testcase of its own: its state in system-out, its findings in it.
  const families = new Map<string, Case>();
  for (const f of r.families) {
    // Not by name: a key that happens to be named "family x" keeps its own testcase.
    const c: Case = { name: `family ${f.family.name}`, failures: [], notes: [], errors: [] };
    c.notes.push(`[family] ${familyState(f)}`);
    out.suite(f.projectId).cases.push(c);
    families.set(`${f.projectId}\u0000${f.family.name}`, c);
  }
  for (const d of r.drift) {
    const c = out.caseFor(d.projectId, d.keyName ?? d.keyId, d.keyId, d.kind !== "unexpected");
    const line = `[${d.kind}, ${d.severity}${d.baselined ? ", baselined" : ""}] ${driftDetail(d)}${
      enrichedSuffix(d, NO_FIX)
    }`;
    if (isFailing(d, r.failOn)) {
      c.failures.push([DRIFT_TEXT[d.kind].title, line]);
    } else c.notes.push(line);
  }
  for (const f of r.findings) {
    const c = (f.family !== undefined && families.get(`${f.projectId}\u0000${f.family}`)) ||
      out.caseFor(f.projectId, f.keyName ?? f.keyId, f.keyId);
    const line = `[${f.policy}, ${f.severity}${f.waived ? ", waived" : ""}${
      f.baselined ? ", baselined" : ""
    }] ${findingDetail(f, c)}${enrichedSuffix(f, NO_FIX)}`;
    if (isFailing(f, r.failOn)) {
      c.failures.push([`policy ${f.policy}`, line]);
    } else c.notes.push(line);
  }
  for (const e of r.errors) {
    const s = e.projectId === null ? out.suite("(keydrift)", "(run)") : out.suite(e.projectId);
    s.cases[0].errors.push(e.message);
  }
  return [...out.all.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function testcase(classname: string, c: Case): string {
  const open = `<testcase classname="${xml(classname)}" name="${xml(c.name)}"`;
  if (!c.failures.length && !c.notes.length && !c.errors.length) return `${open}/>\n`;
  const out = [`${open}>`];
  if (c.errors.length) {
    out.push(
      `<error type="read" message="${xml(c.errors[0])}">${lines(c.errors)}</error>`,
    );
  }
  if (c.failures.length) {
    const title = c.failures.length === 1
      ? c.failures[0][0]
      : `${c.failures[0][0]} and ${c.failures.length - 1} more`;
    out.push(
      `<failure message="${xml(title)}">${lines(c.failures.map((f) => f[1]))}</failure>`,
    );
  }
  if (c.notes.length) out.push(`<system-out>${lines(c.notes)}</system-out>`);
  out.push("</testcase>");
  return out.join("\n") + "\n";
}

const NOTES =
  "items below fail_on, waived findings, baselined items and key families' state: they do not fail the run";

const count = (cases: Case[], f: (c: Case) => boolean) => cases.filter(f).length;

/** The XML in pieces, one per testcase. */
export function* junitChunks(r: Report): Generator<string> {
  const all = suites(r);
  const tests = all.reduce((n, s) => n + s.cases.length, 0);
  const failures = all.reduce((n, s) => n + count(s.cases, (c) => c.failures.length > 0), 0);
  const errors = all.reduce((n, s) => n + count(s.cases, (c) => c.errors.length > 0), 0);
  yield `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="keydrift" tests="${tests}" ` +
    `failures="${failures}" errors="${errors}" time="0">\n`;
  for (const s of all) {
    // Admin keys (issue 14) have their own suite, first (their scope id sorts first).
    const name = s.id === ORG ? "admin-keys" : s.id;
    yield `<testsuite name="${xml(name)}" tests="${s.cases.length}" failures="${
      count(s.cases, (c) => c.failures.length > 0)
    }" errors="${count(s.cases, (c) => c.errors.length > 0)}" skipped="0" time="0">\n` +
      `<properties>\n<property name="fail_on" value="${r.failOn}"/>\n` +
      `<property name="system-out" value="${NOTES}"/>\n</properties>\n`;
    for (const c of s.cases) yield testcase(name, c);
    yield "</testsuite>\n";
  }
  yield "</testsuites>\n";
}

/** The report as JUnit XML */
export function renderJunit(r: Report): string {
  return [...junitChunks(r)].join("");
}
