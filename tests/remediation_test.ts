/**
 * The fix for each item, as data (SPEC 10.5, 11.3): its action, the ids it acts on, and a method
 * and path that are an operation of the published OpenAPI spec exactly when `in_published_spec`
 * says so (the spec's own path list, parsed from the verbatim copy in tests/fixtures/schemas/),
 * the one that is not being in the official SDK; the words for it are the renderers'.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import {
  acceptEdit,
  type ApiAction,
  ENDPOINTS,
  remediateDrift,
  remediateFinding,
} from "../lib/enrich/remediation.ts";
import { entryKey, type RunFacts } from "../lib/assess/assessment.ts";
import { driftFixWords, findingFixWords } from "../lib/render/words.ts";
import { editText } from "../lib/render/_enrich.ts";
import { type Drift, type Finding, ORG, type Remediation } from "../lib/core/types.ts";
import { POLICIES } from "../policies/mod.ts";
import { specOperationFor, specOperations } from "./_openapi.ts";
import { sdk } from "./_fake_clients.ts";

const NOW = 1_800_000_000;
const at = { file: "keydrift.yaml", line: 45, column: 7 };
const facts = (owners: RunFacts["owners"] = new Map()): RunFacts => ({
  now: NOW,
  createdAt: new Map([["key_1", NOW - 10 * 86_400]]),
  owners,
  options: new Map(),
  accounts: new Map(),
  archived: new Set(),
});
const drift = (kind: Drift["kind"], extra: Partial<Drift> = {}): Drift => ({
  kind,
  severity: "error",
  projectId: "proj_a",
  keyId: "key_1",
  keyName: "ci",
  changes: [],
  location: at,
  ...extra,
});
const finding = (policy: string, extra: Partial<Finding> = {}): Finding => ({
  policy,
  severity: "error",
  projectId: "proj_a",
  keyId: "key_1",
  keyName: "ci",
  facts: {},
  waived: false,
  waiver: null,
  location: at,
  ...extra,
});
const policy = (id: string) => POLICIES.find((p) => p.id === id);
const IDS = { project_id: "proj_a", key_id: "key_1", service_account_id: "svc_1" };

/** The operation of the spec each action's endpoint is (null: not in the published spec). */
const EXPECTED: Record<ApiAction, string | null> = {
  delete_key: "delete /organization/projects/{project_id}/api_keys/{api_key_id}",
  delete_service_account:
    "delete /organization/projects/{project_id}/service_accounts/{service_account_id}",
  delete_admin_key: "delete /organization/admin_api_keys/{key_id}",
  set_expiry: null,
  create_key:
    "post /organization/projects/{project_id}/service_accounts/{service_account_id}/api_keys",
  create_service_account: "post /organization/projects/{project_id}/service_accounts",
};

Deno.test("every fix endpoint is the spec operation it names, found in the spec's own path list; only the key update is absent and marked so", () => {
  const ops = specOperations();
  ok(Object.keys(ops).length > 150, "the whole spec's paths were read");
  for (
    const [action, e] of Object.entries(ENDPOINTS) as [ApiAction, typeof ENDPOINTS.delete_key][]
  ) {
    const op = specOperationFor(e.method, e.path(IDS));
    assertEquals(op ? `${op.method} ${op.template}` : null, EXPECTED[action], action);
    assertEquals(e.inPublishedSpec, op !== null, `${action}: in_published_spec`);
  }
  // The key update endpoint: the path exists for GET and DELETE, not for POST.
  assertEquals(ops["/organization/projects/{project_id}/api_keys/{api_key_id}"], ["delete", "get"]);
});

Deno.test("the fix absent from the published spec is the official SDK's apiKeys.update: the same method, path and body", async () => {
  const sent: { method: string; path: string; body: string }[] = [];
  const client = sdk(async (input, init) => {
    const req = new Request(input, init);
    sent.push({ method: req.method, path: new URL(req.url).pathname, body: await req.text() });
    return new Response(JSON.stringify({}), { headers: { "content-type": "application/json" } });
  });
  const fix = remediateFinding(finding("key-no-expiry"), policy("key-no-expiry"), facts());
  assertEquals([fix.action, fix.in_published_spec], ["set_expiry", false]);
  await client.admin.organization.projects.apiKeys.update("key_1", {
    project_id: "proj_a",
    ...(fix.body as { expires_in_seconds: number }),
  });
  assertEquals(sent, [{
    method: fix.method,
    path: `/v1${fix.path}`,
    body: JSON.stringify(fix.body),
  }]);
});

