/** Options every renderer takes (in their own module, so renderers do not import the registry). */

/** The one options type every renderer takes: how to render, never what (that is the report). */
export interface RenderOptions {
  /** ANSI colour (text only). */
  color: boolean;
  /**
   * Absolute path of the repository root: SARIF and Code Quality paths are relative to it, and
   * relative manifest paths are taken as relative to it. The CLI passes its working directory.
   */
  root?: string;
  /** Wrap text lines at this many columns (text only; unset: no wrapping). */
  width?: number;
  /**
   * Where this run wrote the full JSON report, if it did: budgeted formats (markdown) name it
   * when they leave detail out.
   */
  jsonReport?: string;
  /** Show each remediation as the command that would apply it (text, markdown). */
  explain?: boolean;
  /**
   * The run's own errors (kind `run`: usage, manifest, file) are printed on stderr: text for the
   * terminal does not say them twice (text only; the CLI sets it for text on stdout).
   */
  runErrorsOnStderr?: boolean;
}
