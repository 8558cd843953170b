/**
 * The round trip of docs/remediation.md, end to end: `keydrift fake-api --writes` on 127.0.0.1:0
 * -> `check --explain --format script=fix.sh` -> uncomment every curl line -> run the script
 * with bash and real curl (the admin key and base URL from the environment the script documents)
 * -> check again. Every unexpected key (a user's, a service account's) and the unexpected admin
 * key is gone, the expiry is set, and the second check is in sync.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { ADMIN_KEY, assertNoSecret, assertValidReport } from "./_helpers.ts";
import { startFake, taskFlags } from "./_fake_server.ts";
import { testWithTools } from "./_tools.ts";
import { specOperationFor } from "./_openapi.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const decoder = new TextDecoder();

const STATE = `
users:
  - { id: user-ana, name: Ana Ruiz, email: ana@example.test }
  - { id: user-carl, name: Carl Weber, email: carl@example.test }
projects:
  - id: proj_app
    name: app
    members: [{ user: user-ana, role: owner }, { user: user-carl, role: member }]
    service_accounts:
      - { id: svc_acct_app, name: app-bot }
      - { id: svc_acct_stray, name: stray-bot }
    keys:
      - { id: key_app, name: app-prod, owner: svc_acct_app, last_used_at: -1h, expires_at: +60d }
      - { id: key_ana, name: ana-dev, owner: user-ana, last_used_at: -1h }
      - { id: key_carl, name: carl-tmp, owner: user-carl, last_used_at: -1h }
      - { id: key_stray, name: stray, owner: svc_acct_stray, last_used_at: -1h, expires_at: +30d }
admin_keys:
  - { id: key_admin_ops, name: ops, owner: { user: user-ana }, last_used_at: -1h, expires_at: +99d }
  - { id: key_admin_old, owner: { user: user-carl }, last_used_at: -2d, expires_at: +99d }
`;

// key-no-expiry on: ana-dev gets an expiry (POST), carl-tmp's expiry loses to its delete.
const MANIFEST = `version: 1
policies:
  key-no-expiry: { severity: error }
projects:
  - id: proj_app
    keys:
      - name: app-prod
        owner: { type: service_account, name: app-bot }
      - name: ana-dev
        owner: { type: user, name: Ana Ruiz, email: ana@example.test }
admin_keys:
  - name: ops
    id: key_admin_ops
    owner: { type: user, name: Ana Ruiz }
`;

/** keydrift `check` with the README's scoped permissions (the host swapped for the loopback). */
async function check(dir: string, args: string[], env: Record<string, string>) {
  const flags = taskFlags("drift").map((f) =>
    f.startsWith("--allow-net=") ? "--allow-net=127.0.0.1" : f
  );
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--config", `${ROOT}deno.json`, ...flags, `${ROOT}main.ts`, "check", ...args],
    cwd: dir,
    env: { NO_COLOR: "1", ...env },
    clearEnv: true,
  }).output();
  const r = {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
  assertNoSecret("stdout", r.stdout);
  assertNoSecret("stderr", r.stderr);
  return r;
}

/** The curl commands of a text (lines that are one) and of a script (lines `# curl …`). */
const commands = (text: string, prefix: string) =>
  [...new Set(text.split("\n").map((l) => l.trim()).filter((l) => l.startsWith(prefix)))]
    .map((l) => l.slice(prefix.length - "curl ".length)).sort();

// deno-lint-ignore no-explicit-any
type Json = any;

