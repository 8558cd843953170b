/**
 * `script`: the remediations as a shell script for review (SPEC 10.5). Every line is a comment:
 * the header says what the commands would do, then each item's fix follows as a commented-out
 * `curl` (or the manifest edit in words). Nothing runs until a person uncomments a line; keydrift
 * itself never sends any of these requests. Server strings appear only in comments made
 * `textSafe` (no line break can end a comment) or inside the shell-safe `curlLine`.
 */
import { ORG } from "../core/types.ts";
import type { Drift, Finding, Remediation, Report } from "./words.ts";
import type { RenderOptions } from "./options.ts";
import { byProject } from "./_shared.ts";
import { curlLine, editText } from "./_enrich.ts";
import { textSafe } from "./inert.ts";

const t = textSafe;

/** `unexpected key "old-ci" [key_1]`; a key without a name by its id: `unexpected key [key_1]`. */
function label(x: Drift | Finding): string {
  const what = "kind" in x ? x.kind : `${x.severity} ${x.policy}`;
  const kind = x.keyType === "admin" ? "admin key" : "key";
  const name = x.keyName === null ? "" : ` ${JSON.stringify(x.keyName)}`;
  const key = x.keyName !== null || x.keyId !== null
    ? ` ${kind}${name}${x.keyId ? ` [${x.keyId}]` : ""}`
    : "";
  return t(`${what}${key}`);
}

/** What each API action does, counted: `delete 2 keys (DELETE .../api_keys/{id})`. */
const DOES: Record<
  Exclude<Remediation["action"], "edit_manifest">,
  { verb: string; one: string; many: string; how: string }
> = {
  delete_key: { verb: "delete", one: "key", many: "keys", how: "(DELETE .../api_keys/{id})" },
  delete_service_account: {
    verb: "delete",
    one: "service account with its keys",
    many: "service accounts with their keys",
    how: "(DELETE .../service_accounts/{id})",
  },
  delete_admin_key: {
    verb: "delete",
    one: "admin key",
    many: "admin keys",
    how: "(DELETE /organization/admin_api_keys/{id})",
  },
  set_expiry: {
    verb: "set an expiry on",
    one: "key",
    many: "keys",
    how: "(POST .../api_keys/{id}: in the official SDK, not in the published OpenAPI spec)",
  },
  create_key: {
    verb: "create",
    one: "service-account key",
    many: "service-account keys",
    how: "(POST .../service_accounts/{id}/api_keys)",
  },
  create_service_account: {
    verb: "create",
    one: "service account with a first key",
    many: "service accounts with a first key each",
    how: "(POST .../service_accounts)",
  },
};

function counts(all: Remediation[]): string[] {
  // One call fixes every item it appears on (an unexpected key with a finding): count it once.
  const seen = new Set<string>();
  const items = all.filter((r) => {
    const id = `${r.method} ${r.path} ${JSON.stringify(r.body)}`;
    return r.method === "EDIT" || (!seen.has(id) && !!seen.add(id));
  });
  const n = (action: Remediation["action"]) => items.filter((r) => r.action === action).length;
  const calls = Object.entries(DOES).map(([action, d]) => {
    const k = n(action as Remediation["action"]);
    return k ? `${d.verb} ${k} ${k === 1 ? d.one : d.many} ${d.how}` : "";
  });
  const edit = n("edit_manifest");
  const edits = edit
    ? `and list ${edit} manifest edit${edit === 1 ? "" : "s"} to make by hand`
    : "";
  return [...calls, edits].filter(Boolean);
}

/** The script's opening lines: what it is and how its commands run. */
function header(r: Report): string[] {
  return [
    "#!/bin/sh",
    `# keydrift ${t(r.tool.version)} remediation script for ${
      t(r.manifestFiles.join(", ") || "(no manifest)")
    }.`,
    "# REVIEW BEFORE USE. Every command below is commented out; keydrift never runs them.",
    "# Uncomment only the lines you mean to run. Each command reads the admin key from",
    '# "$OPENAI_ADMIN_KEY" (it needs write access to project API keys and service accounts)',
    "# and the base URL from $OPENAI_BASE_URL (default https://api.openai.com/v1).",
    "# set -eu stops the script at the first command that fails (or an unset variable).",
    "set -eu",
  ];
}

/** Each project's open items, their fixes' words and commands (a call already listed once). */
function body(r: Report): string[] {
  const out: string[] = [];
  const written = new Set<string>();
  for (const { id, org, drift, findings } of byProject({ drift: r.drift, findings: r.findings })) {
    const open = [...drift, ...findings].filter((x) => !("waived" in x && x.waived));
    if (!open.length) continue;
    const of = org === undefined ? "" : ` (org ${t(org)}: its admin key in OPENAI_ADMIN_KEY)`;
    out.push("", id === ORG ? `# admin keys (organisation)${of}` : `# project ${t(id)}${of}`);
    for (const x of open) {
      if (!x.remediation) continue;
      out.push(`# ${label(x)}: ${t(x.remediation.summary)}`);
      const cmd = curlLine(x.remediation);
      if (cmd && written.has(cmd)) out.push("#   (the same call as above)");
      else out.push(cmd ? `# ${cmd}` : `#   ${t(editText(x.remediation))}`);
      if (cmd) written.add(cmd);
    }
  }
  return out;
}

/** The report as a shell script of remediation commands for the unwaived items */
export function renderScript(r: Report, _opts: RenderOptions): string {
  const out = header(r);
  if (r.status === "error") {
    out.push(
      "#",
      "# The check did not complete, so no fix is proposed: nothing is known about drift.",
    );
    return out.join("\n") + "\n";
  }
  const items = [...r.drift, ...r.findings].filter((x) => !("waived" in x && x.waived));
  const what = counts(items.flatMap((x) => (x.remediation ? [x.remediation] : [])));
  out.push(
    "#",
    what.length
      ? `# Uncommented, it would: ${what.join("; ")}.`
      : "# Nothing to fix: no drift and no open finding.",
    "# Waived findings are left out. Each command needs curl 7.76 or later: --fail-with-body",
    "# makes an HTTP error a failure that prints the API's answer.",
    ...body(r),
  );
  return out.join("\n") + "\n";
}
