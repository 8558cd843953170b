/**
 * Fleets (issue 24): a manifest with `orgs:` read org by org, each with its own admin key and
 * session, failing on its own; the fake serving several orgs from one state file.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { CHECK_API, fakeFetch, readExample, runCli, stateFrom } from "./_helpers.ts";
import { FLEET_KEYS } from "./_fleet.ts";
import { keydrift } from "./_spawn.ts";
import { scopedFlags } from "../lib/commands/permissions.ts";

const MANIFEST = readExample("fleet/keydrift.yaml");
const STATE = readExample("fleet/state.yaml");
const PROJECTS = { acme: "proj_acme_web", beta: "proj_beta_api", gamma: "proj_gamma_etl" };

/** `check` of the example fleet over the fake, with the keys in `env`. */
async function checkFleet(env: Record<string, string>, args: string[] = [], state = STATE) {
  const { api, fetch } = fakeFetch(stateFrom(state));
  const r = await runCli([...CHECK_API, ...args], {
    files: { "keydrift.yaml": MANIFEST },
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
