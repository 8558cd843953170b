/**
 * `text`: a Terraform-like diff for people, grouped by project: a legend for the symbols used,
 * one line per item (wrapped at `width` when given), a summary line, and the reason for the exit
 * code. Every value from the report is made `textSafe`: no control character from the server
 * reaches the terminal.
 */
import { append } from "../core/arrays.ts";
import { isFailing } from "../report/report.ts";
import type { Drift, Finding, Report } from "./words.ts";
import { ORG } from "../core/types.ts";
import type { RenderOptions } from "./options.ts";
import {
  byProject,
  candidatesFit,
  findingText,
  liveDetail,
  moreCandidates,
  ownerText,
  projectDetail,
  shortRedacted,
  shownErrors,
} from "./_shared.ts";
import { quoteText, textSafe } from "./inert.ts";
import { curlLine, editText, enrichmentParts } from "./_enrich.ts";
import { mismatchText } from "./_baseline.ts";
import { snapshotLine, sourceWords } from "./snapshot_words.ts";
import { familyState, familyTitle, MEMBERS_SHOWN, memberWords } from "./_families.ts";
import { spendLines } from "./_usage.ts";
import { counted as countOf, grouped } from "../core/grouped.ts";

const CODES = { red: 31, green: 32, yellow: 33, magenta: 35, cyan: 36, bold: 1, dim: 2 } as const;
type Style = keyof typeof CODES;

/** One line of output: `head` in `style`, then `tail` plain; `indent` for continuation lines. */
interface Line {
  style: Style | null;
  head: string;
  tail: string;
  indent: number;
  /** Never wrapped (a command meant to be copied whole). */
  nowrap?: boolean;
}

const line = (style: Style | null, head: string, tail = "", indent = 2): Line => ({
  style,
  head,
  tail,
  indent,
});

/** Every value from the report goes through `t` (or `q`) exactly once. */
const t = textSafe;
const q = (s: string | null) => (s === null ? "null" : quoteText(s));
const at = (d: { location: { file: string; line: number } | null }) =>
  d.location ? `${t(d.location.file)}:${d.location.line}` : "";
const also = (s: string) => (s ? `; ${s}` : "");

function keyRef(name: string | null, id: string | null): string {
  // An admin key may have no name (issue 14): shown as unnamed, by its id.
  return `key ${name === null ? "(unnamed)" : q(name)}${id ? ` [${t(id)}]` : ""}`;
}

/** What each symbol means, in the order they are explained. */
const LEGEND = [
  ["-", "declared but gone from the live project"],
  ["+", "live but not declared"],
  ["~", 'changed: "declared" -> "live"'],
  ["?", "ambiguous: several live keys fit one entry"],
  ["!", "policy finding"],
] as const;

const SYMBOL: Record<Drift["kind"], string> = {
  missing: "-",
  project_missing: "-",
  unexpected: "+",
  changed: "~",
  project_changed: "~",
  project_unexpected: "+",
  ambiguous: "?",
};

function changeLines(d: Drift): Line[] {
  return d.changes.map((c) =>
    line("yellow", `      ~ ${t(c.path)}: ${q(c.expected)} -> ${q(c.actual)}`, "", 10)
  );
}

/** The lines of drift about a project itself: missing, changed, or no manifest declares it. */
function projectLines(d: Drift): Line[] {
  if (d.kind === "project_missing") {
    return [
      line(
        "red",
        `  - project ${t(d.projectId)}`,
        `  # does not exist or is not visible to this admin key${also(at(d))}`,
        6,
      ),
    ];
  }
  if (d.kind === "project_changed") {
    const head = line("yellow", `  ~ project ${t(d.projectId)}`, at(d) && `  # ${at(d)}`, 6);
    return [head, ...changeLines(d)];
  }
  const level = d.severity === "warning" ? " (warning)" : "";
  const detail = `  # not in the manifest${level}: ${t(projectDetail(d))}`;
  return [line("green", `  + project ${t(d.projectId)}`, detail, 6)];
}

function driftLines(d: Drift): Line[] {
  const ref = (d.keyType === "admin" ? "admin " : "") + keyRef(d.keyName, d.keyId);
  switch (d.kind) {
    case "project_missing":
    case "project_changed":
    case "project_unexpected":
      return projectLines(d);
    case "changed":
      return [line("yellow", `  ~ ${ref}`, at(d) && `  # ${at(d)}`, 6), ...changeLines(d)];
    case "missing":
      return [
        line(
          "red",
          `  - ${ref}`,
          `  # missing from the ${d.keyType === "admin" ? "organisation" : "live project"}${
            also(at(d))
          }`,
          6,
        ),
      ];
    case "ambiguous":
      return [
        line(
          "magenta",
          `  ? ${keyRef(d.keyName, null)}`,
          `  # ${candidatesFit(d)} live keys fit; pin one with "id"${also(at(d))}`,
          6,
        ),
        ...(d.candidates ?? []).map((c) =>
          line("magenta", `      ${t(c.id)}  ${t(ownerText(c.owner))}`, "", 8)
        ),
        ...(moreCandidates(d) ? [line("magenta", `     ${moreCandidates(d)}`, "", 8)] : []),
      ];
    case "unexpected": {
      const level = d.severity === "warning" ? " (warning)" : "";
      const detail = d.live ? `: ${t(shortRedacted(liveDetail(d)))}` : "";
      return [line("green", `  + ${ref}`, `  # not in the manifest${level}${detail}`, 6)];
    }
  }
}

