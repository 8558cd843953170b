/**
 * The words for enrichment and remediation, shared by every renderer (one phrasing place):
 * `created 2026-09-03 by carl@example.test (203.0.113.7)`, the usage words of `_usage.ts`,
 * and a remediation as a copy-pasteable `curl` line. Returned strings hold server data raw: each
 * renderer makes them inert for its format, except `curlLine`, which is safe by construction
 * (printable ASCII, every server string percent-encoded or inside single quotes).
 */
import type { Drift, Enriched, Finding, Remediation } from "./words.ts";
import { isoDate } from "../core/time.ts";
import { append } from "../core/arrays.ts";
import { type AuditActor, type KeyEvent } from "../core/types.ts";
import { usageParts } from "./_usage.ts";

/** Who acted, as briefly as the event allows. */
export function actorText(a: AuditActor | null): string {
  if (!a) return "an actor the log does not name";
  if (a.type === "session") {
    return a.email ?? (a.user_id ? `user ${a.user_id}` : "a dashboard user");
  }
  const via = a.api_key_id ? ` (API key ${a.api_key_id})` : "";
  if (a.service_account_id) return `service account ${a.service_account_id}${via}`;
  if (a.email) return `${a.email}${via}`;
  if (a.user_id) return `user ${a.user_id}${via}`;
  return a.api_key_id ? `API key ${a.api_key_id}` : "an API key";
}

/** `created 2026-09-03 by carl@example.test (203.0.113.7)`. */
export function eventText(e: KeyEvent): string {
  const verb = e.event === "api_key.created" ? "created" : "changed";
  return `${verb} ${isoDate(e.at)} by ${actorText(e.actor)}${
    e.ip_address ? ` (${e.ip_address})` : ""
  }`;
}

/** What is known of the item's key from enrichment, as short phrases (empty when nothing). */
export function enrichmentParts(x: Drift | Finding): string[] {
  const parts: string[] = [];
  if (x.attribution) {
    parts.push(eventText(x.attribution));
    if (x.lastUpdate && x.lastUpdate !== x.attribution) {
      parts.push(`last ${eventText(x.lastUpdate)}`);
    }
  } else if (x.attribution === null) {
    parts.push(`creator unknown: ${x.attributionError ?? "not read"}`);
  }
  append(parts, usageParts(x));
  return parts;
}

/** The base URL a printed command uses: the caller's `OPENAI_BASE_URL`, else the public API. */
const BASE = "${OPENAI_BASE_URL:-https://api.openai.com/v1}";

/** JSON with every character outside printable ASCII as a `\u` escape (same value, inert). */
function asciiJson(v: unknown): string {
  return JSON.stringify(v).replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** `'…'` for a POSIX shell: nothing inside is expanded. */
function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The `curl` command for an API remediation (null for a manifest edit). The admin key is never
 * in it: `"$OPENAI_ADMIN_KEY"` is expanded by the shell that runs it.
 */
export function curlLine(r: Remediation): string | null {
  if (r.method === "EDIT") return null;
  // Paths are built from percent-encoded ids (remediation.ts); refuse anything else.
  if (!/^\/[A-Za-z0-9/_.~%-]*$/.test(r.path)) return null;
  const body = r.body === null
    ? ""
    : ` -H "Content-Type: application/json" -d ${shellQuote(asciiJson(r.body))}`;
  // --fail-with-body: an HTTP error is a failing command (exit 22) that still prints the answer.
  return `curl -sS --fail-with-body -X ${r.method} "${BASE}${r.path}" -H "Authorization: Bearer $OPENAI_ADMIN_KEY"${body}`;
}

/** A manifest edit in words: `edit keydrift.yaml:48: set owner.name = "indexer-v2"`. */
export function editText(r: Remediation): string {
  const b = r.body;
  const what = !b
    ? "edit"
    : "set" in b
    ? `set ${Object.entries(b.set).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(", ")}`
    : "pin_one_of" in b
    ? `set id to one of ${b.pin_one_of.map((id) => JSON.stringify(id)).join(", ")}`
    : "remove" in b
    ? `remove the ${b.remove}`
    : "add_waiver" in b
    ? `add a waiver for ${b.add_waiver.policy} on ${b.add_waiver.project}/${
      b.add_waiver.key ?? "*"
    } (with a reason and an expiry)`
    : "add_entry" in b
    ? `declare the key${b.add_entry.name === null ? "" : ` ${JSON.stringify(b.add_entry.name)}`}${
      b.add_entry.id === null ? "" : ` with id ${b.add_entry.id}`
    }`
    : "edit";
  return `edit ${r.path}: ${what}`;
}

/**
 * Enrichment and fix as plain prose appended to an item's one-line message (SARIF, JUnit, Code
 * Quality): `; created … by …; used … times in the last 7 days. Fix: Delete the key, … (DELETE
 * /organization/projects/p/api_keys/k)`. Empty when the item carries neither.
 */
export function enrichedSuffix(x: Drift | Finding, o: { fix: boolean } = { fix: true }): string {
  const parts = enrichmentParts(x);
  const r = o.fix ? x.remediation : undefined;
  const fix = r
    ? ` Fix: ${r.summary} (${r.method === "EDIT" ? editText(r) : `${r.method} ${r.path}`})`
    : "";
  return `${parts.length ? `; ${parts.join("; ")}` : ""}${fix}`;
}

/** The enrichment fields an item carries (only those the run filled), as the JSON names them. */
export function enrichedFields(x: Enriched) {
  return {
    ...(x.attribution !== undefined ? { attribution: x.attribution } : {}),
    ...(x.attribution ? { last_update: x.lastUpdate ?? null } : {}),
    ...(x.attributionError !== undefined ? { attribution_error: x.attributionError } : {}),
    ...(x.usage !== undefined ? { usage: x.usage } : {}),
    ...(x.usageError !== undefined ? { usage_error: x.usageError } : {}),
    ...(x.usageNote !== undefined ? { usage_note: x.usageNote } : {}),
    ...(x.usageVerdict !== undefined ? { usage_verdict: x.usageVerdict } : {}),
    ...(x.costError !== undefined ? { cost_error: x.costError } : {}),
  };
}

/**
 * SARIF result `properties` for the enrichment and the fix (method, path, body, summary, action,
 * and whether the published OpenAPI spec has the endpoint).
 */
export function enrichedProperties(x: Drift | Finding): Record<string, unknown> {
  const r = x.remediation;
  return {
    ...enrichedFields(x),
    ...(r
      ? {
        remediation: {
          method: r.method,
          path: r.path,
          body: r.body,
          summary: r.summary,
          action: r.action,
          in_published_spec: r.in_published_spec,
        },
      }
      : {}),
  };
}
