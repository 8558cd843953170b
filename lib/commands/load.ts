/** Reads manifest files (paths, directories of *.yaml, or stdin) through deps, then loads them. */
import type { Deps } from "../core/deps.ts";
import { loadManifests, type LoadResult, type ManifestSource } from "../manifest/load.ts";
import type { PolicySchemaSource } from "../manifest/schema.ts";
import { InputError, ManifestError } from "../core/errors.ts";
import { readInput, readProblem, readStdinInput } from "./files.ts";
import { withFullReader } from "../yaml/check.ts";
import { sha256Hex } from "../core/sha256.ts";

/** The manifest read when no `-m` is given */
export const DEFAULT_MANIFEST = "keydrift.yaml";

/** Expands `-m` values into sources: `-` is stdin, a directory gives its *.yaml/*.yml files, sorted. */
export async function readSources(
  deps: Deps,
  paths: readonly string[],
): Promise<ManifestSource[]> {
  const out: ManifestSource[] = [];
  for (const path of paths.length ? paths : [DEFAULT_MANIFEST]) {
    if (path === "-") {
      const text = await readStdinInput(deps, "manifest").catch((e) => fail(e, path));
      out.push({ path: "<stdin>", text });
      continue;
    }
    const entries = await deps.readDir(path).catch((e) => fail(e, path));
    if (entries) {
      const files = entries.filter((n) => /\.ya?ml$/.test(n)).sort();
      if (!files.length) {
        throw new InputError(`manifest directory "${path}" holds no *.yaml files`);
      }
      for (const f of files) {
        const p = `${path.replace(/\/+$/, "")}/${f}`;
        out.push({ path: p, text: await read(deps, p) });
      }
      continue;
    }
    out.push({ path, text: await read(deps, path) });
  }
  return out;
}

const read = (deps: Deps, path: string) =>
  readInput(deps, path, "manifest").catch((e) => fail(e, path));

function fail(e: unknown, path: string): never {
  // Bytes that are not UTF-8: already located in the file.
  if (e instanceof ManifestError) throw e;
  const hint = (e as Error)?.name === "NotFound" && path === DEFAULT_MANIFEST
    ? "; pass -m PATH or create one with keydrift import"
    : "";
  throw new InputError(
    `cannot read manifest "${path === "-" ? "<stdin>" : path}": ${
      readProblem(e, `--allow-read=${path}`)
    }${hint}`,
  );
}

/**
 * Reads and loads manifests; the full YAML reader is loaded only if a file needs it, and what a
 * policy's options need (`prepare`) only for the policies the manifests name.
 */
export async function loadFrom(
  deps: Deps,
  paths: readonly string[],
  policies: readonly PolicySchemaSource[],
): Promise<LoadResult> {
  const sources = await readSources(deps, paths);
  const load = async () => {
    const result = await withFullReader((full) => loadManifests(sources, policies, full));
    // A fleet's reports carry its manifest's hash: `merge` combines only parts of one manifest.
    if (result.manifest?.orgs) {
      result.manifest.sha256 = sha256Hex(JSON.stringify(sources.map((s) => [s.path, s.text])));
    }
    return result;
  };
  const named = (id: string) => sources.some((s) => s.text.includes(id));
  const ready = await prepare(policies, named, new Set());
  const result = await load();
  // An id the text spells with YAML escapes is known only now: prepared, and read once more.
  const configured = (id: string) => result.manifest?.policies.has(id) === true;
  return (await prepare(policies, configured, ready)).size > ready.size ? await load() : result;
}

/** Prepares the options of the policies `wanted` that `done` lacks; returns `done` with them. */
async function prepare(
  policies: readonly PolicySchemaSource[],
  wanted: (id: string) => boolean,
  done: ReadonlySet<string>,
): Promise<Set<string>> {
  const needs = (p: PolicySchemaSource) => Object.values(p.options).some((o) => o.prepare);
  const now = policies.filter((p) => needs(p) && !done.has(p.id) && wanted(p.id));
  await Promise.all(now.flatMap((p) => Object.values(p.options).map((o) => o.prepare?.())));
  return new Set([...done, ...now.map((p) => p.id)]);
}
