/**
 * A stand-in for the real Admin API, written from the OpenAPI spec and sharing nothing with
 * lib/fake/: every honest answer is validated against the spec's schema before it is sent, and a
 * test may tamper with any answer. Used by the suites of issue 19 (wire honesty, ids).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { ADMIN_KEY, type MemResult, runCli } from "./_helpers.ts";
import { assertOpenapi } from "./_openapi.ts";

export type Json = Record<string, unknown>;

export const envelope = (message: string, code: string | null = null) => ({
  error: { message, type: "invalid_request_error", param: null, code },
});
export const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "x-request-id": "req_1" },
  });

export const ANA = {
  type: "user",
  user: { id: "user-ana", name: "Ana", email: "ana@example.test", role: "owner", created_at: 1 },
};
export const BOT = {
  type: "service_account",
  service_account: { id: "svc_bot", name: "bot", role: "member", created_at: 1 },
};

/** A `ProjectApiKey` as the spec shapes it. */
export function key(id: string, name: string, owner: Json = ANA): Json {
  return {
    object: "organization.project.api_key",
    id,
    name,
    redacted_value: "sk-proj-********abcd",
    created_at: 1_760_000_000,
    last_used_at: 1_763_000_000,
    owner_project_access: "active",
    owner,
  };
}

export const project = (id: string) => ({
  object: "organization.project",
  id,
  name: id,
  created_at: 1,
  archived_at: null,
  status: "active",
});

export const list = (data: Json[]) => ({
  object: "list",
  data,
  first_id: (data[0]?.id as string) ?? null,
  last_id: (data.at(-1)?.id as string) ?? null,
  has_more: false,
});

/** The organisation: one project with a user's laptop key and a bot's worker key. */
export const KEYS = () => [key("key_a1", "laptop"), key("key_a2", "worker", BOT)];

// The organisation's other projects (issue 21) are left out: each test reads the one it names.
export const MANIFEST = `version: 1
unmanaged_projects: ignore
projects:
  - id: proj_alpha
    keys:
      - name: laptop
        owner: { type: user, name: Ana }
      - name: worker
        owner: { type: service_account, name: bot }
`;

/**
 * The real API at `/v1` over one project and `keys`, each answer validated against the spec
 * before it is sent; `tamper` may replace any answer first. Every other path is `404 Invalid URL`.
 */
export function realApi(
  o: {
    keys?: Json[];
    adminKey?: string;
    tamper?: (url: URL) => Response | null;
    seen?: URL[];
  } = {},
) {
  const keys = o.keys ?? KEYS();
  return (req: Request): Response => {
    const url = new URL(req.url);
    o.seen?.push(url);
    const invalid = () => json(404, envelope(`Invalid URL (${req.method} ${url.pathname})`));
    if (req.method !== "GET") return invalid();
    if (req.headers.get("authorization") !== `Bearer ${o.adminKey ?? ADMIN_KEY}`) {
      return json(401, envelope("Incorrect API key provided", "invalid_api_key"));
    }
    const tampered = o.tamper?.(url);
    if (tampered) return tampered;
    const m = /^\/v1\/organization\/projects(?:\/([^/]+)(\/api_keys(?:\/([^/]+))?)?)?$/.exec(
      url.pathname,
    );
    if (!m) return invalid();
    const [, pid, api, kid] = m;
    if (!pid) return spec("ProjectListResponse", list([project("proj_alpha")]));
    if (decodeURIComponent(pid) !== "proj_alpha") return json(404, envelope("No such project"));
    if (!api) return spec("Project", project("proj_alpha"));
    if (!kid) return spec("ProjectApiKeyListResponse", list(keys));
    const k = keys.find((k) => k.id === decodeURIComponent(kid));
    return k ? spec("ProjectApiKey", k) : json(404, envelope("No such API key"));
  };
}

function spec(schema: string, body: Json): Response {
  assertOpenapi(schema, body);
  return json(200, body);
}

export async function check(
  handler: (req: Request) => Response,
  o: { args?: string[]; adminKey?: string; manifest?: string; env?: Record<string, string> } = {},
): Promise<MemResult & { report: Json }> {
  const r = await runCli(
    [
      "check",
      "-m",
      "keydrift.yaml",
      ...(o.env?.OPENAI_BASE_URL ? [] : ["--api-url", "http://127.0.0.1/v1"]),
      "--format",
      "text",
      "--format",
      "json=r.json",
      ...(o.args ?? []),
    ],
    {
      files: { "keydrift.yaml": o.manifest ?? MANIFEST },
      env: { OPENAI_ADMIN_KEY: o.adminKey ?? ADMIN_KEY, ...o.env },
      fetch: async (input, init) => await handler(new Request(input, init)),
    },
  );
  return { ...r, report: JSON.parse(r.files.get("r.json") ?? "null") };
}

/** Exit 1, status "error", no drift claimed, the status line written, and `why` said. */
export function assertUnknown(r: MemResult & { report: Json }, why: RegExp) {
  assertEquals(r.code, 1, r.stdout + r.stderr);
  assertEquals(r.report?.status, "error", r.stdout + r.stderr);
  assertEquals(r.report.drift, []);
  ok(!/No drift|in sync;/.test(r.stdout + r.stderr), r.stdout);
  ok(why.test(r.stdout + r.stderr), `${why} not in:\n${r.stdout}${r.stderr}`);
  ok(/^keydrift: .*exit 1/m.test(r.stderr), `no status line in:\n${r.stderr}`);
}
