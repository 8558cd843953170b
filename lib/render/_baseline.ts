/**
 * Baseline outcomes in words, shared by the formats that show them (issue 19). Plain text: each
 * renderer makes it inert for its destination (`textSafe`, `mdText`, ...).
 */
import type { BaselineMismatch } from "../enrich/baseline_file.ts";
import type { Identity } from "../enrich/fingerprint.ts";

/** An identity in words: `drift/unexpected, key "ci" (key_1), project proj_a, owner user user-1`. */
export function identityText(id: Identity): string {
  const key = id.key_name !== null
    ? `key ${JSON.stringify(id.key_name)}${id.key_id !== null ? ` (${id.key_id})` : ""}`
    : id.key_id !== null
    ? `key ${id.key_id}`
    : "";
  return [
    id.rule,
    key,
    id.project_id === null ? "admin keys" : `project ${id.project_id}`,
    id.owner ? `owner ${id.owner.type} ${id.owner.id}` : "",
    id.occurrence > 1 ? `occurrence ${id.occurrence}` : "",
  ].filter(Boolean).join(", ");
}

/**
 * Why an entry hid nothing: `b.json:7:5: baseline entry has the fingerprint of <item> but records
 * <entry>: not applied ...`.
 */
export function mismatchText(m: BaselineMismatch): string {
  const at = `${m.location.file}:${m.location.line}:${m.location.column}`;
  const what = m.matchedBy === "fingerprint"
    ? `has the fingerprint of ${identityText(m.item)} but records ${identityText(m.entry)}`
    : `records ${identityText(m.item)} but not its fingerprint`;
  return `${at}: baseline entry ${what}: not applied, the item is reported (keydrift did not ` +
    `write this entry as it stands: remove it, or record the item again with keydrift baseline)`;
}
