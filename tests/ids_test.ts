/**
 * Ids that can only mean themselves (issue 19, SPEC 11.1): the id rule, the percent-encoding of
 * every path segment (requests, remediation paths, `--explain` curl lines), and the rule applied
 * where ids enter: a server answer (the read fails) and the manifest (a located problem).
 * `new URL()` resolves dot segments as curl and browsers do, so a path is held to mean exactly
 * its ids by parsing it.
 */
import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import fc from "fast-check";
import { idProblem, pathSegment } from "../lib/core/ids.ts";
import {
  remediateDrift,
  remediateFinding,
  type RemediationContext,
} from "../lib/enrich/remediation.ts";
import { entryKey } from "../lib/assess/assessment.ts";
import { planFixes } from "../lib/enrich/fix_plan.ts";
import { readAdminKey } from "../lib/api/admin_keys.ts";
import { ApiError } from "../lib/core/errors.ts";
import { ORG } from "../lib/core/types.ts";
import type { Drift, Finding } from "../lib/core/types.ts";
import { ADMIN_KEY, runCli } from "./_helpers.ts";
import { POLICIES } from "../policies/mod.ts";
import { assertUnknown, BOT, check, key, KEYS, list, MANIFEST, realApi } from "./_real_api.ts";

const REFUSED: [string, RegExp][] = [
  ["", /empty/],
  [".", /dot segment/],
  ["..", /dot segment/],
  ["key_\ud800", /not well-formed Unicode \(it holds a lone surrogate\)/],
  ["\udc00key", /not well-formed Unicode \(it holds a lone surrogate\)/],
  ["proj/alpha", /"\/"/],
  ["key\u0000", /control character/],
  ["key\u001b[31m", /control character/],
  ["key\u007f", /control character/],
  ["key\u0085", /control character/],
];
const KEPT = [
  "key_a1",
  "...",
  ".hidden",
  "a..b",
  "%2e%2e",
  "key!'()*",
  "ключ",
  "a b",
  "🔑",
  "\\..",
];

Deno.test("idProblem() refuses empty ids, dot segments, lone surrogates, / and control characters, and keeps every other id", () => {
  for (const [id, why] of REFUSED) ok(why.test(idProblem(id) ?? ""), JSON.stringify(id));
  for (const id of KEPT) assertEquals(idProblem(id), null, JSON.stringify(id));
});

const BASE = "https://api.example.test/v1";

Deno.test("pathSegment() encodes !'()* too, and a path built from ids that pass the rule parses back to exactly those ids (property)", () => {
  assertEquals(pathSegment("key!'()*"), "key%21%27%28%29%2A");
  const tricky = fc.constantFrom(".", "/", "%", "2e", "!", "'", "(", ")", "*", "\\", "?", "#", ";");
  const unit = fc.oneof(tricky, fc.string({ unit: "binary", maxLength: 2 }), fc.constant("\ud800"));
  fc.assert(
    fc.property(fc.array(unit, { maxLength: 6 }).map((a) => a.join("")), (id) => {
      if (idProblem(id) !== null) {
        throws(() => pathSegment(id), RangeError);
        return;
      }
      const path = `/organization/projects/proj_a/api_keys/${pathSegment(id)}`;
      const url = new URL(BASE + path);
      assertEquals(url.pathname, `/v1${path}`, "the URL parser changed the path");
      assertEquals(url.search + url.hash, "");
      const segments = url.pathname.split("/").map(decodeURIComponent);
      assertEquals(segments.slice(-3), ["proj_a", "api_keys", id]);
    }),
    { numRuns: 2000 },
  );
});

const CTX: RemediationContext = {
  now: 1_800_000_000,
  createdAt: new Map(),
  owners: new Map([
    [entryKey("proj (x)", "ci"), { type: "service_account", name: "bot", id: "svc!'()*" }],
  ]),
  options: new Map(),
  accounts: new Map(),
  archived: new Set(),
};
const at = { file: "keydrift.yaml", line: 3, column: 5 };
const policy = (id: string) => POLICIES.find((p) => p.id === id);

