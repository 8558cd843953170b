/** The renderer registry: one pure `(report, options) => string` per format. */
import type { Report } from "../report.ts";
import type { Policy } from "../policy.ts";
import type { Manifest } from "../types.ts";
import { renderText } from "./text.ts";
import { renderJson } from "./json.ts";
import { renderMarkdown, renderMarkdownComment } from "./markdown.ts";
import { renderGithub } from "./github.ts";
import { renderSarif } from "./sarif.ts";
import { renderJunit } from "./junit.ts";

export interface RenderOptions {
  /** ANSI colour (text only). */
  color: boolean;
  /** Policies known to this run (SARIF rules). */
  policies?: readonly Policy[];
  /** The checked manifest (JUnit lists every declared key). */
  manifest?: Manifest | null;
  /** Wrap text lines at this many columns (text only; unset: no wrapping). */
  width?: number;
  /**
   * Where this run wrote the full JSON report, if it did: budgeted formats (markdown) name it
   * when they leave detail out.
   */
  jsonReport?: string;
}

export type Renderer = (report: Report, opts: RenderOptions) => string;

export const RENDERERS = {
  text: renderText,
  json: renderJson,
  markdown: renderMarkdown,
  "markdown-comment": renderMarkdownComment,
  github: renderGithub,
  sarif: renderSarif,
  junit: renderJunit,
} satisfies Record<string, Renderer>;

export type FormatName = keyof typeof RENDERERS;

export function isFormat(name: string): name is FormatName {
  return Object.hasOwn(RENDERERS, name);
}
