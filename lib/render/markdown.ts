/**
 * `markdown` and `markdown-comment`: a GitHub step summary ($GITHUB_STEP_SUMMARY, at most 1 MiB)
 * or a pull-request comment (at most 65,536 characters). Status, the summary table, then detail
 * for as many projects as fit, then per-project counts, then the totals alone, always saying
 * what was left out and where the full report is. Server strings are inert: identifiers in code
 * spans, prose escaped (see inert.ts).
 */
import { append } from "../core/arrays.ts";
import type { Report } from "./words.ts";
import { ORG } from "../core/types.ts";
import type { RenderOptions } from "./options.ts";
import { byProject, shownErrors } from "./_shared.ts";
import { htmlText, mdCode, mdText } from "./inert.ts";
import {
  countLine,
  driftItem,
  familyItem,
  findingItem,
  type Group,
  where,
} from "./markdown_items.ts";
import { mismatchText } from "./_baseline.ts";
import { snapshotLine, sourceWords } from "./snapshot_words.ts";
import { spendLines } from "./_usage.ts";
import { counted } from "../core/grouped.ts";

/** GitHub drops a step summary over 1 MiB. */
export const STEP_SUMMARY_BUDGET = 1024 * 1024;
/** GitHub refuses a pull-request or issue comment over 65,536 characters. */
export const COMMENT_BUDGET = 65_536;
/** Kept free for section headings and the "more not shown" lines, besides the note's own size. */
const SLACK = 1024;

const ICON = { in_sync: "✅", drift: "❌", error: "⚠️" } as const;
const HEADLINE = {
  in_sync: "No drift: live keys match the manifest",
  drift: "Drift found",
  error: "Check incomplete: nothing is claimed about drift",
} as const;
/** Sections longer than this are collapsed. */
const COLLAPSE_AFTER = 10;

/** UTF-8 length: at least the character count, so one measure serves both budgets. */
function size(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) (n += 4, i++);
    else n += 3;
  }
  return n;
}

/** A section title: plain words, then an optional identifier shown as code, then plain words. */
interface Title {
  words: string;
  id?: string;
  after?: string;
}

function section(title: Title, items: string[], more: string[] = []): string[] {
  const list = [...items, ...more];
  if (!list.length) return [];
  if (list.length <= COLLAPSE_AFTER) {
    const after = title.after ? ` ${mdText(title.after)}` : "";
    return [
      `#### ${title.words}${title.id === undefined ? "" : ` ${mdCode(title.id)}`}${after}`,
      "",
      ...list,
      "",
    ];
  }
  // Inside raw HTML Markdown is not parsed: the identifier is an HTML <code> element.
  const id = (title.id === undefined ? "" : ` <code>${htmlText(title.id)}</code>`) +
    (title.after ? ` ${htmlText(title.after)}` : "");
  return [
    `<details><summary>${title.words}${id} (${items.length})</summary>`,
    "",
    ...list,
    "",
    "</details>",
    "",
  ];
}

/** Adds lines while they fit; `room` is what is left of the budget. */
class Budget {
  constructor(public room: number) {}
  fits(lines: readonly string[]): boolean {
    const n = lineSize(lines);
    if (n > this.room) return false;
    this.room -= n;
    return true;
  }
}

interface Left {
  errors: number;
  notes: number;
  /** Projects shown in part or as counts only, and those not listed at all. */
  partial: number;
  counted: number;
  unlisted: number;
  items: number;
}

function summaryTable(r: Report): string[] {
  const s = r.summary;
  return [
    "| projects | declared | live | in sync | missing | unexpected | changed | ambiguous | project drift | policy errors | policy warnings | waived | managed |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    `| ${s.projects} | ${s.declared_keys} | ${s.live_keys} | ${s.in_sync_keys} | ${s.missing} | ${s.unexpected} | ${s.changed} | ${s.ambiguous} | ${s.project_drift} | ${s.policy_errors} | ${s.policy_warnings} | ${s.waived} | ${s.managed_keys} of ${s.live_keys} (${s.coverage}%) |`,
    "",
    ...baselineLine(r),
    ...(s.unexpected_projects
      ? [
        `Projects no manifest declares: **${s.unexpected_projects}** (each is drift; listed below)`,
        "",
      ]
      : []),
    ...(r.snapshot ? [mdText(snapshotLine(r.snapshot)), ""] : []),
    ...spendBlock(r),
  ];
}

/** With `--usage`: the undeclared keys' spend, and the largest spenders (at most five). */
function spendBlock(r: Report): string[] {
  const spend = spendLines(r, 5);
  if (!spend) return [];
  return [`**${mdText(spend.head)}**`, "", ...spend.items.map((i) => `- ${mdText(i)}`), ""];
}

