/**
 * Fleets (issue 24): a manifest with `orgs:` read org by org, each with its own admin key and
 * session, failing on its own; the fake serving several orgs from one state file.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { CHECK_API, fakeFetch, readExample, runCli, stateFrom } from "./_helpers.ts";
import { FLEET_KEYS } from "./_fleet.ts";
import { keydrift } from "./_spawn.ts";
import { scopedFlags } from "../lib/commands/permissions.ts";
import { canonical, fingerprintOf } from "../lib/enrich/fingerprint.ts";

const MANIFEST = readExample("fleet/keydrift.yaml");
const STATE = readExample("fleet/state.yaml");
const PROJECTS = { acme: "proj_acme_web", beta: "proj_beta_api", gamma: "proj_gamma_etl" };

/** `check` of the example fleet over the fake, with the keys in `env`. */
async function checkFleet(
  env: Record<string, string>,
  args: string[] = [],
  state = STATE,
  files: Record<string, string> = {},
) {
  const { api, fetch } = fakeFetch(stateFrom(state));
  const r = await runCli([...CHECK_API, ...args], {
    files: { "keydrift.yaml": MANIFEST, ...files },
    env,
    fetch,
  });
  return { ...r, requests: api.requests };
}

Deno.test("three orgs, one without its key: exit 1, the other two orgs' drift reported, each org's requests with its own key and to its own projects", async () => {
  const { GAMMA_ADMIN_KEY: _, ...env } = FLEET_KEYS;
  const r = await checkFleet(env, ["--format", "json"]);
  assertEquals(r.code, 1);
  const report = JSON.parse(r.stdout);
  assertEquals(
    report.drift.map((
      d: { org: string; kind: string; key_name: string },
    ) => [d.org, d.kind, d.key_name]),
    [["acme", "unexpected", "web-old"], ["beta", "missing", "api-prod"]],
  );
  assertEquals(report.orgs.map((o: { name: string; exit_code: number }) => [o.name, o.exit_code]), [
    ["acme", 2],
    ["beta", 2],
    ["gamma", 1],
  ]);
  assertEquals(report.errors.length, 1);
  assertEquals(report.errors[0].org, "gamma");
  ok(report.errors[0].message.includes("GAMMA_ADMIN_KEY"), report.errors[0].message);
  // The fake chose the org by the key each request carried; no request reached gamma.
  const orgs = new Set(r.requests.map((q) => q.org));
  assertEquals([...orgs].sort(), ["acme", "beta"]);
  for (const q of r.requests) {
    const other = Object.entries(PROJECTS).filter(([org]) => org !== q.org).map(([, p]) => p);
    ok(!other.some((p) => q.path.includes(p)), `${q.org} asked for ${q.path}`);
  }
  ok(r.requests.some((q) => q.org === "acme" && q.path.includes(PROJECTS.acme)));
  ok(r.requests.some((q) => q.org === "beta" && q.path.includes(PROJECTS.beta)));
  ok(
    /checked 2 of 3 orgs \(acme and beta\).*incomplete; exit 1: 1 org could not be read \(gamma\), nothing is claimed about it; the orgs read show 1 unexpected and 1 missing/
      .test(r.stderr),
    r.stderr,
  );
});

Deno.test("every org read: the verdict is the worst org's; --org narrows the run and says nothing is claimed about the rest", async () => {
  const all = await checkFleet(FLEET_KEYS, ["--format", "json"]);
  assertEquals(all.code, 2);
  assertEquals(JSON.parse(all.stdout).orgs.map((o: { exit_code: number }) => o.exit_code), [
    2,
    2,
    0,
  ]);
  const gamma = await checkFleet(FLEET_KEYS, ["--org", "gamma"]);
  assertEquals(gamma.code, 0);
  ok(gamma.requests.every((q) => q.org === "gamma"));
  ok(
    /nothing is claimed about the orgs not checked in this run \(acme and beta\)/.test(
      gamma.stderr,
    ),
  );
  const unknown = await checkFleet(FLEET_KEYS, ["--org", "gama"]);
  assertEquals(unknown.code, 1);
  ok(
    /--org "gama" is not declared in the manifest's orgs: \(did you mean "gamma"\?\)/.test(
      unknown.stderr,
    ),
  );
});

Deno.test("a fleet org's server echoing another org's admin key: the key never reaches an output", async () => {
  const state = STATE.replace("name: api\n", `name: "${FLEET_KEYS.ACME_ADMIN_KEY}"\n`);
  const r = await checkFleet(FLEET_KEYS, ["--format", "json"], state);
  for (const key of Object.values(FLEET_KEYS)) {
    ok(!r.stdout.includes(key) && !r.stderr.includes(key), `${key} in the output`);
    ok(!r.stdout.includes(key.slice(9)), `${key} without its prefix in the output`);
  }
});

