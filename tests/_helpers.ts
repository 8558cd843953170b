/** Test helpers: in-memory deps, an in-process CLI runner, and the fake API as a fetch. */
import type { Deps } from "../lib/core/deps.ts";
import { run } from "../lib/commands/cli.ts";
import { POLICIES } from "../policies/mod.ts";
import { createFakeApi, type FakeApi } from "../lib/fake/mod.ts";
import { type FakeState, loadState } from "../lib/fake/state.ts";
import { readFull } from "../lib/yaml/full.ts";
import { lexicalPath } from "../lib/commands/files.ts";
import type { Policy } from "../lib/assess/policy.ts";
import type { LiveKey } from "../lib/core/types.ts";
import { Ajv, type ValidateFunction } from "ajv";

/** The fixed clock every test runs at: 2026-11-20T00:00:00Z. */
export const NOW = Date.UTC(2026, 10, 20);
export const NOW_S = NOW / 1000;
export const ADMIN_KEY = "sk-admin-TESTSECRET0123456789abcdefXYZ";

export interface MemOptions {
  files?: Record<string, string>;
  env?: Record<string, string>;
  fetch?: typeof fetch;
  stdin?: string;
  now?: number;
  /** A clock to use instead of the default {@link virtualClock} starting at `now`. */
  clock?: { now(): number; sleep(ms: number, signal?: AbortSignal): Promise<void> };
  /** Paths that exist but are not regular files (a FIFO, a device). */
  special?: string[];
  /** Whether stderr is a terminal (progress lines); default false. */
  stderrTerminal?: boolean;
  /** Paths writes are refused for (as Deno's permission check would). */
  deniedWrites?: string[];
}

export interface MemResult {
  code: number;
  stdout: string;
  stderr: string;
  files: Map<string, string>;
}

/** Deps over memory, on a {@link virtualClock} (time passes only by the program's waits). */
export function memDeps(o: MemOptions = {}) {
  const files = new Map(Object.entries(o.files ?? {}));
  const written = new Set<string>();
  const clock = o.clock ?? virtualClock(o.now ?? NOW);
  const out = { stdout: "", stderr: "" };
  const bytes = (text: string) => new TextEncoder().encode(text).length;
  const notFound = (p: string) =>
    Object.assign(new Error(`No such file: ${p}`), { name: "NotFound" });
  const deps: Deps = {
    fetch: o.fetch ?? (() => Promise.reject(new TypeError("no network in tests"))),
    env: (n) => o.env?.[n],
    fileInfo: (p) =>
      o.special?.includes(p)
        ? Promise.resolve({ isFile: false, isSymlink: false, size: 0, id: null })
        : files.has(p)
        ? Promise.resolve({ isFile: true, isSymlink: false, size: bytes(files.get(p)!), id: null })
        : Promise.reject(notFound(p)),
    readFile: (p, max) =>
      files.has(p)
        ? Promise.resolve(new TextEncoder().encode(files.get(p)!).slice(0, max + 1))
        : Promise.reject(notFound(p)),
    readStdin: (max) => Promise.resolve(new TextEncoder().encode(o.stdin ?? "").slice(0, max + 1)),
    realPath(p) {
      const known = p === "." || files.has(p) || o.special?.includes(p) ||
        [...files.keys()].some((f) => f.startsWith(p.replace(/\/+$/, "") + "/"));
      return known ? Promise.resolve(lexicalPath(p, "/mem")) : Promise.reject(notFound(p));
    },
    createFile(p) {
      if (o.deniedWrites?.some((d) => p.startsWith(d))) {
        return Promise.reject(
          Object.assign(new Error(`Requires write access to "${p}"`), { name: "NotCapable" }),
        );
      }
      if (files.has(p)) {
        return Promise.reject(
          Object.assign(new Error(`File exists: ${p}`), { name: "AlreadyExists" }),
        );
      }
      files.set(p, "");
      return Promise.resolve({
        write: (text: string) => (files.set(p, files.get(p)! + text), Promise.resolve()),
        close: () => undefined,
      });
    },
    rename(from, to) {
      if (!files.has(from)) return Promise.reject(notFound(from));
      files.set(to, files.get(from)!);
      files.delete(from);
      written.add(to);
      return Promise.resolve();
    },
    remove: (p) => (files.delete(p) ? Promise.resolve() : Promise.reject(notFound(p))),
    appendTextFile(p, text) {
      if (o.deniedWrites?.some((d) => p.startsWith(d))) {
        return Promise.reject(
          Object.assign(new Error(`Requires write access to "${p}"`), { name: "NotCapable" }),
        );
      }
      files.set(p, (files.get(p) ?? "") + text);
      written.add(p);
      return Promise.resolve();
    },
    readDir(p) {
      const prefix = p.replace(/\/+$/, "") + "/";
      const names = [...files.keys()].filter((f) => f.startsWith(prefix)).map((f) =>
        f.slice(prefix.length)
      );
      return Promise.resolve(names.length ? names.filter((n) => !n.includes("/")) : null);
    },
    stdout: (t) => (out.stdout += t, Promise.resolve()),
    stderr: (t) => (out.stderr += t, Promise.resolve()),
    now: clock.now,
    sleep: clock.sleep,
    random: seeded(1),
    isTerminal: () => false,
    stderrIsTerminal: () => o.stderrTerminal === true,
    noColor: true,
    serve: () => Promise.reject(new Error("no server in memory")),
    waitForShutdown: () => Promise.resolve(),
  };
  return { deps, files, out, written };
}

