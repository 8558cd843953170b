/** `junit`: one testcase per declared key and per unexpected key (classname = project); failures carry the diff. */
import type { Report } from "../report.ts";
import type { Manifest } from "../types.ts";
import { driftMessage, findingMessage } from "./_shared.ts";

/** XML 1.0 text: escapes markup and drops characters XML cannot carry. */
export function xml(s: string): string {
  return s
    // deno-lint-ignore no-control-regex
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "")
    .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

interface Case {
  classname: string;
  name: string;
  file: string;
  failures: string[];
  skipped?: string;
}

export interface JunitOptions {
  manifest?: Manifest | null;
}

export function renderJunit(r: Report, opts: JunitOptions = {}): string {
  const cases: Case[] = [];
  const byKey = new Map<string, Case>();
  for (const p of opts.manifest?.projects ?? []) {
    const project: Case = {
      classname: p.id,
      name: "(project)",
      file: p.location.file,
      failures: [],
    };
    cases.push(project);
    byKey.set(`${p.id}|`, project);
    for (const k of p.keys) {
      const c: Case = {
        classname: p.id,
        name: k.id ? `${k.name} [${k.id}]` : k.name,
        file: k.location.file,
        failures: [],
      };
      cases.push(c);
      byKey.set(`${p.id}|${k.name}|${k.id ?? ""}`, c);
      if (!byKey.has(`${p.id}|${k.name}|`)) byKey.set(`${p.id}|${k.name}|`, c);
    }
  }
  const caseFor = (projectId: string, name: string | null, id: string | null, file: string) => {
    const c = name === null
      ? byKey.get(`${projectId}|`)
      : byKey.get(`${projectId}|${name}|${id ?? ""}`) ?? byKey.get(`${projectId}|${name}|`);
    if (c) return c;
    const made: Case = {
      classname: projectId,
      name: name === null ? "(project)" : `${name}${id ? ` [${id}]` : ""}`,
      file,
      failures: [],
    };
    cases.push(made);
    byKey.set(`${projectId}|${name ?? ""}|${id ?? ""}`, made);
    return made;
  };
  const fallback = r.manifestFiles[0] ?? "keydrift.yaml";
  for (const d of r.drift) {
    caseFor(
      d.projectId,
      d.keyName,
      d.kind === "unexpected" ? d.keyId : d.kind === "missing" ? null : null,
      d.location?.file ?? fallback,
    )
      .failures.push(`[${d.kind}, ${d.severity}] ${driftMessage(d)}`);
  }
  for (const f of r.findings) {
    if (f.waived) continue;
    const c = caseFor(f.projectId, f.keyName, null, f.location?.file ?? fallback);
    c.failures.push(`[${f.policy}, ${f.severity}] ${findingMessage(f)}`);
  }
  const failures = cases.filter((c) => c.failures.length).length;
  const errors = r.errors.length;
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="keydrift" tests="${
      cases.length + errors
    }" failures="${failures}" errors="${errors}">`,
    `  <testsuite name="keydrift check" tests="${
      cases.length + errors
    }" failures="${failures}" errors="${errors}" skipped="0" time="0">`,
  ];
  for (const e of r.errors) {
    lines.push(
      `    <testcase classname="${
        xml(e.projectId ?? "keydrift")
      }" name="read live state" time="0">`,
      `      <error message="${xml(e.message)}" type="incomplete">${xml(e.message)}</error>`,
      `    </testcase>`,
    );
  }
  for (const c of cases) {
    const open = `    <testcase classname="${xml(c.classname)}" name="${xml(c.name)}" file="${
      xml(c.file)
    }" time="0"`;
    if (!c.failures.length) {
      lines.push(`${open}/>`);
      continue;
    }
    const body = c.failures.join("\n");
    lines.push(
      `${open}>`,
      `      <failure message="${xml(c.failures[0])}" type="drift">${xml(body)}</failure>`,
      `    </testcase>`,
    );
  }
  lines.push("  </testsuite>", "</testsuites>", "");
  return lines.join("\n");
}
