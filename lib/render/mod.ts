/**
 * The renderer registry: one pure `(report, options) => string` per format, and for the formats
 * that grow with the report a `(report, options) => Iterable<string>` that the CLI writes piece by
 * piece (`renderChunks`), so memory holds the report, not every rendered copy of it.
 */
import type { Report as ModelReport } from "../report/report.ts";
import { type Report, worded } from "./words.ts";
import type { RenderOptions } from "./options.ts";
import { renderText, textChunks } from "./text.ts";
import { renderJson } from "./json.ts";
import { renderMarkdown, renderMarkdownComment } from "./markdown.ts";
import { renderGithub } from "./github.ts";
import { renderSarif, sarifChunks } from "./sarif.ts";
import { junitChunks, renderJunit } from "./junit.ts";
import { codeclimateChunks, renderCodeclimate } from "./codeclimate.ts";
import { jsonChunks } from "./json.ts";
import { renderScript } from "./script.ts";
import { capFields } from "./inert.ts";

export type { RenderOptions } from "./options.ts";

/** Renders a whole report in one format */
export type Renderer = (report: ModelReport, opts: RenderOptions) => string;

/**
 * The report every format renders: worded (`words.ts`), then each string in it at most
 * `FIELD_MAX` characters, cut with a visible ellipsis (`capFields`); computed once per report
 * however many formats are written.
 */
const cappedReports = new WeakMap<ModelReport, Report>();
function capped(r: ModelReport): Report {
  let c = cappedReports.get(r);
  if (!c) cappedReports.set(r, c = capFields(worded(r)));
  return c;
}

/** A renderer (same options) that renders the worded, capped report. */
function onCapped<A extends unknown[], T>(
  render: (r: Report, ...rest: A) => T,
): (r: ModelReport, ...rest: A) => T {
  return (r, ...rest) => render(capped(r), ...rest);
}

/** The renderer of every report format, by name */
export const RENDERERS = {
  text: onCapped(renderText),
  json: onCapped(renderJson),
  markdown: onCapped(renderMarkdown),
  "markdown-comment": onCapped(renderMarkdownComment),
  github: onCapped(renderGithub),
  sarif: onCapped(renderSarif),
  junit: onCapped(renderJunit),
  codeclimate: onCapped(renderCodeclimate),
  script: onCapped(renderScript),
} satisfies Record<string, Renderer>;

/** The name of a report format */
export type FormatName = keyof typeof RENDERERS;

/** Whether a name is a report format keydrift knows */
export function isFormat(name: string): name is FormatName {
  return Object.hasOwn(RENDERERS, name);
}

/** Renders a report in one format a piece at a time */
export type ChunkRenderer = (report: ModelReport, opts: RenderOptions) => Iterable<string>;

/** Formats written piece by piece; each piece ends at an item boundary. */
export const CHUNKED: { readonly [F in FormatName]?: ChunkRenderer } = {
  text: onCapped(textChunks),
  json: onCapped(jsonChunks),
  sarif: onCapped(sarifChunks),
  junit: onCapped(junitChunks),
  codeclimate: onCapped(codeclimateChunks),
};

/**
 * A format's output as pieces of at least `size` characters (the last may be shorter), joined
 * only at item boundaries: a secret scrubber that works piece by piece sees every server string
 * whole. A format without a chunked renderer comes as one piece. Pieces are 64 KiB so that they
 * and their scrubbed and encoded copies stay in V8's young generation and are collected at once:
 * at 30,000 keys with every format written, 1 MiB pieces peaked at 428 MB RSS, 64 KiB at 337 MB.
 */
export function* renderChunks(
  format: FormatName,
  report: ModelReport,
  opts: RenderOptions,
  size = 1 << 16,
): Generator<string> {
  const chunked = CHUNKED[format];
  if (!chunked) {
    yield RENDERERS[format](report, opts);
    return;
  }
  let parts: string[] = [];
  let length = 0;
  for (const part of chunked(report, opts)) {
    parts.push(part);
    length += part.length;
    if (length >= size) {
      yield parts.join("");
      parts = [];
      length = 0;
    }
  }
  if (parts.length) yield parts.join("");
}
