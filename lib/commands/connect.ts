/** Builds the admin client for check and import: the real API, or the in-process fake (--fake). */
import {
  type AdminClient,
  checkBaseURL,
  type ClientOptions,
  createAdminClient,
} from "../api/client.ts";
import { type Budget, RUN_BUDGET } from "../api/paging.ts";
import { scrubber } from "../secrets/redact.ts";
import type { Deps } from "../core/deps.ts";
import { ManifestError, UsageError } from "../core/errors.ts";
import { FILE_CAPS, readInput, readProblem, readStdinInput } from "./files.ts";
import { intFlag, secondsFlag } from "./args.ts";
import { withFullReader } from "../yaml/check.ts";
import type { Input, Io } from "./io.ts";
import { textSafe } from "../render/inert.ts";
import { Notices } from "./notices.ts";

/** The Admin API base URL used when neither `--api-url` nor `OPENAI_BASE_URL` is set */
export const DEFAULT_API_URL = "https://api.openai.com/v1";
/** The in-process fake needs an admin-shaped key; it is not a secret. */
const FAKE_KEY = "sk-admin-fake-in-process";

/** The flags `check` and `import` share for reaching the Admin API (parseArgs options). */
export const CONNECT_OPTIONS = {
  "api-url": { type: "string" },
  "admin-key-file": { type: "string" },
  fake: { type: "string" },
  concurrency: { type: "string" },
  timeout: { type: "string" },
  deadline: { type: "string" },
  "max-rpm": { type: "string" },
  "max-read-items": { type: "string" },
  "max-read-mib": { type: "string" },
  verbose: { type: "boolean", short: "v" },
} as const;

const MIB = RUN_BUDGET.bytes / 2 ** 20;

/** Their help lines (the verb says what --fake does). */
export function connectHelp(verb: string): string {
  return `      --api-url URL       Admin API base URL (default $OPENAI_BASE_URL, else https://api.openai.com/v1)
      --admin-key-file PATH  read the admin key from a file instead of OPENAI_ADMIN_KEY
      --fake STATE        ${verb} the built-in fake Admin API seeded from a state file
      --concurrency N     parallel requests (default 8)
      --timeout SECONDS   per-request timeout (default 30)
      --deadline SECONDS  overall deadline for reading the API (default 300, longer when the plan needs it)
      --max-rpm N         the API's budget: N requests a minute per endpoint (default: learned from its refusals)
      --max-read-items N  stop once the run has read N items from the API (default ${RUN_BUDGET.items})
      --max-read-mib N    stop once the run has read N MiB from the API (default ${MIB})`;
}

type ConnectValues = {
  "api-url"?: string;
  "admin-key-file"?: string;
  fake?: string;
  concurrency?: string;
  timeout?: string;
  deadline?: string;
  "max-rpm"?: string;
  "max-read-items"?: string;
  "max-read-mib"?: string;
  verbose?: boolean;
  quiet?: boolean;
};

/** Checks the shared flags' values; with --verbose, log lines go to `io`'s stderr. */
export function connectOptions(command: string, v: ConnectValues, io: Io): ConnectOptions {
  // A log line must never change the outcome: a failed write to stderr is dropped.
  const log = (m: string) => void io.err(`keydrift: ${textSafe(m)}\n`).catch(() => undefined);
  return {
    command,
    fake: v.fake,
    apiUrl: v["api-url"],
    adminKeyFile: v["admin-key-file"],
    timeoutS: secondsFlag(command, "timeout", v.timeout, 30),
    deadlineS: secondsFlag(command, "deadline", v.deadline, 300),
    deadlineExplicit: v.deadline !== undefined,
    maxRpm: v["max-rpm"] === undefined ? null : intFlag(command, "max-rpm", v["max-rpm"], 1),
    notices: new Notices(io, v.quiet === true),
    concurrency: intFlag(command, "concurrency", v.concurrency, 8),
    budget: {
      items: intFlag(command, "max-read-items", v["max-read-items"], RUN_BUDGET.items),
      bytes: intFlag(command, "max-read-mib", v["max-read-mib"], MIB) * 2 ** 20,
    },
    log: v.verbose ? log : undefined,
  };
}

/**
 * The files a command reads, by the flags that name them: the manifests (`-` is stdin), the
 * baseline, the admin key file and the fake state. Nothing the command writes may replace them.
 */
export function inputsOf(
  manifests: readonly string[],
  v: { baseline?: string; "admin-key-file"?: string; fake?: string },
): Input[] {
  const named: [string | undefined, string][] = [
    ...manifests.map((m): [string, string] => [m, "manifest"]),
    [v.baseline, "baseline"],
    [v["admin-key-file"], "admin key file"],
    [v.fake, "fake state"],
  ];
  return named.filter(([path]) => path !== undefined && path !== "-" && path !== "")
    .map(([path, what]) => ({ path: path!, what }));
}

/** How `check` and `import` reach the Admin API: fake or real, URL, key file, limits and a log */
export interface ConnectOptions {
  command: string;
  fake?: string;
  apiUrl?: string;
  adminKeyFile?: string;
  timeoutS: number;
  deadlineS: number;
  /** Whether `--deadline` was given: else the deadline grows with the plan (issue 21). */
  deadlineExplicit: boolean;
  /** `--max-rpm`: each endpoint's budget in requests a minute; null: learned from refusals. */
  maxRpm: number | null;
  /** Where the estimate of the read and waits for the budget are said. */
  notices: Notices;
  concurrency: number;
  /** What the run may read from the API in all (`--max-read-items`, `--max-read-mib`). */
  budget: Budget;
  log?: (message: string) => void;
}