/**
 * Fails when `text` holds the test admin key or a recognisable piece of it. Called on every
 * output of every CLI run in the suite (in-process and spawned).
 */
export function assertNoSecret(where: string, text: string): void {
  for (const piece of [ADMIN_KEY, ADMIN_KEY.slice(9), "TESTSECRET", "0123456789abcdefXYZ"]) {
    if (text.includes(piece)) {
      throw new Error(`the admin key (or part of it) leaked into ${where}`);
    }
  }
}

let reportValidator: Promise<ValidateFunction> | null = null;

/** Ajv (strict mode) compiled from what `keydrift schema --report` prints, built once. */
export function reportSchemaValidator(): Promise<ValidateFunction> {
  reportValidator ??= (async () => {
    const { deps, out } = memDeps();
    const code = await run(["schema", "--report"], deps, POLICIES);
    if (code !== 0) throw new Error(`keydrift schema --report exited ${code}: ${out.stderr}`);
    return new Ajv({ strict: true, allErrors: true }).compile(JSON.parse(out.stdout));
  })();
  return reportValidator;
}

/**
 * Fails when `text` is a keydrift JSON report (JSON with `format_version` and `tool.name`
 * "keydrift") that does not validate against the printed report schema; other text passes.
 * Called on every output of every CLI run in the suite (in-process and spawned).
 */
export async function assertValidReport(where: string, text: string): Promise<void> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return;
  }
  if (!isReport(value)) return;
  const validate = await reportSchemaValidator();
  if (!validate(value)) {
    throw new Error(
      `the JSON report in ${where} does not match keydrift schema --report: ${
        JSON.stringify(validate.errors, null, 2)
      }`,
    );
  }
}

function isReport(v: unknown): boolean {
  if (typeof v !== "object" || v === null || !("format_version" in v) || !("tool" in v)) {
    return false;
  }
  const tool = v.tool;
  return typeof tool === "object" && tool !== null && "name" in tool && tool.name === "keydrift";
}

/** `check` of keydrift.yaml against the API at a loopback URL (pass a `fetch` and the key). */
export const CHECK_API = ["check", "-m", "keydrift.yaml", "--api-url", "http://127.0.0.1/v1"];
/** `check` of keydrift.yaml against the in-process fake seeded from state.yaml. */
export const CHECK_FAKE = ["check", "-m", "keydrift.yaml", "--fake", "state.yaml"];

