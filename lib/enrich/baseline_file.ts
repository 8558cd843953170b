/**
 * The baseline file (issue 14, SPEC 10.6 and 11.1): its entries, how it is written (sorted, one
 * entry per line, so diffs stay small) and how it is read (every problem located, all at once).
 * Format 3 records each item's identity, what the item asserts included, beside its SHA-256
 * fingerprint; format 1 (64-bit FNV-1a fingerprints, which a chosen key name can match) and format
 * 2 (identities without what the item asserts, so new drift of a known kind passed as known) are
 * refused with how to rewrite them. Pure.
 */
import { ManifestError, type ManifestProblem } from "../core/errors.ts";
import type { SourceLocation } from "../core/types.ts";
import type { Identity } from "./fingerprint.ts";
import { canonical } from "./fingerprint.ts";

/** The baseline file format's version (the `keydrift_baseline` field). */
export const BASELINE_VERSION = 3;

/** One acknowledged item: its identity, its fingerprint, and notes for people reading the file. */
export interface BaselineEntry extends Identity {
  /** SHA-256 of the identity's canonical encoding (as SARIF and Code Quality carry it). */
  fingerprint: string;
  /** What the item said when it was recorded, for people reading the file. */
  summary: string;
  /** `YYYY-MM-DD`, the day the item was first recorded. */
  recorded: string;
  /** The keydrift version that recorded it. */
  tool_version: string;
}

/** A baseline file that has been read: its path, its entries and where each entry starts. */
export interface Baseline {
  file: string;
  entries: BaselineEntry[];
  /** `[line, column]` of each entry in the file, in the order of `entries`. */
  places: [number, number][];
}

const FIELDS = [
  "fingerprint",
  "rule",
  "project_id",
  "key_id",
  "key_name",
  "owner",
  "family",
  "asserts",
  "occurrence",
  "org",
  "summary",
  "recorded",
  "tool_version",
] as const;
const TOP = ["keydrift_baseline", "tool", "created", "entries"] as const;

/** Orders entries by fingerprint: the file's order. */
export function byFingerprint(a: { fingerprint: string }, b: { fingerprint: string }): number {
  return a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0;
}

/** The file's text: pretty JSON with one entry per line, sorted, so that diffs stay small. */
export function serializeBaseline(
  entries: readonly BaselineEntry[],
  meta: { version: string; created: string },
): string {
  const head = [
    "{",
    `  "keydrift_baseline": ${BASELINE_VERSION},`,
    `  "tool": ${JSON.stringify({ name: "keydrift", version: meta.version })},`,
    `  "created": ${JSON.stringify(meta.created)},`,
  ];
  // `family` and `org` only where set (family policies' findings, fleets): others stay as they were.
  const rows = [...entries].sort(byFingerprint).map((e) =>
    "    " +
    JSON.stringify(
      Object.fromEntries(FIELDS.filter((f) => e[f] !== undefined).map((f) => [f, e[f]])),
    )
  );
  const list = rows.length ? ['  "entries": [', rows.join(",\n"), "  ]"] : ['  "entries": []'];
  return [...head, ...list, "}"].join("\n") + "\n";
}

/**
 * Reads a baseline file; every problem is located (`file:line:col: message`) and all are
 * reported at once in a {@link ManifestError}.
 */
