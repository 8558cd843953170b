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
import { InputError, ManifestError, UsageError } from "../core/errors.ts";
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
  v: { baseline?: string; "admin-key-file"?: string; fake?: string; snapshot?: string },
): Input[] {
  const named: [string | undefined, string][] = [
    ...manifests.map((m): [string, string] => [m, "manifest"]),
    [v.baseline, "baseline"],
    [v.snapshot, "snapshot"],
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

/**
 * Which API the options reach, as a snapshot records it (issue 21): the base URL as `connect`
 * resolves it, or `fake:` and the state file.
 */
export function apiIdentity(deps: Deps, o: ConnectOptions): string {
  if (o.fake) return `fake:${o.fake}`;
  return o.apiUrl ?? (deps.env("OPENAI_BASE_URL")?.trim() || undefined) ?? DEFAULT_API_URL;
}

/** What every client of a run shares: limits, clock, randomness and the log. */
function baseOptions(deps: Deps, o: ConnectOptions) {
  return {
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
}

/** Returns the client and the admin key in use (so every output can be scrubbed of it). */
export async function connect(
  deps: Deps,
  o: ConnectOptions,
): Promise<{ client: AdminClient; secret: string | null }> {
  const base = baseOptions(deps, o);
  if (o.fake) {
    if (o.apiUrl) throw new UsageError("--fake and --api-url cannot be used together", o.command);
    return { client: await fakeClient(deps, o.fake, base), secret: null };
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
    keySource: o.adminKeyFile === undefined ? "OPENAI_ADMIN_KEY" : "--admin-key-file",
    fetch: deps.fetch,
    ...scrubbers(key),
  });
  return { client, secret: key };
}

/** A client of the in-process fake, seeded from its state file (`--fake`). */
async function fakeClient(
  deps: Deps,
  path: string,
  base: Omit<ClientOptions, "baseURL" | "adminKey" | "fetch" | "scrub">,
): Promise<AdminClient> {
  const { handler: fake } = await startFake(deps, path);
  const fetch = (input: RequestInfo | URL, init?: RequestInit) => fake(new Request(input, init));
  return createAdminClient({
    ...base,
    baseURL: "http://127.0.0.1/v1",
    adminKey: FAKE_KEY,
    fetch,
    scrub: (s) => s,
  });
}

/** One organisation of a fleet manifest, as a run reaches it (issue 24). */
export interface OrgTarget {
  name: string;
  /** The variable that holds its admin key. */
  adminKeyEnv: string;
  apiUrl?: string;
}

/** A fake Admin API's handler, shared by the orgs of a fleet run (`--fake`). */
export type FakeHandler = (req: Request) => Promise<Response>;

/**
 * A client of one fleet organisation: its own session (key, base URL, deadline, counts), the key
 * read from the org's variable. `--api-url` (or `--fake`) takes the place of every org's URL.
 */
export function connectOrg(
  deps: Deps,
  o: ConnectOptions,
  org: OrgTarget,
  fake: FakeHandler | null,
): { client: AdminClient; secret: string } {
  const key = deps.env(org.adminKeyEnv)?.trim();
  const refuse = (why: string) => new UsageError(`org "${org.name}": ${why}`, o.command);
  if (!key) {
    throw refuse(
      `no admin key: set ${org.adminKeyEnv} (its admin_key_env) to an sk-admin-… key with api.management.read`,
    );
  }
  if (/\s/.test(key)) throw refuse(`${org.adminKeyEnv} holds whitespace inside the key`);
  const fromEnv = deps.env("OPENAI_BASE_URL")?.trim() || undefined;
  const baseURL = fake
    ? "http://127.0.0.1/v1"
    : o.apiUrl ?? org.apiUrl ?? fromEnv ?? DEFAULT_API_URL;
  if (!fake) {
    checkBaseURL(
      baseURL,
      o.apiUrl ? "--api-url" : org.apiUrl ? `api_url of org "${org.name}"` : "OPENAI_BASE_URL",
    );
  }
  const fetch = fake
    ? (input: RequestInfo | URL, init?: RequestInit) => fake(new Request(input, init))
    : deps.fetch;
  const client = createAdminClient({
    ...baseOptions(deps, o),
    baseURL,
    adminKey: key,
    keySource: org.adminKeyEnv,
    fetch,
    ...scrubbers(key),
  });
  return { client, secret: key };
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
    const refuse = (why: string) => new InputError(`--admin-key-file "${path}" ${why}`);
    let text: string;
    try {
      text = await readInput(deps, path, "admin key file");
    } catch (e) {
      if (e instanceof ManifestError) throw e; // not UTF-8: located
      throw refuse(`cannot be read: ${readProblem(e)}`);
    }
    const key = text.trim();
    if (!key) throw refuse("is empty");
    if (/\s/.test(key)) throw refuse("holds more than one line or word; put only the key in it");
    return key;
  }
  const key = deps.env("OPENAI_ADMIN_KEY")?.trim();
  if (!key) {
    throw new InputError(
      "no admin key: set OPENAI_ADMIN_KEY (an sk-admin-… key with api.management.read) or pass --admin-key-file PATH; for a demo use --fake STATE",
    );
  }
  if (/\s/.test(key)) {
    throw new InputError(
      "OPENAI_ADMIN_KEY holds whitespace inside the key; set it to the key alone",
    );
  }
  return key;
}

/** Loads a fake state file and returns the fake's handler. */
export async function startFake(deps: Deps, path: string, o: { writes?: boolean } = {}) {
  let text: string;
  try {
    text = path === "-"
      ? await readStdinInput(deps, "fake state")
      : await readInput(deps, path, "fake state");
  } catch (e) {
    if (e instanceof ManifestError) throw e; // not UTF-8: located
    const name = path === "-" ? "<stdin>" : path;
    throw new InputError(`cannot read fake state "${name}": ${readProblem(e)}`);
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
  return { handler: createFakeApi(state, { now: deps.now }).handler, fleet: !!state.orgs };
}

/** Values are scrubbed of the key only (they are compared); messages of anything secret-shaped. */
function scrubbers(key: string) {
  const s = scrubber([key]);
  return { scrub: s.secrets, scrubMessage: s.value };
}