function findingLine(f: Finding): Line {
  const ref = f.keyId === null && f.family !== undefined
    ? `family ${q(f.family)}`
    : (f.keyType === "admin" ? "admin " : "") + keyRef(f.keyName, f.keyId);
  if (f.waived && f.waiver) {
    return line(
      "dim",
      `  ! ${f.severity} ${t(f.policy)}: ${ref} ${t(findingText(f))} [waived until ${
        t(f.waiver.expires)
      }: ${t(f.waiver.reason)}]`,
      "",
      6,
    );
  }
  return line(
    f.severity === "error" ? "red" : "yellow",
    `  ! ${f.severity} ${t(f.policy)}:`,
    ` ${ref} ${t(findingText(f))}`,
    6,
  );
}

/** A baselined item's lines, dimmed, the first one tagged (issue 14). */
function known(x: { baselined?: boolean }, lines: Line[]): Line[] {
  if (!x.baselined) return lines;
  return lines.map((l, i) => ({
    ...l,
    style: "dim",
    tail: i === 0 ? `${l.tail}  [baselined]` : l.tail,
  }));
}

/** Baseline entries that no longer occur: the file can shrink (`keydrift baseline --prune`). */
function resolvedLines(r: Report): Line[] {
  const gone = r.baseline?.resolved ?? [];
  if (!gone.length) return [];
  return [
    line(
      "green",
      `Resolved: ${plural(gone.length, "baseline entry", "baseline entries")} no longer occur`,
      ` (keydrift baseline --prune -o ${t(r.baseline!.file)} drops them)`,
    ),
    ...gone.map((e) => line("green", `  ✓ ${t(e.rule)}: `, t(e.summary), 6)),
    line(null, ""),
  ];
}

/** Baseline entries that resemble an item without hiding it (issue 19): edited or forged. */
function mismatchLines(r: Report): Line[] {
  const ms = r.baseline?.mismatched ?? [];
  if (!ms.length) return [];
  return [...ms.map((m) => line("yellow", "Warning: ", t(mismatchText(m)))), line(null, "")];
}

/**
 * An item's lines with what enrichment knows appended to its first line (`created … by …; used …
 * times in the last 7 days`) and, with `--explain`, its remediation under it.
 */