/** Returns the client and the admin key in use (so every output can be scrubbed of it). */
export async function connect(
  deps: Deps,
  o: ConnectOptions,
): Promise<{ client: AdminClient; secret: string | null }> {
  const base = {
    timeoutMs: o.timeoutS * 1000,
    deadlineMs: o.deadlineS * 1000,
    deadlineExplicit: o.deadlineExplicit,
    maxRpm: o.maxRpm,
    notice: o.notices.notice,
    concurrency: o.concurrency,
    budget: o.budget,
    clock: { now: deps.now, sleep: deps.sleep },
    random: deps.random,
    log: o.log,
  };
  if (o.fake) {
    if (o.apiUrl) throw new UsageError("--fake and --api-url cannot be used together", o.command);
    return { client: await fakeClient(deps, o.fake, o.command, base), secret: null };
  }
  // Read as the official SDK reads it: trimmed, and empty counts as unset (a CI variable that is
  // declared but not given a value).
  const fromEnv = o.apiUrl === undefined
    ? deps.env("OPENAI_BASE_URL")?.trim() || undefined
    : undefined;
  const baseURL = o.apiUrl ?? fromEnv ?? DEFAULT_API_URL;
  // The same rules for the variable as for the flag; the message names the one that was used.
  checkBaseURL(baseURL, fromEnv === undefined ? "--api-url" : "OPENAI_BASE_URL");
  const key = await adminKey(deps, o);
  const client = createAdminClient({
    ...base,
    baseURL,
    adminKey: key,
    fetch: deps.fetch,
    ...scrubbers(key),
  });
  return { client, secret: key };
}

/** A client of the in-process fake, seeded from its state file (`--fake`). */
async function fakeClient(
  deps: Deps,
  path: string,
  command: string,
  base: Omit<ClientOptions, "baseURL" | "adminKey" | "fetch" | "scrub">,
): Promise<AdminClient> {
  const fake = await startFake(deps, path, command);
  const fetch = (input: RequestInfo | URL, init?: RequestInit) => fake(new Request(input, init));
  return createAdminClient({
    ...base,
    baseURL: "http://127.0.0.1/v1",
    adminKey: FAKE_KEY,
    fetch,
    scrub: (s) => s,
  });
}

/** Connects for a command, and has every output scrubbed of the admin key in use. */
export async function openClient(io: Io, o: ConnectOptions): Promise<AdminClient> {
  const { client, secret } = await connect(io.deps, o);
  if (secret) io.addSecret(secret);
  return client;
}

/** An admin key file is a few hundred bytes; anything larger is not one. */
export const MAX_KEY_FILE_BYTES = FILE_CAPS["admin key file"];

async function adminKey(deps: Deps, o: ConnectOptions): Promise<string> {
  if (o.adminKeyFile) {
    const path = o.adminKeyFile;
    const refuse = (why: string) => new UsageError(`--admin-key-file "${path}" ${why}`, o.command);
    let text: string;
    try {
      text = await readInput(deps, path, "admin key file");
    } catch (e) {
      throw refuse(`cannot be read: ${readProblem(e)}`);
    }
    const key = text.trim();
    if (!key) throw refuse("is empty");
    if (/\s/.test(key)) throw refuse("holds more than one line or word; put only the key in it");
    return key;
  }
  const key = deps.env("OPENAI_ADMIN_KEY")?.trim();
  if (!key) {
    throw new UsageError(
      "no admin key: set OPENAI_ADMIN_KEY (an sk-admin-… key with api.management.read) or pass --admin-key-file PATH; for a demo use --fake STATE",
      o.command,
    );
  }
  if (/\s/.test(key)) {
    throw new UsageError(
      "OPENAI_ADMIN_KEY holds whitespace inside the key; set it to the key alone",
      o.command,
    );
  }
  return key;
}

/** Loads a fake state file and returns the fake's handler. */
export async function startFake(
  deps: Deps,
  path: string,
  command: string,
  o: { writes?: boolean } = {},
) {
  let text: string;
  try {
    text = path === "-"
      ? await readStdinInput(deps, "fake state")
      : await readInput(deps, path, "fake state");
  } catch (e) {
    const name = path === "-" ? "<stdin>" : path;
    throw new UsageError(`cannot read fake state "${name}": ${readProblem(e)}`, command);
  }
  // The fake is loaded only when asked for: `check` against the real API never pays for it.
  const [{ createFakeApi }, { loadState }] = await Promise.all([
    import("../fake/mod.ts"),
    import("../fake/state.ts"),
  ]);
  const file = path === "-" ? "<stdin>" : path;
  const clock = Math.floor(deps.now() / 1000);
  const { state, problems } = await withFullReader((full) => loadState(file, text, clock, full));
  if (!state) throw new ManifestError(problems);
  // `--writes` turns the write endpoints on; the state file's `options.writes` may too.
  if (o.writes) state.options.writes = true;
  return createFakeApi(state, { now: deps.now }).handler;
}

/** Values are scrubbed of the key only (they are compared); messages of anything secret-shaped. */
function scrubbers(key: string) {
  const s = scrubber([key]);
  return { scrub: s.secrets, scrubMessage: s.value };
}
