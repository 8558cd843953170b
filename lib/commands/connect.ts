/** Builds the admin client for check and import: the real API, or the in-process fake (--fake). */
import { type AdminClient, checkBaseURL, createAdminClient } from "../admin_client.ts";
import type { Deps } from "../deps.ts";
import { ManifestError, UsageError } from "../errors.ts";
import { intFlag, secondsFlag } from "./args.ts";
import { createFakeApi } from "../fake_api/mod.ts";
import { loadState } from "../fake_api/state.ts";

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
  verbose: { type: "boolean", short: "v" },
} as const;

/** Their help lines (the verb says what --fake does). */
export function connectHelp(verb: string): string {
  return `      --api-url URL       Admin API base URL (default $OPENAI_BASE_URL, else https://api.openai.com/v1)
      --admin-key-file PATH  read the admin key from a file instead of OPENAI_ADMIN_KEY
      --fake STATE        ${verb} the built-in fake Admin API seeded from a state file
      --concurrency N     parallel requests (default 8)
      --timeout SECONDS   per-request timeout (default 30)
      --deadline SECONDS  overall deadline for reading the API (default 300)`;
}

type ConnectValues = {
  "api-url"?: string;
  "admin-key-file"?: string;
  fake?: string;
  concurrency?: string;
  timeout?: string;
  deadline?: string;
  verbose?: boolean;
};

/** Checks the shared flags' values; `log` writes --verbose lines. */
export function connectOptions(
  command: string,
  v: ConnectValues,
  log: (message: string) => void,
): ConnectOptions {
  return {
    command,
    fake: v.fake,
    apiUrl: v["api-url"],
    adminKeyFile: v["admin-key-file"],
    timeoutS: secondsFlag(command, "timeout", v.timeout, 30),
    deadlineS: secondsFlag(command, "deadline", v.deadline, 300),
    concurrency: intFlag(command, "concurrency", v.concurrency, 8),
    log: v.verbose ? log : undefined,
  };
}

export interface ConnectOptions {
  command: string;
  fake?: string;
  apiUrl?: string;
  adminKeyFile?: string;
  timeoutS: number;
  deadlineS: number;
  concurrency: number;
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
    concurrency: o.concurrency,
    now: deps.now,
    sleep: deps.sleep,
    log: o.log,
  };
  if (o.fake) {
    if (o.apiUrl) throw new UsageError("--fake and --api-url cannot be used together", o.command);
    const fake = await startFake(deps, o.fake, o.command);
    const fetch = (input: RequestInfo | URL, init?: RequestInit) => fake(new Request(input, init));
    const client = await createAdminClient({
      ...base,
      baseURL: "http://127.0.0.1/v1",
      adminKey: FAKE_KEY,
      fetch,
    });
    return { client, secret: null };
  }
  const baseURL = o.apiUrl ?? deps.env("OPENAI_BASE_URL") ?? DEFAULT_API_URL;
  checkBaseURL(baseURL);
  const key = await adminKey(deps, o);
  const client = await createAdminClient({ ...base, baseURL, adminKey: key, fetch: deps.fetch });
  return { client, secret: key };
}

async function adminKey(deps: Deps, o: ConnectOptions): Promise<string> {
  if (o.adminKeyFile) {
    let text: string;
    try {
      text = await deps.readTextFile(o.adminKeyFile);
    } catch (e) {
      const why = (e as Error).name === "NotFound"
        ? "no such file"
        : "permission denied or unreadable";
      throw new UsageError(`cannot read --admin-key-file "${o.adminKeyFile}": ${why}`, o.command);
    }
    const key = text.trim();
    if (!key) throw new UsageError(`--admin-key-file "${o.adminKeyFile}" is empty`, o.command);
    return key;
  }
  const key = deps.env("OPENAI_ADMIN_KEY")?.trim();
  if (!key) {
    throw new UsageError(
      "no admin key: set OPENAI_ADMIN_KEY (an sk-admin-… key with api.management.read) or pass --admin-key-file PATH; for a demo use --fake STATE",
      o.command,
    );
  }
  return key;
}

/** Loads a fake state file and returns the fake's handler. */
export async function startFake(deps: Deps, path: string, command: string) {
  let text: string;
  try {
    text = path === "-" ? await deps.readStdin() : await deps.readTextFile(path);
  } catch (e) {
    const why = (e as Error).name === "NotFound"
      ? "no such file"
      : "permission denied or unreadable";
    throw new UsageError(`cannot read fake state "${path}": ${why}`, command);
  }
  const { state, problems } = loadState(
    path === "-" ? "<stdin>" : path,
    text,
    Math.floor(deps.now() / 1000),
  );
  if (!state) throw new ManifestError(problems);
  return createFakeApi(state, { now: deps.now }).handler;
}
