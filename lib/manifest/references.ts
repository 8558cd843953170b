/**
 * The manifest's cross-references, checked on the merged manifest: key ids pinned twice, waivers
 * that name undeclared projects, and waivers with impossible dates or blank reasons. Pure.
 */
import { type ManifestProblem, suggestion } from "../core/errors.ts";
import type { Manifest, SourceLocation, Waiver } from "../core/types.ts";
import type { PolicySchemaSource } from "./schema.ts";

/** A key id a key entry pins, where. */
export interface Pin {
  id: string;
  location: SourceLocation;
}

/** Entries the schema refused that still name a project or pin a key id. */
export interface Refs {
  waivers: Waiver[];
  pins: Pin[];
}

const at = (loc: SourceLocation, message: string): ManifestProblem => ({ ...loc, message });
const place = (loc: SourceLocation) => `${loc.file}:${loc.line}:${loc.column}`;
const byPlace = (a: SourceLocation, b: SourceLocation) =>
  a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column;

/**
 * Pinned ids used twice; waivers that name unknown projects or impossible dates. Entries the
 * schema refused count too (`refs`), so one run reports schema and reference problems.
 */
export function checkReferences(
  manifest: Manifest,
  refs: Refs,
  policies: readonly PolicySchemaSource[],
  problems: ManifestProblem[],
  waiverProblems: ManifestProblem[],
  everyFileRead: boolean,
): void {
  const declared = [...manifest.projects.map((p) => p.keys), manifest.adminKeys?.keys ?? []]
    .flat().flatMap((k) => (k.id ? [{ id: k.id, location: k.location }] : []));
  checkPins([...declared, ...refs.pins], problems);
  const projects = new Set(manifest.projects.map((p) => p.id));
  for (const w of [...manifest.waivers, ...refs.waivers]) {
    if (everyFileRead && !projects.has(w.project)) {
      problems.push(
        at(
          w.location,
          `waiver names project "${w.project}", which no manifest declares${
            suggestion(w.project, [...projects])
          }`,
        ),
      );
    }
  }
  const ids = policies.map((p) => p.id);
  for (const w of manifest.waivers) {
    if (!ids.includes(w.policy)) continue;
    if (!isCalendarDate(w.expires)) w.problem = `expires "${w.expires}" is not a real date`;
    else if (w.reason.trim() === "") w.problem = "the reason is blank";
    if (w.problem) {
      waiverProblems.push(at(w.location, `malformed waiver for ${w.policy}: ${w.problem}`));
    }
  }
}

/** A key id pinned by two entries is a problem at the second (in file order). */
function checkPins(
  pins: Pin[],
  problems: ManifestProblem[],
): void {
  const pinned = new Map<string, SourceLocation>();
  for (
    const { id, location } of pins.sort((a, b) => byPlace(a.location, b.location))
  ) {
    const prev = pinned.get(id);
    if (prev) {
      problems.push(
        at(location, `key id "${id}" is pinned by two entries: here and at ${place(prev)}`),
      );
    } else pinned.set(id, location);
  }
}

/** True for a real `YYYY-MM-DD` date. */
export function isCalendarDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
}