function enriched(lines: Line[], x: Drift | Finding, opts: RenderOptions): Line[] {
  const parts = enrichmentParts(x).map(t);
  const [first, ...rest] = lines;
  const out = [
    parts.length
      ? {
        ...first,
        tail: `${first.tail}${first.tail.includes("  # ") ? "; " : "  # "}${parts.join("; ")}`,
      }
      : first,
    ...rest,
  ];
  if (opts.explain && x.remediation) {
    const r = x.remediation;
    out.push(line("dim", `      # fix: ${t(r.summary)}`, "", 8));
    // curlLine is printable ASCII with every server string encoded or single-quoted. A waived
    // finding's call is shown commented out: it is not in the script either.
    const cmd = curlLine(r);
    const waived = "waived" in x && x.waived ? "# waived: " : "";
    out.push({
      ...line(null, `      ${cmd ? `${waived}${cmd}` : `# ${t(editText(r))}`}`, "", 8),
      nowrap: cmd !== null,
    });
  }
  return out;
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

function counted(pairs: readonly (readonly [number, string])[]): string {
  return pairs.filter(([n]) => n > 0).map(([n, label]) => `${n} ${label}`).join(", ");
}

/** The one summary line. */
export function summaryLine(r: Report): string {
  const s = r.summary;
  const count = (kind: Drift["kind"]) =>
    r.drift.filter((d) => d.kind === kind && !d.baselined).length;
  const keys = counted([
    [s.missing, "missing"],
    [s.unexpected, "unexpected"],
    [s.changed, "changed"],
    [s.ambiguous, "ambiguous"],
  ]);
  const projects = counted([
    [count("project_missing"), "missing"],
    [count("project_changed"), "changed"],
    [count("project_unexpected"), "unexpected"],
  ]);
  const parts = [keys && `keys ${keys}`, projects && `projects ${projects}`].filter(Boolean);
  const drift = parts.length ? `Drift: ${parts.join("; ")}` : "No drift";
  const policy =
    `Policy: ${plural(s.policy_errors, "error")}, ${plural(s.policy_warnings, "warning")}` +
    (s.waived ? `, ${s.waived} waived` : "");
  const known = s.baselined ? ` · Baselined: ${s.baselined} known (not failing)` : "";
  const spend = spendLines(r);
  return `${drift} · ${policy}${known} · ${managedText(r)}${spend ? ` · ${spend.head}` : ""}`;
}

/** With `--usage`: the undeclared keys' spend, largest first. */
function spendSection(r: Report): Line[] {
  const spend = spendLines(r);
  if (!spend?.items.length) return [];
  return [
    line("bold", `${t(spend.head)}, largest first:`),
    ...spend.items.map((i) => line(null, `  ${t(i)}`, "", 4)),
    line(null, ""),
  ];
}

/**
 * `Managed: 7 of 131 live keys (5%; 120 in projects with unmanaged: ignore)`: what the JSON's
 * `coverage` counts, said so that a low figure explains itself.
 */
export function managedText(r: Report): string {
  const s = r.summary;
  const ignored = s.ignored ? `; ${grouped(s.ignored)} in projects with unmanaged: ignore` : "";
  return `Managed: ${grouped(s.managed_keys)} of ${
    countOf(s.live_keys, "live key")
  } (${s.coverage}%${ignored})`;
}

/** Why the run fails or passes, when the summary line alone does not say it. */
function verdict(r: Report): Line[] {
  const failing = r.findings.filter((f) => isFailing(f, r.failOn));
  const errors = failing.filter((f) => f.severity === "error").length;
  const what = [
    errors && plural(errors, "policy error"),
    failing.length - errors && plural(failing.length - errors, "policy warning"),
  ].filter(Boolean).join(" and ");
  const threshold = `at or above --fail-on ${r.failOn}`;
  if (r.drift.length === 0) {
    if (failing.length) {
      return [line("red", `No key drift, but ${what} ${threshold}.`), line(null, summaryLine(r))];
    }
    const head = line("green", "No drift: live keys match the manifest.");
    if (r.findings.length) return [head, line(null, summaryLine(r))];
    const s = r.summary;
    return [
      head,
      line(
        null,
        `${plural(s.in_sync_keys, "key")} in sync${
          s.family_keys ? `, ${plural(s.family_keys, "key")} in families` : ""
        } across ${plural(s.projects, "project")} · ` + managedText(r),
      ),
    ];
  }
  const out = [line(null, summaryLine(r))];
  const driftFails = r.drift.some((d) => isFailing(d, r.failOn));
  if (r.status === "in_sync") out.push(line("green", `Nothing ${threshold}: exit 0.`));
  else if (!driftFails) {
    const why = r.drift.every((d) => d.baselined) ? "baselined" : `below --fail-on ${r.failOn}`;
    out.push(line("red", `The drift is ${why}, but ${what} ${threshold}.`));
  }
  return out;
}

/** A fleet's error run: which orgs could not be read, and which are shown. */
function fleetIncomplete(orgs: { name: string; exitCode: number | null }[]): Line[] {
  const names = (failed: boolean) =>
    orgs.filter((o) => (o.exitCode === 1) === failed).map((o) => t(o.name)).join(", ");
  const read = names(false);
  const it = orgs.filter((o) => o.exitCode === 1).length === 1 ? "it" : "them";
  return [
    line(null, ""),
    line(
      null,
      `Incomplete: org ${names(true)} could not be read; nothing is claimed about ${it}.${
        read ? ` Shown above: the orgs read (${read}).` : ""
      }`,
    ),
  ];
}

function errorLines(r: Report, opts: RenderOptions): Line[] {
  const said = opts.runErrorsOnStderr === true;
  const out = shownErrors(r).filter((e) => !said || e.kind !== "run").map((e) => {
    const at = e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ` : "";
    return line("red", "Error: ", t(at + e.message), 7);
  });
  const orgs = r.fleet?.orgs.filter((o) => o.checked);
  if (orgs) return append(out, fleetIncomplete(orgs));
  const projects = [
    ...new Set(r.errors.flatMap((e) => (e.projectId === null ? [] : [e.projectId]))),
  ];
  const listed = projects.slice(0, 5).map(t).join(", ") +
    (projects.length > 5 ? ` and ${projects.length - 5} more` : "");
  if (out.length) out.push(line(null, ""));
  out.push(
    projects.length
      ? line(
        null,
        `Incomplete: ${
          plural(projects.length, "project")
        } could not be read (${listed}); nothing is claimed about drift.`,
      )
      : line(
        null,
        `The check did not complete${
          said ? " (the error is on stderr)" : ""
        }; nothing is claimed about drift.`,
      ),
  );
  return out;
}

function legend(r: Report): Line[] {
  const used = new Set([
    ...r.drift.map((d) => SYMBOL[d.kind]),
    ...(r.findings.length ? ["!"] : []),
  ]);
  if (!used.size) return [];
  const parts = LEGEND.filter(([s]) => used.has(s)).map(([s, meaning]) => `${s} ${meaning}`);
  return [line("dim", `Symbols: ${parts.join(", ")}`, "", 9), line(null, "")];
}

/** The key families (SPEC 11.4): each one's state, then its members (at most MEMBERS_SHOWN). */
function familyLines(r: Report): Line[] {
  if (!r.families.length) return [];
  const out = [line("bold", "key families")];
  for (const f of r.families) {
    out.push(line("cyan", `  ${t(f.projectId)} ${t(familyTitle(f))}: `, t(familyState(f)), 6));
    for (const m of f.members.slice(0, MEMBERS_SHOWN)) {
      out.push(line(null, `      ${t(memberWords(m))}`, "", 8));
    }
    const more = f.members.length - MEMBERS_SHOWN;
    if (more > 0) {
      out.push(line("dim", `      and ${more} more (every member is in the JSON report)`));
    }
  }
  out.push(line(null, ""));
  return out;
}

/** The report as text for a terminal */
export function renderText(r: Report, opts: RenderOptions): string {
  return [...textChunks(r, opts)].join("");
}

/**
 * The text report one section at a time (the legend, each project, then the end), so that a
 * large report is written to stdout as it is rendered rather than held whole.
 */
export function* textChunks(r: Report, opts: RenderOptions): Generator<string> {
  const lines = (ls: Line[]) => ls.flatMap((l) => paintLine(l, opts)).map((l) => `${l}\n`).join("");
  const head = legend(r);
  if (head.length) yield lines(head);
  const sources = new Map(r.snapshot?.projects.map((p) => [p.projectId, p.source]));
  for (const { id, org, drift, findings } of byProject(r)) {
    const of = org === undefined ? "" : ` (org ${t(org)})`;
    const from = sourceWords(sources.get(id));
    const out = [
      line(
        "bold",
        id === ORG ? `admin keys (organisation)${of}` : `project ${t(id)}${of}`,
        from ? ` (${from})` : "",
      ),
    ];
    for (const d of drift) append(out, known(d, enriched(driftLines(d), d, opts)));
    for (const f of findings) append(out, known(f, enriched([findingLine(f)], f, opts)));
    out.push(line(null, ""));
    yield lines(out);
  }
  const out: Line[] = [...familyLines(r), ...resolvedLines(r), ...mismatchLines(r)];
  for (const n of r.notes) {
    out.push(
      line(
        "yellow",
        `Warning: ${t(n.location.file)}:${n.location.line}:${n.location.column}: ${t(n.message)}`,
      ),
    );
  }
  if (r.notes.length) out.push(line(null, ""));
  append(out, spendSection(r));
  append(out, r.status === "error" ? errorLines(r, opts) : verdict(r));
  if (r.snapshot) out.push(line(null, t(snapshotLine(r.snapshot))));
  yield lines(out);
}

/** Wraps a line at `opts.width` (when set) and paints its head. */
function paintLine(l: Line, opts: Pick<RenderOptions, "color" | "width">): string[] {
  const plain = l.head + l.tail;
  const paint = (s: string) =>
    opts.color && l.style && s ? `\x1b[${CODES[l.style]}m${s}\x1b[0m` : s;
  return wrap(plain, l.nowrap ? undefined : opts.width, l.indent).map(([start, end], i) => {
    const split = Math.min(Math.max(l.head.length, start), end);
    const text = paint(plain.slice(start, split)) + plain.slice(split, end);
    return i === 0 ? text : " ".repeat(l.indent) + text;
  });
}

/**
 * [start, end) pieces of `s`, each at most `width` wide once continuation lines are indented,
 * broken at spaces (a word longer than the width overflows rather than being cut).
 */
export function wrap(s: string, width: number | undefined, indent: number): [number, number][] {
  if (!width || s.length <= width) return [[0, s.length]];
  const pieces: [number, number][] = [];
  let start = 0;
  let room = width;
  while (s.length - start > room) {
    let cut = s.lastIndexOf(" ", start + room);
    if (cut <= start) cut = s.indexOf(" ", start + room);
    if (cut === -1) break;
    pieces.push([start, cut]);
    start = cut + 1;
    while (s[start] === " ") start++;
    room = Math.max(width - indent, 1);
  }
  pieces.push([start, s.length]);
  return pieces;
}
