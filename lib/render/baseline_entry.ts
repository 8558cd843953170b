/**
 * The `summary` of a baseline file's entry (issue 14): what the item said when it was recorded,
 * for people reading the file. `keydrift baseline` writes it; nothing reads it back.
 */
import type * as model from "../core/types.ts";
import type { RuleInfo } from "../report/report.ts";
import { driftMessage, findingMessage } from "./_shared.ts";
import { driftFixWords, findingFixWords, findingWords, said } from "./words.ts";

/** The rules an entry's words need: each policy's id, message template and remedy. */
export type EntryRules = readonly Pick<RuleInfo, "id" | "message" | "remedy">[];

/** An item's one-line message, as the formats show it: the summary its baseline entry records. */
export function entrySummary(x: model.Drift | model.Finding, rules: EntryRules): string {
  if ("kind" in x) return driftMessage(said(x, (r) => driftFixWords(x, r)));
  const rule = rules.find((r) => r.id === x.policy);
  const message = findingWords(x, rule);
  return findingMessage({ ...said(x, (r) => findingFixWords(x, r, rule?.remedy)), message });
}
