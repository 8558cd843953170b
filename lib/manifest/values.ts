/**
 * Values a manifest writes that keydrift puts in paths and fixes, or compares with live ones: ids
 * that can only mean themselves (`core/ids.ts`), and no id, name or e-mail that every report would
 * show redacted (shaped like a credential, SPEC 11.1). Each problem is located.
 */
import type { CheckedDocument } from "../yaml/check.ts";
import type { ManifestProblem } from "../core/errors.ts";
import type { SourceLocation } from "../core/types.ts";
import { escapedId, idProblem } from "../core/ids.ts";
import { shapedLikeCredential } from "../secrets/redact.ts";

// deno-lint-ignore no-explicit-any
type Obj = Record<string, any>;

const at = (loc: SourceLocation, message: string): ManifestProblem => ({ ...loc, message });

/**
 * `node.id` as a located problem when it cannot be an id (`core/ids.ts`, or shaped like a
 * credential, which every report would show redacted); an empty one is the schema's.
 */
export function checkId(
  doc: CheckedDocument,
  node: Obj,
  what: string,
  problems: ManifestProblem[],
) {
  const problem = typeof node.id === "string" && node.id !== ""
    ? idProblem(node.id) ?? (shapedLikeCredential(node.id) ? SHAPED : null)
    : null;
  if (problem) {
    problems.push(
      at(doc.locate(node, "id"), `${what} ${escapedId(node.id)} cannot be used: ${problem}`),
    );
  }
}

const SHAPED = "it is shaped like a credential, so every report would show it redacted";

/**
 * Each of `fields` of `node` (names, an e-mail) that every report would show redacted, as a
 * located problem: keydrift compares them and writes them into fixes, so they must show as they
 * are (a live value like it fails the read).
 */
export function checkShown(
  doc: CheckedDocument,
  node: Obj,
  fields: readonly string[],
  problems: ManifestProblem[],
) {
  for (const f of fields) {
    if (typeof node[f] === "string" && shapedLikeCredential(node[f])) {
      problems.push(at(doc.locate(node, f), `"${f}" cannot be used: ${SHAPED}`));
    }
  }
}