testWithTools(
  "round trip: check, script, uncomment every curl line, run it with bash and curl, check again: in sync, the unexpected user, service-account and admin keys gone",
  ["curl", "bash"],
  async ({ curl, bash }) => {
    const dir = await Deno.makeTempDir({ prefix: "keydrift-round-trip-" });
    await Deno.writeTextFile(`${dir}/state.yaml`, STATE);
    await Deno.writeTextFile(`${dir}/keydrift.yaml`, MANIFEST);
    const fake = await startFake("state.yaml", { cwd: dir, args: ["--writes"] });
    try {
      const env = { OPENAI_ADMIN_KEY: ADMIN_KEY, OPENAI_BASE_URL: fake.url };
      const first = await check(dir, [
        "-m",
        "keydrift.yaml",
        "--explain",
        "--format",
        "text",
        "--format",
        "script=fix.sh",
        "--format",
        "json=first.json",
      ], env);
      assertEquals(first.code, 2, first.stdout + first.stderr);
      const report = JSON.parse(await Deno.readTextFile(`${dir}/first.json`));
      await assertValidReport("first.json", JSON.stringify(report));
      assertFixes(report);
      const script = await Deno.readTextFile(`${dir}/fix.sh`);
      const explained = commands(first.stdout, "curl ");
      assertEquals(explained, commands(script, "# curl "), "--explain and the script differ");
      assertEquals(explained.length, 4, script);
      for (const c of explained) ok(c.includes(" --fail-with-body "), c);
      // Uncomment every curl line, and run the script as a user would.
      await Deno.writeTextFile(`${dir}/fix.sh`, script.replace(/^# curl /gm, "curl "));
      const ran = await new Deno.Command(bash, {
        args: ["fix.sh"],
        cwd: dir,
        env: { ...env, PATH: `${curl.replace(/\/curl$/, "")}:/usr/bin:/bin` },
        clearEnv: true,
      }).output();
      assertEquals(ran.code, 0, decoder.decode(ran.stderr));
      const second = await check(dir, ["-m", "keydrift.yaml", "--format", "json"], env);
      assertEquals(second.code, 0, second.stdout + second.stderr);
      const after = JSON.parse(second.stdout);
      assertEquals([after.status, after.drift, after.findings], ["in_sync", [], []]);
      await assertGone(fake.url);
    } finally {
      await fake.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

/** The first report's fixes: the three deletes, the expiry, each on the spec exactly as marked. */
function assertFixes(report: Json): void {
  const calls = [...report.drift, ...report.findings]
    .map((x: Json) => x.remediation)
    .filter((r: Json) => r.method !== "EDIT");
  for (const r of calls) {
    assertEquals(r.in_published_spec, specOperationFor(r.method, r.path) !== null, r.path);
  }
  const byKey = new Map<string, Set<string>>();
  for (const r of calls) {
    byKey.set(r.ids.key_id, (byKey.get(r.ids.key_id) ?? new Set()).add(`${r.method} ${r.path}`));
  }
  assertEquals(Object.fromEntries([...byKey].map(([k, v]) => [k, [...v]])), {
    key_admin_old: ["DELETE /organization/admin_api_keys/key_admin_old"],
    key_carl: ["DELETE /organization/projects/proj_app/api_keys/key_carl"],
    key_stray: ["DELETE /organization/projects/proj_app/service_accounts/svc_acct_stray"],
    key_ana: ["POST /organization/projects/proj_app/api_keys/key_ana"],
  });
}

/** What the fake holds after the script: the keys and the audit-log events of each write. */
async function assertGone(base: string): Promise<void> {
  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    return await res.json();
  };
  const keys = await get("/organization/projects/proj_app/api_keys?owner_project_access=any");
  assertEquals(keys.data.map((k: Json) => k.id), ["key_app", "key_ana"]);
  ok(keys.data[1].expires_at > Date.now() / 1000 + 89 * 86_400, "ana-dev expires in 90 days");
  const admin = await get("/organization/admin_api_keys");
  assertEquals(admin.data.map((k: Json) => k.id), ["key_admin_ops"]);
  const log = await get("/organization/audit_logs?limit=100");
  const tenant = await get("/organization/audit_logs?tenant_only=true");
  assertEquals(
    [...log.data, ...tenant.data].map((e: Json) => `${e.type} ${e[e.type].id}`).sort(),
    [
      "api_key.deleted key_carl",
      "api_key.updated key_ana",
      "service_account.deleted svc_acct_stray",
      "tenant.admin_api_key.deleted key_admin_old",
    ],
  );
}

testWithTools(
  "with --fail-with-body, a call the API refuses fails the script: the plain DELETE of a service-account key exits 22 with the API's 400",
  ["curl", "bash"],
  async ({ curl }) => {
    const dir = await Deno.makeTempDir({ prefix: "keydrift-round-trip-" });
    await Deno.writeTextFile(`${dir}/state.yaml`, STATE);
    const fake = await startFake("state.yaml", { cwd: dir, args: ["--writes"] });
    try {
      const url = `${fake.url}/organization/projects/proj_app/api_keys/key_stray`;
      const send = (fail: string[]) =>
        new Deno.Command(curl, {
          args: ["-sS", ...fail, "-X", "DELETE", url, "-H", `Authorization: Bearer ${ADMIN_KEY}`],
        }).output();
      const plain = await send([]);
      assertEquals(plain.code, 0, "without it, curl reports the 400 as a success");
      const failing = await send(["--fail-with-body"]);
      assertEquals(failing.code, 22);
      ok(decoder.decode(failing.stdout).includes('"error"'), "the API's answer is printed");
    } finally {
      await fake.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
