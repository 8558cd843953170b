import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import {
  ADMIN_KEY,
  CHECK_API,
  CHECK_FAKE,
  DEMO_FILES,
  fakeFetch,
  fixture,
  NOW_S,
  readExample,
  runCli,
  stateFrom,
} from "./_helpers.ts";
import { RENDERERS } from "../lib/render/mod.ts";
import { USAGE_FAMILIES } from "../lib/core/types.ts";

const MANIFEST = readExample("keydrift.yaml");
const STATE = readExample("state.yaml");
const files = DEMO_FILES;
const ALL = ["--attribute", "--usage", "7", "--explain"];

type Item = Record<string, unknown> & {
  key_id: string | null;
  kind?: string;
  policy?: string;
  remediation: {
    method: string;
    path: string;
    body: unknown;
    summary: string;
    instead_of?: unknown;
  };
};

async function jsonCheck(flags: string[], state = STATE) {
  const r = await runCli([...CHECK_FAKE, ...flags, "--format", "json"], {
    files: { ...files, "state.yaml": state },
  });
  return {
    r,
    report: JSON.parse(r.stdout) as { drift: Item[]; findings: Item[] } & Record<string, unknown>,
  };
}

const unexpectedOldCi = (report: { drift: Item[] }) =>
  report.drift.find((d) => d.kind === "unexpected" && d.key_id === "key_old_ci_carl")!;

Deno.test("--attribute fills attribution from api_key.created (actor email, time, IP) on unexpected and changed keys and findings", async () => {
  const { r, report } = await jsonCheck(["--attribute"]);
  const plain = await jsonCheck([]);
  assertEquals(r.code, plain.r.code);
  const a = unexpectedOldCi(report).attribution as Record<string, unknown>;
  assertEquals(a.event, "api_key.created");
  assertEquals(a.at, NOW_S - 500 * 86_400);
  assertEquals(a.ip_address, "203.0.113.7");
  assertEquals(a.user_agent, "curl/8.5.0");
  assertEquals((a.actor as Record<string, unknown>).email, "carl@example.test");
  assertEquals((a.actor as Record<string, unknown>).type, "session");
  const changed = report.drift.find((d) => d.kind === "changed")!;
  ok(changed.attribution, "a changed key is attributed");
  // A key created through the Admin API: the actor is the acting API key.
  const refunds = report.findings.find((f) => f.key_id === "key_refunds_01")!;
  const actor = (refunds.attribution as { actor: Record<string, unknown> }).actor;
  assertEquals([actor.type, actor.api_key_id], ["api_key", "key_admin_ops"]);
  // Missing keys and project drift have no live key to attribute.
  for (const d of report.drift.filter((d) => d.kind === "missing" || d.kind === "ambiguous")) {
    ok(!("attribution" in d), `${d.kind} carries no attribution`);
  }
  assertEquals(report.enrichment, { attribution: { error: null }, usage: null });
  ok(r.stdout.length > 0 && !plain.r.stdout.includes('"attribution"'));
});

Deno.test("--attribute with audit logging disabled: attribution null with the reason, drift and exit code unchanged, status line says so", async () => {
  const disabled = STATE.replace("audit_log:\n  enabled: true", "audit_log:\n  enabled: false");
  ok(disabled !== STATE);
  const { r, report } = await jsonCheck(["--attribute"], disabled);
  const plain = await jsonCheck([], disabled);
  assertEquals(r.code, 2);
  assertEquals(r.code, plain.r.code);
  assertEquals(report.summary, plain.report.summary);
  assertEquals(report.status, plain.report.status);
  const d = unexpectedOldCi(report);
  assertEquals(d.attribution, null);
  assertEquals(d.attribution_error, "audit logging is not enabled for the organisation");
  ok(
    report.findings.every((f) => f.attribution === null && typeof f.attribution_error === "string"),
  );
  ok(
    r.stderr.includes(
      "attribution unavailable (audit logging is not enabled for the organisation)",
    ),
    r.stderr,
  );
});