/** Runs the CLI in-process. */
export async function runCli(
  argv: string[],
  o: MemOptions = {},
  policies: readonly Policy[] = POLICIES,
): Promise<MemResult> {
  const { deps, files, out, written } = memDeps(o);
  const code = await run(argv, deps, policies);
  // Every test's every output is also a secret-leak test.
  assertNoSecret("stdout", out.stdout);
  assertNoSecret("stderr", out.stderr);
  for (const p of written) assertNoSecret(p, files.get(p)!);
  // ... and every JSON report it writes is checked against the printed report schema.
  await assertValidReport("stdout", out.stdout);
  for (const p of written) await assertValidReport(p, files.get(p)!);
  return { code, stdout: out.stdout, stderr: out.stderr, files };
}

/** Loads a fake state from YAML text (throws on problems). */
export function stateFrom(text: string, now = NOW_S): FakeState {
  const { state, problems } = loadState("state.yaml", text, now, readFull);
  if (!state) {
    throw new Error(problems.map((p) => `${p.line}:${p.column}: ${p.message}`).join("\n"));
  }
  return state;
}

/** The fake as an injected fetch. */
export function fakeFetch(
  state: FakeState,
  now: () => number = () => NOW,
): { api: FakeApi; fetch: typeof fetch } {
  const api = createFakeApi(state, { now, sleep: () => Promise.resolve() });
  return { api, fetch: (input, init) => api.handler(new Request(input, init)) };
}

export function readExample(name: string): string {
  return Deno.readTextFileSync(new URL(`../examples/${name}`, import.meta.url));
}

/** The demo's files: the example manifest and fake state (`examples/`), as `check --fake` reads them. */
export const DEMO_FILES: Readonly<Record<string, string>> = Object.freeze({
  "keydrift.yaml": readExample("keydrift.yaml"),
  "state.yaml": readExample("state.yaml"),
});

export function fixture(path: string): string {
  return Deno.readTextFileSync(new URL(`./fixtures/${path}`, import.meta.url));
}

/**
 * Virtual time for concurrent code: `sleep` resolves when the clock reaches its deadline, and the
 * clock jumps to the earliest pending deadline once the program has nothing else to do (a
 * macrotask turn). Concurrent sleeps overlap as they would in real time.
 */
export function virtualClock(start = NOW) {
  let now = start;
  const timers: { at: number; resolve: () => void }[] = [];
  let scheduled: ReturnType<typeof setTimeout> | null = null;
  const tick = () => {
    scheduled = null;
    if (!timers.length) return;
    timers.sort((a, b) => a.at - b.at);
    now = Math.max(now, timers[0].at);
    while (timers.length && timers[0].at <= now) timers.shift()!.resolve();
    schedule();
  };
  const schedule = () => {
    if (scheduled === null && timers.length) scheduled = setTimeout(tick, 0);
  };
  return {
    now: () => now,
    sleep: (ms: number, signal?: AbortSignal) =>
      new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        const timer = { at: now + Math.max(0, ms), resolve };
        timers.push(timer);
        signal?.addEventListener("abort", () => {
          const i = timers.indexOf(timer);
          if (i >= 0) timers.splice(i, 1);
          // A cancelled wait leaves no pending tick behind (the test sanitizers would see one).
          if (!timers.length && scheduled !== null) {
            clearTimeout(scheduled);
            scheduled = null;
          }
          resolve();
        }, { once: true });
        schedule();
      }),
  };
}

/** A deterministic stand-in for Math.random (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A live key as the reader returns it: `owner` names the owner, `extra` overrides any field. */
export function live(
  id: string,
  name: string,
  owner: string,
  type: "user" | "service_account" = "user",
  extra: Partial<LiveKey> = {},
): LiveKey {
  return {
    id,
    name,
    redactedValue: "sk-proj-****abcd",
    createdAt: 1_700_000_000,
    lastUsedAt: null,
    expiresAt: null,
    ownerProjectAccess: "active",
    owner: {
      type,
      id: `id-${owner}`,
      name: owner,
      role: "member",
      ...(type === "user" ? { email: `${owner}@x.test` } : {}),
    },
    ...extra,
  };
}
