/** The renderer registry: one pure `(report, options) => string` per format. */
import type { Report } from "../report.ts";
import { renderText } from "./text.ts";
import { renderJson } from "./json.ts";

export interface RenderOptions {
  /** ANSI colour (text only). */
  color: boolean;
}

export type Renderer = (report: Report, opts: RenderOptions) => string;

export const RENDERERS = {
  text: renderText,
  json: renderJson,
} satisfies Record<string, Renderer>;

export type FormatName = keyof typeof RENDERERS;

export function isFormat(name: string): name is FormatName {
  return Object.hasOwn(RENDERERS, name);
}
