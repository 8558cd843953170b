/** `sarif`: SARIF 2.1.0 for code scanning: one rule per drift kind and per policy, results in the manifest. */
import type { Report } from "../report.ts";
import type { Policy } from "../policy.ts";
import type { SourceLocation } from "../types.ts";
import { DRIFT_TEXT, driftMessage, findingMessage, fingerprint, identity } from "./_shared.ts";

const DOCS = "https://github.com/keydrift/keydrift#";

export interface SarifOptions {
  policies?: readonly Pick<Policy, "id" | "summary" | "rationale" | "source" | "defaultSeverity">[];
}

function location(l: SourceLocation | null, fallback: string) {
  return [{
    physicalLocation: {
      artifactLocation: { uri: l?.file ?? fallback },
      region: { startLine: l?.line ?? 1, startColumn: l?.column ?? 1 },
    },
  }];
}

export function renderSarif(r: Report, opts: SarifOptions = {}): string {
  const fallback = r.manifestFiles[0] ?? "keydrift.yaml";
  const rules = [
    ...Object.entries(DRIFT_TEXT).map(([kind, t]) => ({
      id: `drift/${kind}`,
      name: t.title.replace(/ (\w)/g, (_, c: string) => c.toUpperCase()),
      shortDescription: { text: t.title },
      fullDescription: { text: t.help },
      help: { text: t.help, markdown: `**${t.title}**: ${t.help}` },
      helpUri: `${DOCS}drift-kinds`,
      defaultConfiguration: { level: kind === "unexpected" ? "warning" : "error" },
    })),
    ...(opts.policies ?? []).map((p) => ({
      id: `policy/${p.id}`,
      name: p.id,
      shortDescription: { text: p.summary },
      fullDescription: { text: `${p.summary}. ${p.rationale}` },
      help: {
        text: `${p.rationale} Source: ${p.source}`,
        markdown: `${p.rationale}\n\nSource: ${p.source}`,
      },
      helpUri: `${DOCS}policies`,
      defaultConfiguration: { level: p.defaultSeverity === "off" ? "none" : p.defaultSeverity },
    })),
  ];
  const results = [
    ...r.drift.map((d) => ({
      ruleId: `drift/${d.kind}`,
      level: d.severity,
      message: { text: driftMessage(d) },
      locations: location(d.location, fallback),
      partialFingerprints: { "keydrift/v1": fingerprint(identity(d)) },
    })),
    ...r.findings.map((f) => ({
      ruleId: `policy/${f.policy}`,
      level: f.severity,
      message: { text: findingMessage(f) },
      locations: location(f.location, fallback),
      partialFingerprints: { "keydrift/v1": fingerprint(identity(f)) },
      ...(f.waived && f.waiver
        ? {
          suppressions: [{
            kind: "inSource",
            status: "accepted",
            justification: `${f.waiver.reason} (until ${f.waiver.expires})`,
          }],
        }
        : {}),
    })),
  ];
  const sarif = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [{
      tool: {
        driver: {
          name: "keydrift",
          version: r.tool.version,
          informationUri: DOCS.slice(0, -1),
          rules,
        },
      },
      automationDetails: { id: "keydrift/" },
      invocations: [{
        executionSuccessful: r.status !== "error",
        toolExecutionNotifications: r.errors.map((e) => ({
          level: "error",
          message: { text: e.message },
        })),
      }],
      results,
    }],
  };
  return JSON.stringify(sarif, null, 2) + "\n";
}