export function parseBaseline(file: string, text: string): Baseline {
  const problems: ManifestProblem[] = [];
  const at = (line: number, column: number, message: string) =>
    problems.push({ file, line, column, message });
  const fail = () => new ManifestError(problems);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const m = /\(line (\d+) column (\d+)\)/.exec((e as Error).message);
    const why = (e as Error).message.replace(/\s*\(line \d+ column \d+\)$/, "");
    at(Number(m?.[1] ?? 1), Number(m?.[2] ?? 1), `not valid JSON: ${why}`);
    throw fail();
  }
  const fix = `write it with keydrift baseline -o ${file}`;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    at(1, 1, `a baseline file is a JSON object with "keydrift_baseline" and "entries"; ${fix}`);
    throw fail();
  }
  const top = raw as Record<string, unknown>;
  const { keys, entries: places } = placesIn(text);
  const [vl, vc] = keys.get("keydrift_baseline") ?? [1, 1];
  if (top.keydrift_baseline === 1 || top.keydrift_baseline === 2) {
    // Format 1: 64-bit FNV-1a fingerprints matched alone; format 2: identities that leave out
    // what an item asserts. Their entries are not read at all.
    at(vl, vc, oldFormat(file, top.keydrift_baseline));
    throw fail();
  }
  for (const k of Object.keys(top)) {
    if (!(TOP as readonly string[]).includes(k)) {
      const [l, c] = keys.get(k) ?? [1, 1];
      at(l, c, `unknown field "${k}" in the baseline`);
    }
  }
  if (top.keydrift_baseline !== BASELINE_VERSION) {
    const v = JSON.stringify(top.keydrift_baseline ?? null);
    at(vl, vc, `"keydrift_baseline" must be ${BASELINE_VERSION}, not ${v}; ${fix}`);
  }
  if (!Array.isArray(top.entries)) {
    at(1, 1, `"entries" must be a list of entries; ${fix}`);
    throw fail();
  }
  const entries = readEntries(top.entries, places, at);
  if (problems.length) throw fail();
  return { file, entries, places };
}

/** What to do with a format 1 or 2 file. */
function oldFormat(file: string, version: 1 | 2): string {
  const why = version === 1
    ? "whose 64-bit fingerprints a chosen key name can match"
    : "whose entries leave out what an item asserts (its candidates, its changes), so later " +
      "drift of the same kind would pass as known";
  return `this baseline is format ${version}, ${why}, and keydrift no longer reads it; review ` +
    `the drift (keydrift check without --baseline), then rewrite the file with keydrift ` +
    `baseline --force -o ${file}`;
}

type At = (line: number, column: number, message: string) => void;

/** The valid entries; a problem with an entry (or a second entry for one item) is reported. */
function readEntries(list: unknown[], places: [number, number][], at: At): BaselineEntry[] {
  const fingerprints = new Map<string, number>();
  const identities = new Map<string, number>();
  const entries: BaselineEntry[] = [];
  list.forEach((e: unknown, i) => {
    const [line, column] = places[i] ?? [1, 1];
    const bad = (m: string) => at(line, column, `baseline entry ${i + 1}: ${m}`);
    if (!entryProblems(e, bad)) return;
    const entry = e as BaselineEntry;
    const sameFp = fingerprints.get(entry.fingerprint);
    const sameId = identities.get(canonical(entry));
    if (sameFp !== undefined) {
      bad(
        `fingerprint "${entry.fingerprint}" is listed twice (entries ${sameFp + 1} and ${i + 1})`,
      );
    } else if (sameId !== undefined) {
      bad(`records the same item as entry ${sameId + 1}`);
    } else {
      fingerprints.set(entry.fingerprint, i);
      identities.set(canonical(entry), i);
      entries.push(entry);
    }
  });
  return entries;
}

