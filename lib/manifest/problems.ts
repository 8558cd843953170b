/**
 * What a manifest's problems come to for people: at most {@link PROBLEMS_PER_FILE} per file (a
 * stray line can make a YAML reader report thousands, which bury the first and real one), and the
 * warnings a waiver deserves though the manifest is valid.
 */
import { append } from "../core/arrays.ts";
import type { ManifestProblem } from "../core/errors.ts";
import { grouped } from "../core/grouped.ts";
import type { Manifest } from "../core/types.ts";
import { isoDate } from "../core/time.ts";
import type { PolicySchemaSource } from "./schema.ts";

/** The most problems listed for one file; the rest are one line that counts them. */
export const PROBLEMS_PER_FILE = 50;

/**
 * `problems` (sorted by file) with each file's past the first {@link PROBLEMS_PER_FILE} replaced
 * by one problem, at the first one left out, that counts them (`omitted`).
 */
export function capPerFile(problems: readonly ManifestProblem[]): ManifestProblem[] {
  const out: ManifestProblem[] = [];
  const byFile = new Map<string, ManifestProblem[]>();
  for (const p of problems) {
    const list = byFile.get(p.file) ?? [];
    if (!list.length) byFile.set(p.file, list);
    list.push(p);
  }
  for (const list of byFile.values()) {
    append(out, list.slice(0, PROBLEMS_PER_FILE));
    const rest = list.length - PROBLEMS_PER_FILE;
    if (rest > 0) {
      const { file, line, column } = list[PROBLEMS_PER_FILE];
      out.push({
        file,
        line,
        column,
        message: `${grouped(rest)} more problem${rest === 1 ? "" : "s"} in this file, not ` +
          "listed: the first ones often cause the rest (a stray line can); fix them and run again",
        omitted: rest,
      });
    }
  }
  return out;
}

/** How many problems `problems` stands for (a line that counts left-out ones counts them). */
export function problemCount(problems: readonly ManifestProblem[]): number {
  return problems.reduce((n, p) => n + (p.omitted ?? 1), 0);
}

/**
 * Waivers of a valid manifest that do nothing, as located warnings: past their date (`expires`
 * is the last day they apply, UTC), or for a policy that is off (`severity: off`).
 */
export function waiverWarnings(
  manifest: Manifest,
  policies: readonly PolicySchemaSource[],
  nowMs: number,
): ManifestProblem[] {
  const today = isoDate(Math.floor(nowMs / 1000));
  const out: ManifestProblem[] = [];
  for (const w of manifest.waivers) {
    if (w.problem) continue; // malformed: already an error
    const what = `waiver for ${w.policy} on "${w.project}" key "${w.key}"`;
    if (w.expires < today) {
      out.push({
        ...w.location,
        message: `${what} expired on ${w.expires} and no longer applies: renew its date or ` +
          "remove it",
      });
    }
    const policy = policies.find((p) => p.id === w.policy);
    const severity = manifest.policies.get(w.policy)?.severity ?? policy?.defaultSeverity;
    if (policy && severity === "off") {
      out.push({
        ...w.location,
        message: `${what} waives a policy that is off (severity: off), so it has no effect: ` +
          "remove it, or turn the policy on",
      });
    }
  }
  return out;
}
