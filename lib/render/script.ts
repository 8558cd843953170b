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

function label(x: Drift | Finding): string {
  const what = "kind" in x ? x.kind : `${x.severity} ${x.policy}`;
  const key = x.keyName !== null || x.keyId !== null
    ? ` key ${JSON.stringify(x.keyName)}${x.keyId ? ` [${x.keyId}]` : ""}`
    : "";
  return t(`${what}${key}`);
}

function counts(all: Remediation[]): string[] {
  // One call fixes every item it appears on (an unexpected key with a finding): count it once.
  const seen = new Set<string>();
  const items = all.filter((r) => {
    const id = `${r.method} ${r.path} ${JSON.stringify(r.body)}`;
    return r.method === "EDIT" || (!seen.has(id) && !!seen.add(id));
  });
  const n = (pred: (r: Remediation) => boolean) => items.filter(pred).length;
  const accounts = n((r) => r.action === "delete_service_account");
  const del = n((r) => r.method === "DELETE") - accounts;
  const expiry = n((r) => r.method === "POST" && r.body !== null && "expires_in_seconds" in r.body);
  const create = n((r) => r.method === "POST") - expiry;
  const edit = n((r) => r.method === "EDIT");
  const s = (k: number, one: string, many = `${one}s`) => `${k} ${k === 1 ? one : many}`;
  return [
    del ? `delete ${s(del, "key")} (DELETE .../api_keys/{id})` : "",
    accounts
      ? `delete ${s(accounts, "service account")} with ${
        accounts === 1 ? "its keys" : "their keys"
      } (DELETE .../service_accounts/{id})`
      : "",
    expiry ? `set an expiry on ${s(expiry, "key")} (POST .../api_keys/{id})` : "",
    create ? `create ${s(create, "service-account key")} (POST .../service_accounts...)` : "",
    edit ? `and list ${s(edit, "manifest edit")} to make by hand` : "",
  ].filter(Boolean);
}

/** The report as a shell script of remediation commands for the unwaived items */
export function renderScript(r: Report, _opts: RenderOptions): string {
  const items = [...r.drift, ...r.findings].filter((x) => !("waived" in x && x.waived));
  const fixes = items.flatMap((x) => (x.remediation ? [x.remediation] : []));
  const out = [
    "#!/bin/sh",
    `# keydrift ${t(r.tool.version)} remediation script for ${
      t(r.manifestFiles.join(", ") || "(no manifest)")
    }.`,
    "# REVIEW BEFORE USE. Every command below is commented out; keydrift never runs them.",
    "# Uncomment only the lines you mean to run. Each command reads the admin key from",
    '# "$OPENAI_ADMIN_KEY" (it needs write access to project API keys and service accounts)',
    "# and the base URL from $OPENAI_BASE_URL (default https://api.openai.com/v1).",
  ];
  if (r.status === "error") {
    out.push(
      "#",
      "# The check did not complete, so no fix is proposed: nothing is known about drift.",
    );
    return out.join("\n") + "\n";
  }
  const what = counts(fixes);
  out.push(
    "#",
    what.length
      ? `# Uncommented, it would: ${what.join("; ")}.`
      : "# Nothing to fix: no drift and no open finding.",
    "# Waived findings are left out.",
  );
  const written = new Set<string>();
  for (const { id, drift, findings } of byProject({ drift: r.drift, findings: r.findings })) {
    const open = [...drift, ...findings].filter((x) => !("waived" in x && x.waived));
    if (!open.length) continue;
    out.push("", id === ORG ? "# admin keys (organisation)" : `# project ${t(id)}`);
    for (const x of open) {
      if (!x.remediation) continue;
      out.push(`# ${label(x)}: ${t(x.remediation.summary)}`);
      const cmd = curlLine(x.remediation);
      if (cmd && written.has(cmd)) out.push("#   (the same call as above)");
      else out.push(cmd ? `# ${cmd}` : `#   ${t(editText(x.remediation))}`);
      if (cmd) written.add(cmd);
    }
  }
  return out.join("\n") + "\n";
}