Deno.test("--usage 7 fills usage with the server's request counts per family and the key's spend; unexpected keys in use come first in their project", async () => {
  const { report } = await jsonCheck(["--usage", "7"]);
  // examples/state.yaml: old-ci has 42 + 17 + 8 completions and 500 embeddings requests in the
  // last 7 days, costing 0.84 + 0.34 + 0.16 + 0.0008.
  assertEquals(unexpectedOldCi(report).usage, {
    days: 7,
    requests: 567,
    input_tokens: 12600 + 5100 + 2000 + 40000,
    output_tokens: 3100 + 900 + 450,
    by_family: { completions: 67, embeddings: 500 },
    cost_usd: 1.3408,
    complete: true,
    unknown_families: [],
  });
  assertEquals(unexpectedOldCi(report).usage_verdict, "used");
  // The JSON report keeps its order (project id, key name, key id): enrichment reorders nothing.
  const plain = await jsonCheck([]);
  assertEquals(
    report.drift.map((d) => [d.kind, d.key_id]),
    plain.report.drift.map((d) => [d.kind, d.key_id]),
  );
  // Changed keys get attribution, not usage.
  ok(!("usage" in report.drift.find((d) => d.kind === "changed")!));
  // For people (text), the unexpected key in use is listed first in its project.
  const text = await runCli([...CHECK_FAKE, "--usage", "7"], { files });
  ok(
    text.stdout.includes(
      "used 567 times in the last 7 days (completions 67, embeddings 500); spent $1.34",
    ),
    text.stdout,
  );
  const section = text.stdout.slice(text.stdout.indexOf("project proj_payments"));
  const firstItem = section.split("\n")[1];
  ok(firstItem.includes("old-ci"), section.slice(0, 400));
});

Deno.test("--usage must be 1 to 90 days (usage error, exit 1)", async () => {
  for (const bad of ["0", "91", "x", "1.5"]) {
    const r = await runCli([...CHECK_FAKE, "--usage", bad], { files });
    assertEquals(r.code, 1, bad);
    ok(r.stderr.includes("--usage must be"), r.stderr);
  }
});

Deno.test("key-never-used says when the usage API counts requests against last_used_at", async () => {
  // dee-notebook has never been used by last_used_at, but the usage API has requests for it.
  const state = STATE.replace(
    /(\n\s+- id: key_dee_notebook\n(?: {8}\w+:.*\n)*)/,
    "$1        usage: [{ day: -1d, requests: 12, input_tokens: 100, output_tokens: 10 }]\n",
  );
  ok(state !== STATE, "the state was changed");
  const { report } = await jsonCheck(["--usage", "7"], state);
  const f = report.findings.find((f) => f.policy === "key-never-used")!;
  assertEquals(
    f.usage_note,
    "the usage API counts 12 requests (completions 12) in the last 7 days, which contradicts last_used_at",
  );
  const plain = await jsonCheck(["--usage", "7"]);
  ok(!("usage_note" in plain.report.findings.find((f) => f.policy === "key-never-used")!));
});

Deno.test("every drift item and finding has a remediation: DELETE for unexpected/expired/orphaned, POST expiry within 1..31,536,000, EDIT with file:line", async () => {
  const { report } = await jsonCheck([]);
  for (const x of [...report.drift, ...report.findings]) {
    const m = x.remediation;
    ok(m && typeof m.summary === "string" && m.summary.length > 0, JSON.stringify(x));
    ok(["DELETE", "POST", "EDIT"].includes(m.method));
    if (m.method === "EDIT") ok(/^keydrift\.yaml:\d+$/.test(m.path), m.path);
    else if (x.key_type === "admin") {
      ok(m.path.startsWith("/organization/admin_api_keys/"), m.path);
    } else ok(m.path.startsWith("/organization/projects/"), m.path);
  }
  const del = `/organization/projects/proj_payments/api_keys/`;
  assertEquals(unexpectedOldCi(report).remediation.method, "DELETE");
  assertEquals(unexpectedOldCi(report).remediation.path, del + "key_old_ci_carl");
  const lost = report.findings.find((f) => f.policy === "owner-lost-access")!;
  assertEquals([lost.remediation.method, lost.remediation.path], ["DELETE", del + lost.key_id]);
  // refunds is a service account's key, and the account holds nothing else: it goes with it.
  const expired = report.findings.find((f) => f.policy === "key-expired")!;
  assertEquals([expired.remediation.method, expired.remediation.path], [
    "DELETE",
    "/organization/projects/proj_payments/service_accounts/svc_acct_refunds",
  ]);
  const missing = report.drift.find((d) => d.kind === "missing")!;
  assertEquals(missing.remediation.method, "POST");
  assertEquals(missing.remediation.path, "/organization/projects/proj_payments/service_accounts");
  assertEquals(missing.remediation.body, { name: "reporting-bot" });
  // key-no-expiry is off in the example; turned on, it proposes an expiry the API accepts.
  const on = await runCli([...CHECK_FAKE, "--format", "json"], {
    files: {
      ...files,
      "keydrift.yaml": MANIFEST.replace(
        "policies:\n",
        "policies:\n  key-no-expiry: { severity: warning }\n",
      ),
    },
  });
  const noExpiry = (JSON.parse(on.stdout).findings as Item[]).filter((f) =>
    f.policy === "key-no-expiry"
  );
  ok(noExpiry.length > 0);
  for (const f of noExpiry) {
    if (f.key_type === "admin") {
      // The Admin API cannot give an admin key an expiry: the fix is a replacement.
      assertEquals(f.remediation.method, "DELETE");
      continue;
    }
    if (f.project_id === "proj_legacy") {
      // The project is archived: the API changes nothing there.
      assertEquals(f.remediation.instead_of, { action: "set_expiry", because: "project_archived" });
      assertEquals(f.remediation.method, "EDIT");
      continue;
    }
    if (f.remediation.instead_of) {
      // Another open item deletes the key (old-ci is unexpected): the delete wins.
      assertEquals(f.remediation.instead_of, { action: "set_expiry", because: "key_deleted" });
      assertEquals(f.remediation.method, "DELETE");
      continue;
    }
    assertEquals(f.remediation.method, "POST");
    const n = (f.remediation.body as { expires_in_seconds: number }).expires_in_seconds;
    ok(Number.isInteger(n) && n >= 1 && n <= 31_536_000, String(n));
  }
});