Deno.test("every fix path percent-encodes each segment, !'()* included: DELETE, POST expiry, POST service-account key, service account, admin key", () => {
  const odd = "key!'()*";
  const drift = (kind: Drift["kind"], extra: Partial<Drift> = {}): Drift => ({
    kind,
    severity: "error",
    projectId: "proj (x)",
    keyId: odd,
    keyName: "ci",
    changes: [],
    location: at,
    ...extra,
  });
  const finding = (policy: string, extra: Partial<Finding> = {}): Finding => ({
    policy,
    severity: "error",
    projectId: "proj (x)",
    keyId: odd,
    keyName: "ci",
    facts: {},
    waived: false,
    waiver: null,
    location: at,
    ...extra,
  });
  const keyPath = "/organization/projects/proj%20%28x%29/api_keys/key%21%27%28%29%2A";
  assertEquals(remediateDrift(drift("unexpected"), CTX).path, keyPath);
  assertEquals(
    remediateFinding(finding("key-no-expiry"), policy("key-no-expiry"), CTX).path,
    keyPath,
  );
  assertEquals(remediateFinding(finding("key-expired"), policy("key-expired"), CTX).path, keyPath);
  assertEquals(
    remediateDrift(drift("missing", { keyId: null }), CTX).path,
    "/organization/projects/proj%20%28x%29/service_accounts/svc%21%27%28%29%2A/api_keys",
  );
  assertEquals(
    remediateFinding(
      finding("key-expired", { projectId: ORG, keyType: "admin" }),
      policy("key-expired"),
      CTX,
    ).path,
    "/organization/admin_api_keys/key%21%27%28%29%2A",
  );
  const sa = { id: "svc!'()*", name: "bot", keys: [odd] };
  const accounts = new Map([[entryKey("proj (x)", sa.id), sa]]);
  const plan = planFixes({
    drift: [drift("unexpected")],
    findings: [],
    policies: POLICIES,
    facts: { ...CTX, accounts },
  });
  assertEquals(
    plan.drift[0].path,
    "/organization/projects/proj%20%28x%29/service_accounts/svc%21%27%28%29%2A",
  );
});

// --- Where ids enter: the server --------------------------------------------------------------

for (const [id, why] of REFUSED) {
  Deno.test(`a key id ${JSON.stringify(id)} from the server fails the read naming the key (exit 1, status line, every output inert), never a fix to run`, async () => {
    // First on the page, so that the item itself is read (a bad last item fails "last_id").
    const r = await check(realApi({ keys: [key(id, "stray", BOT), ...KEYS()] }), {
      args: ["--explain", "--format", "script=fix.sh"],
    });
    // A lone surrogate is not a string the spec allows at all; the rest are not ids.
    assertUnknown(r, /"id" .*(cannot be an id|is not well-formed)/);
    const [error] = r.report.errors as { message: string }[];
    ok(
      error.message.startsWith(
        `Cannot read key "${id}" (a key in an item of list keys of project "proj_alpha" (page 1)): "id" `,
      ),
      error.message,
    );
    ok(why.test(error.message), error.message);
    ok(!/^curl|DELETE/m.test(r.stdout) && !(r.files.get("fix.sh") ?? "").includes("curl"));
    // deno-lint-ignore no-control-regex
    ok(!/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]|[\ud800-\udfff]/.test(r.stdout + r.stderr));
  });
}

Deno.test("a lone surrogate in the last key's id fails the page: its last_id is not well-formed", async () => {
  const r = await check(realApi({ keys: [...KEYS(), key("key_\ud800", "stray", BOT)] }));
  assertUnknown(r, /"last_id" is not well-formed Unicode \(it holds a lone surrogate\)/);
});

Deno.test("a project id '..' in the project listing fails the read (3 declared projects are read by listing)", async () => {
  const manifest = MANIFEST + "  - { id: proj_b, keys: [] }\n  - { id: proj_c, keys: [] }\n";
  const api = realApi({
    tamper: (u) =>
      u.pathname === "/v1/organization/projects"
        ? Response.json({
          object: "list",
          data: [{ object: "organization.project", id: "..", name: "x", status: "active" }],
          last_id: "..",
          has_more: false,
        })
        : null,
  });
  assertUnknown(await check(api, { manifest }), /"id" "\.\." cannot be an id: it is a dot segment/);
});

