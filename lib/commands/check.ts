/** `keydrift check`: read live keys, match, diff, evaluate policies, report, exit code. */
import type { Deps } from "../deps.ts";
import { formatProblem, ManifestError, suggestion, UsageError } from "../errors.ts";
import { assessment } from "../assess.ts";
import type { Policy } from "../policy.ts";
import { readLive } from "../live_state.ts";
import { errorReport, type FailOn, type Report } from "../report.ts";
import { isFormat, RENDERERS } from "../render/mod.ts";
import type { Manifest } from "../types.ts";
import { enumFlag, parse } from "./args.ts";
import { preloadSdk } from "../admin_client.ts";
import { connect, CONNECT_OPTIONS, connectHelp, connectOptions } from "./connect.ts";
import { loadFrom } from "./load.ts";

export const CHECK_HELP = `Usage: keydrift check [options]

Compare the manifest with the live keys and report drift.
Exit codes: 0 in sync, 1 error (nothing claimed), 2 drift or a failing finding.

Options:
  -m, --manifest PATH     manifest file, directory of *.yaml, or - for stdin (repeatable; default keydrift.yaml)
      --format NAME[=PATH]  report format, repeatable: ${
  Object.keys(RENDERERS).join(", ")
} (default text to stdout)
      --summary           also append the markdown report to $GITHUB_STEP_SUMMARY when it is set
${connectHelp("run against")}
      --project ID        check only this project (repeatable)
      --fail-on LEVEL     error (default) or warning: the lowest severity that fails the run
      --no-waivers        ignore all waivers (audit mode)
      --color WHEN        auto (default), always or never
  -q, --quiet             only errors on stderr
  -v, --verbose           progress, retries and stack traces on stderr (never secrets)
  -h, --help              show this help
`;

export const CHECK_OPTIONS = {
  manifest: { type: "string", short: "m", multiple: true },
  format: { type: "string", multiple: true },
  summary: { type: "boolean" },
  project: { type: "string", multiple: true },
  "fail-on": { type: "string" },
  "no-waivers": { type: "boolean" },
  color: { type: "string" },
  quiet: { type: "boolean", short: "q" },
  ...CONNECT_OPTIONS,
  help: { type: "boolean", short: "h" },
} as const;

export interface Output {
  format: keyof typeof RENDERERS;
  path: string | null;
}

/** Parses `--format NAME[=PATH]` values; at most one format may go to stdout. */
export function parseFormats(values: readonly string[] | undefined, command: string): Output[] {
  const out: Output[] = (values ?? ["text"]).map((v) => {
    const [name, ...rest] = v.split("=");
    if (!isFormat(name)) {
      throw new UsageError(
        `unknown format "${name}"; choose from ${Object.keys(RENDERERS).join(", ")}${
          suggestion(name, Object.keys(RENDERERS))
        }`,
        command,
      );
    }
    const path = rest.length ? rest.join("=") : null;
    if (path === "") throw new UsageError(`--format ${name}= needs a file path after "="`, command);
    return { format: name, path };
  });
  if (out.filter((o) => o.path === null).length > 1) {
    throw new UsageError(
      "only one --format may write to stdout; give the others a file: --format json=report.json",
      command,
    );
  }
  return out;
}

export interface Io {
  deps: Deps;
  out(text: string): Promise<void>;
  err(text: string): Promise<void>;
  write(path: string, text: string, append?: boolean): Promise<void>;
  addSecret(secret: string): void;
}

/** Runs `check`; returns the exit code. */
export async function check(argv: string[], io: Io, policies: readonly Policy[]): Promise<number> {
  const { values: v } = parse("check", argv, CHECK_OPTIONS);
  if (v.help) return (await io.out(CHECK_HELP), 0);
  const outputs = parseFormats(v.format, "check");
  if (v.fake === "-" && (v.manifest ?? []).includes("-")) {
    throw new UsageError(
      "-m - and --fake - cannot both read stdin; pass one of them as a file",
      "check",
    );
  }
  const failOn: FailOn = enumFlag(
    "check",
    "fail-on",
    v["fail-on"],
    ["error", "warning"] as const,
    "error",
  );
  const color = enumFlag("check", "color", v.color, ["auto", "always", "never"] as const, "auto");
  const useColor = color === "always" ||
    (color === "auto" && io.deps.isTerminal() && !io.deps.noColor);
  const connection = connectOptions("check", v, (m) => void io.err(`keydrift: ${m}\n`));
  const log = connection.log;
  let manifestForReport: Manifest | null = null;
  const emit = (report: Report) =>
    writeReports(io, report, outputs, {
      color: useColor,
      width: io.deps.columns?.(),
      summary: v.summary === true,
      policies,
      manifest: manifestForReport,
    });

  preloadSdk();
  const loaded = await loadFrom(io.deps, v.manifest ?? [], policies, "check");
  if (!loaded.manifest) {
    await emit(errorReport(`the manifest is invalid (${loaded.problems.length} problems)`, failOn));
    throw new ManifestError(loaded.problems);
  }
  for (const p of loaded.waiverProblems) {
    if (!v.quiet) await io.err(`keydrift: warning: ${formatProblem(p)}\n`);
  }
  const manifest = scope(loaded.manifest, v.project ?? []);
  manifestForReport = manifest;
  const started = io.deps.now();
  let report: Report;
  try {
    const { client, secret } = await connect(io.deps, connection);
    if (secret) io.addSecret(secret);
    try {
      const assess = assessment(manifest, policies, {
        now: started,
        noWaivers: v["no-waivers"] === true,
        failOn,
      });
      const errors = await readLive(client, manifest.projects, assess.add);
      log?.(
        `read ${manifest.projects.length} projects in ${
          Math.round(io.deps.now() - started)
        } ms with ${client.stats.requests} requests (${client.stats.retries} retries)`,
      );
      report = assess.report(errors);
    } finally {
      client.close();
    }
  } catch (e) {
    if (e instanceof UsageError) await emit(errorReport(e.message, failOn, manifest));
    throw e;
  }
  await emit(report);
  return report.exitCode;
}

/** Narrows the manifest to `--project` ids; each must be declared. */
function scope(manifest: Manifest, ids: readonly string[]): Manifest {
  if (!ids.length) return manifest;
  const declared = manifest.projects.map((p) => p.id);
  for (const id of ids) {
    if (!declared.includes(id)) {
      throw new UsageError(
        `--project "${id}" is not declared in the manifest${suggestion(id, declared)}`,
        "check",
      );
    }
  }
  return { ...manifest, projects: manifest.projects.filter((p) => ids.includes(p.id)) };
}

async function writeReports(
  io: Io,
  report: Report,
  outputs: Output[],
  o: {
    color: boolean;
    width: number | undefined;
    summary: boolean;
    policies: readonly Policy[];
    manifest: Manifest | null;
  },
) {
  const jsonReport = outputs.find((x) => x.format === "json" && x.path !== null)?.path ?? undefined;
  for (const { format, path } of outputs) {
    const toTerminal = path === null && format === "text";
    const text = RENDERERS[format](report, {
      color: toTerminal && o.color,
      width: toTerminal ? o.width : undefined,
      policies: o.policies,
      manifest: o.manifest,
      jsonReport,
    });
    if (path === null) await io.out(text);
    else await io.write(path, text);
  }
  const summaryPath = o.summary ? io.deps.env("GITHUB_STEP_SUMMARY") : undefined;
  if (summaryPath) {
    await io.write(
      summaryPath,
      RENDERERS.markdown(report, { color: false, jsonReport }) + "\n",
      true,
    );
  }
}