Deno.test("the fake serves several orgs: each admin key sees its own org only, another admin key is refused", async () => {
  const { fetch } = fakeFetch(stateFrom(STATE));
  const get = (key: string, path: string) =>
    fetch(`http://127.0.0.1/v1${path}`, { headers: { authorization: `Bearer ${key}` } });
  const projects = async (key: string) =>
    (await (await get(key, "/organization/projects")).json()).data.map((p: { id: string }) => p.id);
  assertEquals(await projects(FLEET_KEYS.ACME_ADMIN_KEY), [PROJECTS.acme]);
  assertEquals(await projects(FLEET_KEYS.BETA_ADMIN_KEY), [PROJECTS.beta]);
  assertEquals(
    (await get(FLEET_KEYS.ACME_ADMIN_KEY, `/organization/projects/${PROJECTS.beta}`)).status,
    404,
  );
  const other = await get("sk-admin-not-of-this-fleet", "/organization/projects");
  assertEquals(other.status, 401);
  assertEquals((await other.json()).error.code, "invalid_api_key");
});

Deno.test("spawned with the scoped set widened to two orgs' variables, the third org's refused variable fails that org only, and the hint's line grants all three", async () => {
  const dir = await Deno.makeTempDir({ prefix: "keydrift-fleet-" });
  try {
    await Deno.writeTextFile(`${dir}/keydrift.yaml`, MANIFEST);
    await Deno.writeTextFile(`${dir}/state.yaml`, STATE);
    const granted = new Set(["ACME_ADMIN_KEY", "BETA_ADMIN_KEY"]);
    const flags = scopedFlags({ read: new Set(), write: new Set(), net: new Set(), env: granted })
      .slice(1);
    const r = await keydrift(dir, ["check", "--fake", "state.yaml", "-q", "--format", "json"], {
      flags,
      env: FLEET_KEYS,
    });
    assertEquals(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout);
    assertEquals(report.orgs.map((o: { exit_code: number }) => o.exit_code), [2, 2, 1]);
    ok(
      r.stderr.includes("keydrift: not permitted: --allow-env=GAMMA_ADMIN_KEY; this grants it:\n"),
    );
    ok(
      r.stderr.includes(
        "--allow-env=OPENAI_ADMIN_KEY,OPENAI_BASE_URL,GITHUB_STEP_SUMMARY,ACME_ADMIN_KEY,BETA_ADMIN_KEY,GAMMA_ADMIN_KEY ",
      ),
      r.stderr,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a fingerprint carries the org: the same admin-key item in two orgs has two fingerprints, and without orgs it is as before", () => {
  const id = {
    rule: "drift/unexpected",
    project_id: null,
    key_id: "key_admin_1",
    key_name: "ci",
    owner: null,
    asserts: null,
    occurrence: 1,
  };
  const plain = fingerprintOf(id);
  assertEquals(
    canonical(id),
    JSON.stringify(["keydrift item", "drift/unexpected", null, "key_admin_1", "ci", null, null, 1]),
  );
  const a = fingerprintOf({ ...id, org: "acme" });
  const b = fingerprintOf({ ...id, org: "beta" });
  ok(a !== b && a !== plain && b !== plain);
  // An org named like an asserts digest never reads as one, nor the other way round.
  const digestLike = "ab".repeat(32);
  ok(fingerprintOf({ ...id, org: digestLike }) !== fingerprintOf({ ...id, asserts: digestLike }));
  ok(
    fingerprintOf({ ...id, asserts: "org", org: digestLike }) !==
      fingerprintOf({ ...id, asserts: digestLike, org: "org" }),
  );
});

Deno.test("baseline of a fleet records each item with its org, and check with that baseline hides exactly those items", async () => {
  const { fetch } = fakeFetch(stateFrom(STATE));
  const files = { "keydrift.yaml": MANIFEST };
  const b = await runCli([
    "baseline",
    "-m",
    "keydrift.yaml",
    "--api-url",
    "http://127.0.0.1/v1",
    "-o",
    "-",
  ], {
    files,
    env: FLEET_KEYS,
    fetch,
  });
  assertEquals(b.code, 0, b.stderr);
  const entries = JSON.parse(b.stdout).entries;
  assertEquals(entries.map((e: { org: string; rule: string }) => [e.org, e.rule]).sort(), [
    ["acme", "drift/unexpected"],
    ["beta", "drift/missing"],
  ]);
  const r = await checkFleet(FLEET_KEYS, ["--baseline", "b.json", "--format", "json"], STATE, {
    "b.json": b.stdout,
  });
  assertEquals(r.code, 0, r.stderr);
  assertEquals(JSON.parse(r.stdout).drift.map((d: { baselined: boolean }) => d.baselined), [
    true,
    true,
  ]);
  // The acme entry moved to beta is another item: it hides nothing.
  const moved = b.stdout.replace('"org":"acme"', '"org":"beta"');
  const m = await checkFleet(FLEET_KEYS, ["--baseline", "b.json", "--format", "json"], STATE, {
    "b.json": moved,
  });
  assertEquals(m.code, 2);
});

Deno.test("validate locates every problem of a fleet manifest: orgs beside projects, an org or project twice, a bad variable name, a top-level waiver", async () => {
  const bad = `version: 1
orgs:
  - name: acme
    id: org-acme
    admin_key_env: ACME_ADMIN_KEY
    projects:
      - { id: proj_a, keys: [] }
  - name: acme
    id: org-acme2
    admin_key_env: ACME2_ADMIN_KEY
    projects: []
  - name: beta
    id: org-beta
    admin_key_env: BETA_ADMIN_KEY
    projects:
      - { id: proj_a, keys: [] }
  - { name: gamma, id: org-gamma, admin_key_env: "2BAD", projects: [] }
waivers:
  - { policy: key-unused, project: proj_a, key: "*", reason: r, expires: 2099-01-01 }
`;
  const r = await runCli(["validate", "-m", "a.yaml", "-m", "b.yaml"], {
    files: { "a.yaml": bad, "b.yaml": "version: 1\nprojects: []\n" },
  });
  assertEquals(r.code, 1);
  assertEquals(
    r.stderr.split("\n").filter((l) => l.startsWith("a.yaml") || l.startsWith("b.yaml")),
    [
      'a.yaml:8:5: org "acme" is declared twice: here and at a.yaml:3:5',
      'a.yaml:16:9: project "proj_a" is declared under org "acme" too; a project belongs to one org',
      'a.yaml:17:50: "admin_key_env" in org entry must match ^[A-Za-z_][A-Za-z0-9_]*$, not "2BAD"',
      "a.yaml:19:5: with orgs:, a waiver goes under the org of its project",
      "b.yaml:2:1: top-level projects and admin_keys cannot be used with orgs: (a.yaml:2:1); move them under an org",
    ],
  );
  const neither = await runCli(["validate", "-m", "c.yaml"], {
    files: { "c.yaml": "version: 1\n" },
  });
  ok(
    neither.stderr.includes(
      'c.yaml:1:1: no manifest file declares "projects" (or "admin_keys" or "orgs"); add projects: to one (projects: [] checks none)',
    ),
    neither.stderr,
  );
  const both = await runCli(["validate", "-m", "d.yaml"], {
    files: { "d.yaml": "version: 1\nprojects: []\norgs: []\n" },
  });
  // `orgs: []` is still a fleet: projects beside it would go unchecked, so they are refused.
  assertEquals(both.code, 1, both.stderr);
  ok(
    both.stderr.includes(
      "d.yaml:2:1: top-level projects and admin_keys cannot be used with orgs: (d.yaml:3:1)",
    ),
    both.stderr,
  );
  const ok1 = await runCli(["validate", "-m", "keydrift.yaml"], {
    files: { "keydrift.yaml": MANIFEST },
  });
  assertEquals(ok1.stdout, "keydrift.yaml: valid (3 orgs, 3 projects, 3 keys, 0 waivers)\n");
});

Deno.test("a fleet org's read plan counts its enrichment, as a one-org run's does: --attribute --usage raise the estimate", async () => {
  const needs = async (args: string[]) => {
    const r = await checkFleet(FLEET_KEYS, ["--org", "acme", "--max-rpm", "600", ...args]);
    const m = /this read needs (\d+) requests or more/.exec(r.stderr);
    ok(m, r.stderr);
    return Number(m[1]);
  };
  const plain = await needs([]);
  const enriched = await needs(["--attribute", "--usage", "7"]);
  ok(enriched > plain, `${enriched} requests planned with enrichment, ${plain} without`);
});

Deno.test("an org name or id shaped like a credential is a located problem: every report names the org", async () => {
  const manifest = `version: 1
orgs:
  - name: sk-admin-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
    id: org-acme
    admin_key_env: ACME_ADMIN_KEY
    projects: []
`;
  const r = await runCli(["validate", "-m", "f.yaml"], { files: { "f.yaml": manifest } });
  assertEquals(r.code, 1, r.stderr);
  ok(/^f\.yaml:3:5: "name" cannot be used: /m.test(r.stderr), r.stderr);
});

Deno.test("an org whose key the API refuses is told to fix its own variable, not OPENAI_ADMIN_KEY", async () => {
  const env = { ...FLEET_KEYS, ACME_ADMIN_KEY: "sk-admin-not-a-key-of-any-org-0000000000" };
  const r = await checkFleet(env, ["--org", "acme", "--format", "json"]);
  assertEquals(r.code, 1, r.stderr);
  ok(r.stderr.includes("the key in ACME_ADMIN_KEY must be an admin key"), r.stderr);
  ok(!r.stderr.includes("OPENAI_ADMIN_KEY must be"), r.stderr);
});