/** Reports what is wrong with one entry through `bad`; true when nothing is. */
function entryProblems(e: unknown, bad: (m: string) => void): boolean {
  if (typeof e !== "object" || e === null || Array.isArray(e)) {
    bad("must be an object");
    return false;
  }
  let ok = true;
  const no = (m: string) => {
    bad(m);
    ok = false;
  };
  const o = e as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!(FIELDS as readonly string[]).includes(k)) no(`unknown field "${k}"`);
  }
  if (typeof o.fingerprint !== "string" || !/^[0-9a-f]{64}$/.test(o.fingerprint)) {
    no(`"fingerprint" must be 64 lowercase hex digits (SHA-256)`);
  }
  for (const f of ["rule", "summary", "tool_version"] as const) {
    if (typeof o[f] !== "string") no(`"${f}" must be a string`);
  }
  for (const f of ["project_id", "key_id", "key_name"] as const) {
    if (o[f] !== null && typeof o[f] !== "string") no(`"${f}" must be a string or null`);
  }
  if (o.owner !== null && !isOwner(o.owner)) {
    no(`"owner" must be null or { "type": "user" or "service_account", "id": string }`);
  }
  if (o.asserts !== null && (typeof o.asserts !== "string" || !/^[0-9a-f]{64}$/.test(o.asserts))) {
    no(`"asserts" must be null or 64 lowercase hex digits (SHA-256)`);
  }
  if (!Number.isSafeInteger(o.occurrence) || (o.occurrence as number) < 1) {
    no(`"occurrence" must be a whole number from 1`);
  }
  optionalProblems(o, no);
  if (typeof o.recorded !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(o.recorded)) {
    no(`"recorded" must be a date (YYYY-MM-DD)`);
  }
  return ok;
}

/** The fields only some entries carry: `family` (family policies) and `org` (fleets). */
function optionalProblems(o: Record<string, unknown>, no: (m: string) => void): void {
  if ("family" in o && (typeof o.family !== "string" || o.family === "")) {
    no(`"family" must be a key family's name (a family policy's finding), or absent`);
  }
  if ("org" in o && (typeof o.org !== "string" || o.org === "")) {
    no(`"org" must be an org name (a fleet manifest's orgs: name), or absent`);
  }
}

function isOwner(v: unknown): boolean {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return Object.keys(o).length === 2 && (o.type === "user" || o.type === "service_account") &&
    typeof o.id === "string";
}

/**
 * Where things start in the file: each top-level key, and each element of the arrays directly
 * inside the top-level object (`[line, column]`, from 1).
 */
function placesIn(text: string) {
  const keys = new Map<string, [number, number]>();
  const entries: [number, number][] = [];
  const stack: string[] = [];
  let expect = false;
  let keyNext = false;
  let line = 1;
  let col = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    col++;
    if (c === "\n") {
      line++;
      col = 0;
      continue;
    }
    const inEntries = stack.length === 2 && stack[1] === "[";
    if (inEntries && expect && !/[\s,\]]/.test(c)) {
      entries.push([line, col]);
      expect = false;
    }
    if (c === '"') {
      const end = stringEnd(text, i);
      if (keyNext) keys.set(JSON.parse(text.slice(i, end + 1)), [line, col]);
      keyNext = false;
      col += end - i;
      i = end;
    } else if (c === "{" || c === "[") {
      stack.push(c);
      expect = stack.length === 2 && c === "[";
      keyNext = stack.length === 1;
    } else if (c === "}" || c === "]") stack.pop();
    else if (c === ",") {
      expect = inEntries;
      keyNext = stack.length === 1;
    }
  }
  return { keys, entries };
}

/** The index of the quote that closes the JSON string opening at `start` (no newline inside). */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
  return i;
}

/**
 * A baseline entry that shares an item's fingerprint or its identity, but not both: it hides
 * nothing (an entry `keydrift baseline` wrote has both; this one was edited or forged).
 */
export interface BaselineMismatch {
  /** Where the entry starts in the baseline file. */
  location: SourceLocation;
  entry: BaselineEntry;
  /** The item of this run the entry resembles, with its fingerprint. */
  item: Identity & { fingerprint: string };
  /** What the entry shares with the item. */
  matchedBy: "fingerprint" | "identity";
}

/** What `check --baseline` adds to a report. */
export interface BaselineOutcome {
  file: string;
  /** Entries whose item no longer occurs (only where the run read what they are about). */
  resolved: BaselineEntry[];
  /** Entries that resemble an item of this run but do not hide it. */
  mismatched: BaselineMismatch[];
}
