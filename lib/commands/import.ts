/** `keydrift import`: placeholder replaced in the import work. */
import type { Io } from "./check.ts";
import type { Policy } from "../policy.ts";
import { UsageError } from "../errors.ts";

export const IMPORT_HELP = `Usage: keydrift import [options]\n`;

export function importCommand(
  _argv: string[],
  _io: Io,
  _policies: readonly Policy[],
): Promise<number> {
  return Promise.reject(new UsageError("import is not available yet", "import"));
}