Deno.test("an admin key or its owner with an id that cannot be one is a failed read", () => {
  const k = {
    object: "organization.admin_api_key",
    id: "key_adm",
    name: "ops",
    redacted_value: "sk-admin****abcd",
    created_at: 1,
    expires_at: null,
    owner: { type: "user", id: "user-1", name: "Ana", role: "owner" },
  };
  const s = (x: string) => x;
  for (const bad of [{ id: ".." }, { owner: { ...k.owner, id: "user/1" } }]) {
    throws(
      () => readAdminKey({ ...k, ...bad }, "an admin key", s),
      (e) => e instanceof ApiError && /cannot be an id/.test(e.message),
    );
  }
  assertEquals(readAdminKey(k, "an admin key", s).id, "key_adm");
});

Deno.test("a pinned key id with !'()* is requested with every segment percent-encoded", async () => {
  const seen: URL[] = [];
  const odd = "key!'()*";
  const manifest = MANIFEST +
    `      - name: pinned\n        id: "${odd}"\n        owner: { type: service_account, name: bot }\n`;
  // The listing lacks the pinned key (as for a key of an owner who lost access): it is retrieved.
  const api = realApi({
    keys: [...KEYS(), key(odd, "pinned", BOT)],
    seen,
    tamper: (u) => (u.pathname.endsWith("/api_keys") ? Response.json(list(KEYS())) : null),
  });
  const r = await check(api, { manifest });
  assertEquals(r.code, 0, r.stdout + r.stderr);
  const asked = seen.map((u) => u.pathname).filter((p) => p.includes("/api_keys/"));
  assertEquals(asked, ["/v1/organization/projects/proj_alpha/api_keys/key%21%27%28%29%2A"]);
});

Deno.test("import --project with an id that cannot be one fails before any request (exit 1)", async () => {
  const seen: URL[] = [];
  const r = await runCli(
    ["import", "--api-url", "http://127.0.0.1/v1", "-o", "-", "--project", ".."],
    {
      env: { OPENAI_ADMIN_KEY: ADMIN_KEY },
      fetch: async (input, init) => await realApi({ seen })(new Request(input, init)),
    },
  );
  assertEquals(r.code, 1, r.stdout + r.stderr);
  ok(/Cannot read project "\.\.": the id "\.\." cannot be sent in a path/.test(r.stderr), r.stderr);
  assertEquals(seen.filter((u) => u.pathname.startsWith("/v1/organization/projects/")), []);
});

// --- Where ids enter: the manifest ------------------------------------------------------------

Deno.test("validate locates a project, key or owner id that cannot be an id (dot segment, /, control character, lone surrogate)", async () => {
  const cases: [string, string, RegExp][] = [
    [
      "project id",
      `  - id: ".."\n    keys: []\n`,
      /:3:5: project id "\.\." cannot be used: it is a dot segment/,
    ],
    [
      "key id",
      `  - id: proj_a\n    keys:\n      - { name: k, id: ".", owner: { type: user, name: A } }\n`,
      /:5:20: key id "\." cannot be used: it is a dot segment/,
    ],
    [
      "owner id",
      `  - id: proj_a\n    keys:\n      - name: k\n        owner: { type: service_account, name: b, id: "svc/../x" }\n`,
      /:6:50: owner id "svc\/\.\.\/x" cannot be used: it holds "\/"/,
    ],
    [
      "key id",
      `  - id: proj_a\n    keys:\n      - { name: k, id: "key_\\ud800", owner: { type: user, name: A } }\n`,
      /key id "key_\\ud800" cannot be used: it is not well-formed Unicode/,
    ],
    [
      "project id",
      `  - id: "proj\\u001b[31m"\n    keys: []\n`,
      /project id "proj\\u001b\[31m" cannot be used: it holds a control character/,
    ],
  ];
  for (const [what, projects, why] of cases) {
    const r = await runCli(["validate", "-m", "keydrift.yaml"], {
      files: { "keydrift.yaml": `version: 1\nprojects:\n${projects}` },
    });
    assertEquals(r.code, 1, `${what}: ${r.stdout}${r.stderr}`);
    ok(why.test(r.stdout + r.stderr), `${what}: ${why} not in ${r.stdout}${r.stderr}`);
  }
});