/** With `--baseline`: the known items, counted apart from the table above (issue 14). */
function baselineLine(r: Report): string[] {
  if (!r.baseline) return [];
  const gone = r.baseline.resolved.length;
  const odd = r.baseline.mismatched.length;
  return [
    `Baseline ${mdCode(r.baseline.file)}: ${r.summary.baselined} known item${
      r.summary.baselined === 1 ? "" : "s"
    } (not failing, not counted above) · ${gone} entr${gone === 1 ? "y" : "ies"} resolved${
      odd
        ? ` · **${odd} entr${odd === 1 ? "y" : "ies"} not applied**: ${
          odd === 1 ? "it shares" : "each shares"
        } an item's fingerprint or identity, not both (listed below)`
        : ""
    }`,
    "",
  ];
}

/** Baseline entries that resemble an item without hiding it (issue 19), as many as fit. */
function mismatchSection(r: Report, budget: Budget): string[] {
  const items: string[] = [];
  let more = 0;
  for (const m of r.baseline?.mismatched ?? []) {
    const item = `- ${mdText(mismatchText(m))}`;
    if (budget.fits([item])) items.push(item);
    else more++;
  }
  return section(
    { words: "Baseline entries not applied (edited or forged)" },
    items,
    more ? [`- … ${more} more not shown`] : [],
  );
}

/** Baseline entries that no longer occur, as many as fit. */
function resolvedSection(r: Report, budget: Budget): string[] {
  const items: string[] = [];
  let more = 0;
  for (const e of r.baseline?.resolved ?? []) {
    const item = `- ${mdCode(e.rule)}: ${mdText(e.summary)}`;
    if (budget.fits([item])) items.push(item);
    else more++;
  }
  return section(
    { words: "Resolved baseline entries (keydrift baseline --prune drops them)" },
    items,
    more ? [`- … ${more} more not shown`] : [],
  );
}

/** The key families (SPEC 11.4) that fit, then how many did not. */
function familySection(r: Report, budget: Budget): string[] {
  const items: string[] = [];
  let more = 0;
  for (const f of r.families) {
    const item = familyItem(f);
    if (budget.fits([item])) items.push(item);
    else more++;
  }
  return section(
    { words: "Key families" },
    items,
    more ? [`- … ${more} more families not shown (every one is in the JSON report)`] : [],
  );
}

/**
 * Error items that fit, then the count of those that did not; an admin key the API refused is
 * one item, not one per project. A manifest problem names its place.
 */
function errorSection(r: Report, budget: Budget, left: Left): string[] {
  const items: string[] = [];
  for (const e of shownErrors(r)) {
    const l = e.location;
    const at = l ? `${mdCode(`${l.file}:${l.line}:${l.column}`)}: ` : "";
    const item = `- ${e.projectId === null ? "" : `${mdCode(e.projectId)}: `}${at}${
      mdText(e.message)
    }`;
    if (budget.fits([item])) items.push(item);
    else left.errors++;
  }
  return section(
    { words: "Errors" },
    items,
    left.errors ? [`- … ${counted(left.errors, "more error")} not shown`] : [],
  );
}

const lineSize = (lines: readonly string[]) => lines.reduce((t, l) => t + size(l) + 1, 0);

const groupItems = (g: Group) => [...g.drift.map(driftItem), ...g.findings.map(findingItem)];

/**
 * The room detail may take: everything when it all fits; otherwise what is left once every
 * project's count line is set aside (or three quarters, when the counts alone overflow), so that
 * the projects after the detail are still counted.
 */
function detailRoom(groups: readonly Group[], room: number): number {
  let need = 0;
  let counts = 0;
  for (const g of groups) {
    need += lineSize(groupItems(g)) + 128 + 2 * size(g.id);
    counts += size(countLine(g)) + 1;
  }
  if (need <= room) return room;
  return counts + 256 < room / 4 ? room - counts - 256 : Math.floor(room * 0.75);
}

/** The first project that does not fit whole, shown in part when a useful part fits. */
function partSection(
  id: string,
  all: string[],
  room: number,
  org?: string,
): { lines: string[]; rest: number } | null {
  let left = room - 256 - 2 * size(id);
  const shown: string[] = [];
  for (const item of all) {
    if ((left -= size(item) + 1) < 0) break;
    shown.push(item);
  }
  if (!shown.length) return null;
  const rest = all.length - shown.length;
  const more = [`- … ${counted(rest, "more item")} in this project not shown`];
  return { lines: section(title(id, org), shown, more), rest };
}

/**
 * A group's section title: a project (and, with `--snapshot`, whether it was read now), or the
 * organisation's admin keys (issue 14); in a fleet, its org.
 */
function title(id: string, org?: string, r?: Report): Title {
  const of = org === undefined ? "" : ` (org ${org})`;
  if (id === ORG) return { words: `Admin API keys (organisation${of})` };
  const from = sourceWords(r?.snapshot?.projects.find((p) => p.projectId === id)?.source);
  return { words: `Project${of}`, id, ...(from ? { after: `(${from})` } : {}) };
}

function projectSections(r: Report, budget: Budget, left: Left): string[] {
  const out: string[] = [];
  const counts: string[] = [];
  const groups = byProject(r);
  const detail = new Budget(detailRoom(groups, budget.room));
  const fitsDetail = (lines: readonly string[]) => {
    if (!detail.fits(lines)) return false;
    budget.room -= lineSize(lines);
    return true;
  };
  let mode: "detail" | "counts" | "none" = "detail";
  for (const g of groups) {
    const all = groupItems(g);
    if (mode === "detail") {
      const full = section(title(g.id, g.org, r), all);
      if (fitsDetail(full)) {
        append(out, full);
        continue;
      }
      mode = "counts";
      const part = partSection(g.id, all, detail.room, g.org);
      if (part && fitsDetail(part.lines)) {
        append(out, part.lines);
        left.partial++;
        left.items += part.rest;
        continue;
      }
    }
    left.items += all.length;
    const line = countLine(g);
    if (mode === "counts" && budget.fits([line])) {
      counts.push(line);
      left.counted++;
    } else {
      mode = "none";
      left.unlisted++;
    }
  }
  if (counts.length) {
    out.push(
      "#### More projects, counts only (every item is in the JSON report)",
      "",
      ...counts,
      "",
    );
  }
  return out;
}

function leftOutNote(left: Left, limit: string, opts: RenderOptions): string[] {
  const parts = [
    left.partial && `${counted(left.partial, "project")} in part`,
    left.counted && `${counted(left.counted, "project")} as counts only`,
    left.unlisted && `${counted(left.unlisted, "project")} not listed`,
    left.errors && counted(left.errors, "error"),
    left.notes && counted(left.notes, "manifest warning"),
  ].filter(Boolean);
  if (!parts.length) return [];
  const full = opts.jsonReport
    ? `the JSON report this run wrote, ${
      mdCode(opts.jsonReport)
    } (upload it as a workflow artifact)`
    : `the JSON report: run with ${
      mdCode("--format json=keydrift.json")
    } and upload it as a workflow artifact`;
  return [
    `> **Not everything fits in ${limit}.** Left out here: ${parts.join(", ")} (${
      counted(left.items, "item")
    } ` +
    `not shown in detail); the totals above count everything. Every item is in ${full}.`,
    "",
  ];
}

function render(r: Report, opts: RenderOptions, limit: number, limitText: string): string {
  const head = [`### ${ICON[r.status]} keydrift: ${HEADLINE[r.status]}`, "", ...summaryTable(r)];
  const foot = [
    `<sub>keydrift ${r.tool.version} · exit code ${r.exitCode} · fail-on ${r.failOn}</sub>`,
    "",
  ];
  // Room for the note at its largest: every count at 7 digits, and the report path.
  const most = 9_999_999;
  const worst: Left = {
    errors: most,
    notes: most,
    partial: most,
    counted: most,
    unlisted: most,
    items: most,
  };
  const note = leftOutNote(worst, limitText, opts).reduce((n, l) => n + size(l) + 1, 0);
  const budget = new Budget(limit - note - SLACK);
  budget.fits([...head, ...foot]);
  const left: Left = { errors: 0, notes: 0, partial: 0, counted: 0, unlisted: 0, items: 0 };
  const body = [
    ...errorSection(r, budget, left),
    ...projectSections(r, budget, left),
    ...familySection(r, budget),
    ...mismatchSection(r, budget),
    ...resolvedSection(r, budget),
  ];
  const notes: string[] = [];
  for (const n of r.notes) {
    const item = `- ${mdText(n.message)}${where(n.location)}`;
    if (budget.fits([item])) notes.push(item);
    else left.notes++;
  }
  append(body, section({ words: "Manifest warnings" }, notes));
  return [...head, ...leftOutNote(left, limitText, opts), ...body, ...foot].join("\n");
}

/** The step-summary report: at most 1 MiB. */
export function renderMarkdown(r: Report, opts: RenderOptions = { color: false }): string {
  return render(r, opts, STEP_SUMMARY_BUDGET, "a GitHub step summary (1 MiB)");
}

/** The pull-request comment report: at most 65,536 characters. */
export function renderMarkdownComment(r: Report, opts: RenderOptions = { color: false }): string {
  return render(r, opts, COMMENT_BUDGET, "a GitHub comment (65,536 characters)");
}
