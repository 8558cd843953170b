/**
 * A JSON report checked against the report's own JSON Schema (`keydrift schema --report`), with
 * Ajv: what `keydrift merge` reads. Loaded only by `merge` (Ajv costs start-up time).
 */
import { Ajv } from "ajv";
import { reportSchemaText } from "./schema.ts";
import { FORMAT_VERSION } from "./format_version.ts";

/**
 * A checker of parsed JSON reports: null when the value is a report this keydrift can read (the
 * same format major version, a minor up to its own), else what is wrong, in words.
 */
export function validator(): (value: unknown) => string | null {
  const check = new Ajv({ strict: true, allErrors: false }).compile(JSON.parse(reportSchemaText()));
  const [major, minor] = FORMAT_VERSION.split(".").map(Number);
  return (value) => {
    const v = value as { format_version?: unknown; tool?: { name?: unknown } };
    if (typeof v !== "object" || v === null || v.tool?.name !== "keydrift") {
      return "is not a keydrift JSON report (keydrift check --format json)";
    }
    const m = /^(\d+)\.(\d+)$/.exec(String(v.format_version));
    if (!m || Number(m[1]) !== major) {
      return `is JSON report format ${
        JSON.stringify(v.format_version)
      }; this keydrift reads format ${major}.x: write it again with this keydrift`;
    }
    if (Number(m[2]) > minor) {
      return `is JSON report format ${
        m[0]
      }, newer than this keydrift's ${FORMAT_VERSION}: merge with a keydrift at least as new`;
    }
    // An earlier minor version of the format is read by this one's schema: fields it lacks fail.
    if (check({ ...v, format_version: FORMAT_VERSION })) return null;
    const e = check.errors?.[0];
    return `does not fit the report schema: ${e?.instancePath || "/"} ${
      e?.message ?? "is invalid"
    }`;
  };
}