Deno.test('--explain prints each fix as a curl line with "$OPENAI_ADMIN_KEY", never the key', async () => {
  const { api, fetch } = fakeFetch(stateFrom(STATE));
  const r = await runCli([...CHECK_API, ...ALL], {
    files,
    fetch,
    env: { OPENAI_ADMIN_KEY: ADMIN_KEY },
  });
  assertEquals(r.code, 2);
  ok(api.requests.length > 0);
  ok(
    r.stdout.includes(
      `curl -sS --fail-with-body -X DELETE "\${OPENAI_BASE_URL:-https://api.openai.com/v1}/organization/projects/proj_payments/api_keys/key_old_ci_carl" -H "Authorization: Bearer $OPENAI_ADMIN_KEY"`,
    ),
    r.stdout,
  );
  ok(!r.stdout.includes(ADMIN_KEY));
  // Not merely scrubbed on the way out: the curl lines never held the key to begin with.
  ok(!r.stdout.includes("[REDACTED]"), r.stdout);
  ok(r.stdout.includes("created 2025-07-08 by carl@example.test (203.0.113.7)"), r.stdout);
});

Deno.test("with every new flag and every format on, keydrift sends GET only, and enrichment adds one audit query, one query per usage family, one per family with use, and one costs query", async () => {
  const check = async (flags: string[]) => {
    const { api, fetch } = fakeFetch(stateFrom(STATE));
    const formats = Object.keys(RENDERERS).filter((n) => n !== "text")
      .flatMap((f) => ["--format", `${f}=r.${f}`]);
    const r = await runCli([...CHECK_API, ...flags, ...formats, "--format", "text"], {
      files,
      fetch,
      env: { OPENAI_ADMIN_KEY: ADMIN_KEY },
    });
    assertEquals(r.code, 2);
    return api.requests;
  };
  const enriched = await check(ALL);
  const plain = await check([]);
  assertEquals([...new Set(enriched.map((q) => q.method))], ["GET"]);
  const extra = enriched.map((q) => q.path).filter((p) => !plain.some((q) => q.path === p));
  assertEquals(
    extra.sort(),
    [
      "/v1/organization/audit_logs",
      "/v1/organization/costs",
      ...USAGE_FAMILIES.map((f) => `/v1/organization/usage/${f}`),
      // The families with use in the window are read per key too.
      "/v1/organization/usage/completions",
      "/v1/organization/usage/embeddings",
    ].sort(),
  );
  assertEquals(enriched.length, plain.length + 1 + USAGE_FAMILIES.length + 2 + 1);
});