Deno.test("each item's own fix: delete, admin delete, create, expiry, manifest edit; an unnamed key is named by its id", () => {
  const sa = { type: "service_account" as const, name: "bot" };
  const fixes = [
    remediateDrift(drift("unexpected"), facts()),
    remediateDrift(drift("unexpected", { projectId: ORG, keyType: "admin" }), facts()),
    remediateDrift(
      drift("missing", { keyId: null }),
      facts(new Map([[entryKey("proj_a", "ci"), { ...sa, id: "svc_1" }]])),
    ),
    remediateDrift(
      drift("missing", { keyId: null }),
      facts(new Map([[entryKey("proj_a", "ci"), sa]])),
    ),
    remediateFinding(finding("key-no-expiry"), policy("key-no-expiry"), facts()),
    remediateFinding(finding("key-expired"), policy("key-expired"), facts()),
  ];
  assertEquals(fixes.map((r) => r.action), [
    "delete_key",
    "delete_admin_key",
    "create_key",
    "create_service_account",
    "set_expiry",
    "delete_key",
  ]);
  const edit = remediateDrift(drift("ambiguous"), facts());
  assertEquals([edit.action, edit.method, edit.in_published_spec], ["edit_manifest", "EDIT", null]);
  const unnamed = drift("unexpected", { projectId: ORG, keyType: "admin", keyName: null });
  const declare = acceptEdit(unnamed);
  assertEquals(declare, { add_entry: { name: null, id: "key_1" } });
  assertEquals(
    editText({ ...edit, body: declare, summary: "" }),
    "edit keydrift.yaml:45: declare the key with id key_1",
  );
});

Deno.test("the changed-key fix writes the live values into the entry, by value", () => {
  const d = drift("changed", {
    changes: [
      { path: "owner.name", expected: "indexer", actual: "indexer-v2" },
      { path: "owner.email", expected: "a@x.test", actual: null },
    ],
  });
  const r = remediateDrift(d, facts());
  assertEquals(r, {
    action: "edit_manifest",
    method: "EDIT",
    path: "keydrift.yaml:45",
    body: { set: { "owner.name": "indexer-v2", "owner.email": null } },
    ids: { project_id: "proj_a", key_id: "key_1", service_account_id: null },
    in_published_spec: null,
  });
  assertEquals(
    driftFixWords(d, r),
    "If the change was intended, write the live values into the entry; otherwise revert the key.",
  );
});

Deno.test("a finding's fix is its policy's remedy: the words follow the action it came to, and the expiry says its endpoint is not in the published spec", () => {
  const tooLong = policy("key-expiry-too-long");
  const limited = (limit: number) =>
    remediateFinding(finding("key-expiry-too-long", { facts: { limit } }), tooLong, facts());
  const inTime = limited(30);
  assertEquals([inTime.action, inTime.body], ["set_expiry", { expires_in_seconds: 20 * 86_400 }]);
  assertEquals(
    findingFixWords(finding("key-expiry-too-long"), inTime, tooLong?.remedy),
    "Set the key to expire at the end of its 30-day limit (1,728,000 seconds), with the key update endpoint, which is in the official SDK, not in the published OpenAPI spec.",
  );
  const late = limited(5);
  assertEquals(late.action, "delete_key");
  assertEquals(
    findingFixWords(finding("key-expiry-too-long"), late, tooLong?.remedy),
    "The key is older than the 5-day limit: create a replacement, then delete it.",
  );
  const admin = finding("key-no-expiry", { projectId: ORG, keyType: "admin" });
  const replace = remediateFinding(admin, policy("key-no-expiry"), facts());
  assertEquals([replace.action, replace.ids.project_id], ["delete_admin_key", null]);
  ok(findingFixWords(admin, replace, policy("key-no-expiry")?.remedy).startsWith("Admin keys"));
  const none = remediateFinding(finding("made-up"), undefined, facts());
  assertEquals(none.body, {
    add_waiver: { policy: "made-up", project: "proj_a", key: "ci" },
  });
  assertEquals(
    findingFixWords(finding("made-up"), none, undefined),
    "Fix the key; or accept the finding with a waiver.",
  );
});

Deno.test("creating a key for a declared service account is not said to be missing from the published spec", () => {
  const owners = new Map([[entryKey("proj_a", "ci"), {
    type: "service_account" as const,
    name: "bot",
    id: "svc_1",
  }]]);
  const d = drift("missing", { keyId: null });
  const r = remediateDrift(d, facts(owners));
  assertEquals([r.action, r.in_published_spec], ["create_key", true]);
  assertEquals(driftFixWords(d, r), "Create the key for its service account, or remove the entry.");
});

Deno.test("the ambiguous edit hint quotes each id, so an id holding a comma stays one id", () => {
  const r: Remediation & { summary: string } = {
    summary: "Pin one of the keys.",
    action: "edit_manifest",
    method: "EDIT",
    path: "keydrift.yaml:7",
    body: { pin_one_of: ["key_a1, key_b1", "key_a2"] },
    ids: { project_id: "proj_a", key_id: null, service_account_id: null },
    in_published_spec: null,
  };
  assertEquals(
    editText(r),
    `edit keydrift.yaml:7: set id to one of "key_a1, key_b1", "key_a2"`,
  );
});
