/** Reads manifest files (paths, directories of *.yaml, or stdin) through deps, then loads them. */
import type { Deps } from "../deps.ts";
import { loadManifests, type LoadResult, type ManifestSource } from "../manifest.ts";
import type { PolicySchemaSource } from "../schema.ts";
import { UsageError } from "../errors.ts";
import { readInput, readProblem, readStdinInput } from "../files.ts";
import { withFullReader } from "../yaml_check.ts";

/** The manifest read when no `-m` is given */
export const DEFAULT_MANIFEST = "keydrift.yaml";

/** Expands `-m` values into sources: `-` is stdin, a directory gives its *.yaml/*.yml files, sorted. */
export async function readSources(
  deps: Deps,
  paths: readonly string[],
  command: string,
): Promise<ManifestSource[]> {
  const out: ManifestSource[] = [];
  for (const path of paths.length ? paths : [DEFAULT_MANIFEST]) {
    if (path === "-") {
      const text = await readStdinInput(deps, "manifest").catch((e) => fail(e, path, command));
      out.push({ path: "<stdin>", text });
      continue;
    }
    const entries = await deps.readDir(path).catch((e) => fail(e, path, command));
    if (entries) {
      const files = entries.filter((n) => /\.ya?ml$/.test(n)).sort();
      if (!files.length) {
        throw new UsageError(`manifest directory "${path}" holds no *.yaml files`, command);
      }
      for (const f of files) {
        const p = `${path.replace(/\/+$/, "")}/${f}`;
        out.push({ path: p, text: await read(deps, p, command) });
      }
      continue;
    }
    out.push({ path, text: await read(deps, path, command) });
  }
  return out;
}

const read = (deps: Deps, path: string, command: string) =>
  readInput(deps, path, "manifest").catch((e) => fail(e, path, command));

function fail(e: unknown, path: string, command: string): never {
  const hint = (e as Error)?.name === "NotFound" && path === DEFAULT_MANIFEST
    ? "; pass -m PATH or create one with keydrift import"
    : "";
  throw new UsageError(
    `cannot read manifest "${path === "-" ? "<stdin>" : path}": ${
      readProblem(e, `--allow-read=${path}`)
    }${hint}`,
    command,
  );
}

/** Reads and loads manifests; the full YAML reader is loaded only if a file needs it. */
export async function loadFrom(
  deps: Deps,
  paths: readonly string[],
  policies: readonly PolicySchemaSource[],
  command: string,
): Promise<LoadResult> {
  const sources = await readSources(deps, paths, command);
  return await withFullReader((full) => loadManifests(sources, policies, full));
}