Deno.test("no enrichment request when no key needs it", async () => {
  // The example manifest against the state that matches it (no drift, no finding).
  const inSync = fixture("in_sync/state.yaml");
  const manifest = MANIFEST;
  const { api, fetch } = fakeFetch(stateFrom(inSync));
  const r = await runCli([...CHECK_API, ...ALL, "--format", "json"], {
    files: { "keydrift.yaml": manifest },
    fetch,
    env: { OPENAI_ADMIN_KEY: ADMIN_KEY },
  });
  const report = JSON.parse(r.stdout);
  assertEquals([...report.drift, ...report.findings].filter((x: Item) => x.key_id !== null), []);
  ok(api.requests.length > 0);
  ok(!api.requests.some((q) => q.path.endsWith("/audit_logs") || q.path.includes("/usage/")));
  assertEquals(report.enrichment, {
    attribution: { error: null },
    usage: {
      days: 7,
      error: null,
      incomplete: [],
      unexpected_spend: { cost_usd: 0, keys: 0, unknown_keys: 0 },
    },
  });
});

Deno.test("--format script writes a script whose every line but set -eu is a comment, valid for bash -n, with a header saying what it would do", async () => {
  const r = await runCli([...CHECK_FAKE, ...ALL, "--format", "script=fix.sh"], { files });
  assertEquals(r.code, 2);
  const script = r.files.get("fix.sh")!;
  const lines = script.split("\n");
  assertEquals(lines[0], "#!/bin/sh");
  for (const l of lines) {
    ok(l === "" || l === "set -eu" || l.startsWith("#"), `a line would run: ${l}`);
  }
  ok(
    script.includes(
      // The refunds key's account, and the demo's orphaned Vault lease (a key family's).
      "# Uncommented, it would: delete 2 keys (DELETE .../api_keys/{id}); delete 2 service accounts with their keys (DELETE .../service_accounts/{id}); delete 1 admin key",
    ),
    script,
  );
  ok(script.includes("/organization/admin_api_keys/key_admin_legacy"), script);
  ok(script.includes("# curl -sS --fail-with-body -X DELETE "), script);
  ok(script.includes("#   (the same call as above)"));
  const path = await Deno.makeTempFile({ suffix: ".sh" });
  try {
    await Deno.writeTextFile(path, script);
    const out = await new Deno.Command("bash", { args: ["-n", path] }).output();
    // Run for real with no PATH: any command would fail; all comments, it does nothing.
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
    const ran = await new Deno.Command("/usr/bin/bash", {
      args: [path],
      clearEnv: true,
      env: { PATH: "/nonexistent" },
    }).output();
    assertEquals([ran.code, ran.stdout.length, ran.stderr.length], [0, 0, 0]);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("server strings in attribution and key names stay inert in text, markdown and the script", async () => {
  const hostile = STATE
    .replace("email: carl@example.test", 'email: "carl\\u001b[2J\\n::error::pwned@example.test"')
    .replace("name: old-ci", 'name: "old-ci\\nrm -rf ~ #"');
  ok(hostile !== STATE);
  const r = await runCli(
    [
      ...CHECK_FAKE,
      ...ALL,
      "--format",
      "script=fix.sh",
      "--format",
      "markdown=r.md",
      "--format",
      "text",
    ],
    { files: { ...files, "state.yaml": hostile } },
  );
  assertEquals(r.code, 2);
  ok(!r.stdout.includes("\x1b") && !r.stdout.includes("\n::error::"), r.stdout);
  ok(
    r.stdout.includes("created 2025-07-08 by carl\\x1b[2J\\n::error::pwned@example.test"),
    r.stdout,
  );
  for (const l of r.files.get("fix.sh")!.split("\n")) {
    ok(l === "" || l === "set -eu" || l.startsWith("#"), l);
  }
  ok(!r.files.get("r.md")!.includes("\n::error::"));
});

Deno.test("a check that cannot read every project sends no enrichment request and says enrichment was not read (exit 1)", async () => {
  const broken = STATE +
    "faults:\n  - { on: list, kind: status, status: 500, project: proj_search }\n";
  const { api, fetch } = fakeFetch(stateFrom(broken));
  const r = await runCli([...CHECK_API, ...ALL, "--format", "json"], {
    files,
    fetch,
    env: { OPENAI_ADMIN_KEY: ADMIN_KEY },
  });
  assertEquals(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout);
  assertEquals(report.status, "error");
  ok(!api.requests.some((q) => q.path.endsWith("/audit_logs") || q.path.includes("/usage/")));
  const why = "not read: the check did not complete";
  assertEquals(report.enrichment, { attribution: { error: why }, usage: { days: 7, error: why } });
  ok(r.stderr.includes(`attribution unavailable (${why})`), r.stderr);
});
