/**
 * Spawned runs of main.ts for the file tests: the README's `--allow-read=. --allow-write=.` in a
 * scratch directory, with a deadline so that a hang fails the test instead of stalling the suite.
 */
import { ok } from "node:assert/strict";
import { assertNoSecret, assertValidReport, readExample } from "./_helpers.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const decoder = new TextDecoder();

/** A scratch directory with the example manifest and fake state (`keydrift.yaml`, `state.yaml`). */
export async function scratch(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "keydrift-files-" });
  await Deno.writeTextFile(`${dir}/keydrift.yaml`, readExample("keydrift.yaml"));
  await Deno.writeTextFile(`${dir}/state.yaml`, readExample("state.yaml"));
  return dir;
}

export interface Spawned {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** keydrift in `dir` with `--allow-read=. --allow-write=.` (and `extra` flags), killed after 20 s. */
export async function keydrift(
  dir: string,
  args: string[],
  o: { stdin?: Uint8Array; env?: Record<string, string>; flags?: string[] } = {},
): Promise<Spawned> {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--config",
      `${ROOT}deno.json`,
      ...(o.flags ?? [
        "--ignore-env=LOG_TOKENS,LOG_STREAM",
        "--allow-env=GITHUB_STEP_SUMMARY,OPENAI_ADMIN_KEY,OPENAI_BASE_URL",
        "--allow-read=.",
        "--allow-write=.",
      ]),
      `${ROOT}main.ts`,
      ...args,
    ],
    cwd: dir,
    env: { NO_COLOR: "1", ...o.env },
    stdin: o.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(20_000),
  }).spawn();
  if (o.stdin) {
    const writer = child.stdin.getWriter();
    // keydrift stops reading at its cap: the rest of a large input meets a closed pipe.
    await writer.write(o.stdin).catch(() => undefined);
    await writer.close().catch(() => undefined);
  }
  const out = await child.output();
  const r = {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
    ms: performance.now() - started,
  };
  assertNoSecret("stdout", r.stdout);
  assertNoSecret("stderr", r.stderr);
  await assertValidReport("stdout", r.stdout);
  return r;
}

export const FAKE = ["check", "--fake", "state.yaml"];

export async function jsonStatus(path: string): Promise<string> {
  const text = await Deno.readTextFile(path);
  await assertValidReport(path, text);
  return JSON.parse(text).status;
}

export async function mkfifo(path: string): Promise<void> {
  const made = await new Deno.Command("mkfifo", { args: [path] }).output();
  ok(made.success, "mkfifo failed");
}

export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}
