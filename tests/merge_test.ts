/**
 * `keydrift merge` (issue 24): per-org JSON reports of a fleet combined into one report that
 * equals one run over all orgs; parts that are missing, twice, from another manifest or another
 * format version are refused.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { CHECK_API, fakeFetch, readExample, runCli, stateFrom } from "./_helpers.ts";
import { FLEET_KEYS } from "./_fleet.ts";
import { reportWith } from "./_reports.ts";
import { toJson } from "../lib/render/json.ts";
import { worded } from "../lib/render/words.ts";
import { fromJson } from "../lib/report/from_json.ts";
import { idSetDigest } from "../lib/core/ids.ts";
import { assertsOf } from "../lib/enrich/fingerprint.ts";

const MANIFEST = readExample("fleet/keydrift.yaml");
const STATE = readExample("fleet/state.yaml");
const ORGS = ["acme", "beta", "gamma"];

/** One `check` of the fleet over the fake; `files` are added to the manifest. */
async function check(
  env: Record<string, string>,
  args: string[],
  files: Record<string, string> = {},
) {
  const { fetch } = fakeFetch(stateFrom(STATE));
  return await runCli([...CHECK_API, "-q", ...args], {
    files: { "keydrift.yaml": MANIFEST, ...files },
    env,
    fetch,
  });
}

/** Each org's report, as a CI matrix job per org writes it. */
async function parts(env: Record<string, string>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const org of ORGS) {
    const r = await check(env, ["--org", org, "--format", `json=${org}.json`]);
    out[`${org}.json`] = r.files.get(`${org}.json`)!;
  }
  return out;
}

const merge = (files: Record<string, string>, args: string[] = Object.keys(files)) =>
  runCli(["merge", "--format", "json", ...args], { files });

for (
  const [name, env] of [
    ["every org read", FLEET_KEYS],
    ["one org without its key", { ...FLEET_KEYS, GAMMA_ADMIN_KEY: "" }],
  ] as const
) {
  Deno.test(`merge of per-org reports equals one run over all orgs (same items, same exit code): ${name}`, async () => {
    const single = await check(env, ["--format", "json"]);
    const merged = await merge(await parts(env));
    assertEquals(merged.code, single.code);
    assertEquals(JSON.parse(merged.stdout), JSON.parse(single.stdout));
  });
}

Deno.test("merge's verdict is the worst part's: an org that could not be read (1) over drift (2)", async () => {
  const failed = await parts({ ...FLEET_KEYS, GAMMA_ADMIN_KEY: "" });
  assertEquals(JSON.parse(failed["gamma.json"]).exit_code, 1);
  assertEquals(JSON.parse(failed["acme.json"]).exit_code, 2);
  assertEquals((await merge(failed)).code, 1);
  const read = await parts(FLEET_KEYS);
  assertEquals(JSON.parse(read["gamma.json"]).exit_code, 0);
  assertEquals((await merge(read)).code, 2);
});

Deno.test("merge refuses a missing part, an org twice, another manifest, another format major version and a report the schema rejects", async () => {
  const files = await parts(FLEET_KEYS);
  const refused = async (f: Record<string, string>, want: RegExp, args?: string[]) => {
    const r = await merge(f, args);
    assertEquals(r.code, 1);
    ok(want.test(r.stderr), r.stderr);
  };
  const { "gamma.json": _, ...two } = files;
  await refused(two, /no report holds org "gamma": a part is missing/);
  await refused(files, /org "acme" is in two reports/, [...Object.keys(files), "acme.json"]);
  const edited = MANIFEST.replace("name: web\n", "name: website\n");
  const other = await check(FLEET_KEYS, ["--org", "gamma", "--format", "json=gamma.json"], {
    "keydrift.yaml": edited,
  });
  await refused(
    { ...files, "gamma.json": other.files.get("gamma.json")! },
    /report "gamma.json" is from another manifest \(manifest_sha256 differs\)/,
  );
  const v2 = JSON.stringify({ ...JSON.parse(files["gamma.json"]), format_version: "2.0" });
  await refused(
    { ...files, "gamma.json": v2 },
    /report "gamma.json" is JSON report format "2.0"; this keydrift reads format 1.x/,
  );
  const { summary: _s, ...noSummary } = JSON.parse(files["gamma.json"]);
  await refused(
    { ...files, "gamma.json": JSON.stringify(noSummary) },
    /report "gamma.json" does not fit the report schema: \/ must have required property 'summary'/,
  );
  const single = await runCli([
    "check",
    "-m",
    "k.yaml",
    "--fake",
    "s.yaml",
    "-q",
    "--format",
    "json=one.json",
  ], {
    files: { "k.yaml": readExample("keydrift.yaml"), "s.yaml": readExample("state.yaml") },
  });
  await refused(
    { "one.json": single.files.get("one.json")! },
    /report "one.json" is not from a manifest with orgs:/,
  );
});

Deno.test("merge writes every format from the merged report, as one run writes it", async () => {
  const files = await parts(FLEET_KEYS);
  for (const format of ["text", "markdown", "github", "codeclimate", "sarif", "junit", "script"]) {
    const single = await check(FLEET_KEYS, ["--format", format]);
    const merged = await runCli(["merge", "--format", format, ...Object.keys(files)], { files });
    assertEquals(merged.stdout, single.stdout, format);
  }
});

Deno.test("a JSON report read back (merge's reader) writes the same JSON: key families, a family finding's family, api_requests, a fix's instead_of", () => {
  const r = reportWith("x");
  r.findings[0] = { ...r.findings[0], family: "x" };
  r.drift[0] = {
    ...r.drift[0],
    remediation: {
      method: "EDIT",
      path: "keydrift.yaml:3",
      body: null,
      action: "edit_manifest",
      ids: { project_id: "proj_x", key_id: null, service_account_id: null },
      in_published_spec: null,
      instead_of: {
        action: "delete_service_account",
        because: "service_account_holds",
        account: { id: "svc_x", keys: ["key_y"], entries: [] },
      },
    },
  };
  r.api = {
    requests: 3,
    refused: 1,
    retries: 1,
    endpoints: [{
      endpoint: "/organization/projects",
      requests: 3,
      refused: 1,
      budget: 60,
      source: "max-rpm",
    }],
  };
  const json = toJson(worded(r));
  ok(json.families.length && json.findings[0].family === "x" && json.api_requests);
  assertEquals(toJson(worded(fromJson(json, r.rules))), json);
});

Deno.test("an ambiguous item that lists 20 of 26 candidates keeps its fingerprint through merge's reader: the digest of all 26 travels in the JSON", () => {
  const r = reportWith("x");
  const ids = Array.from({ length: 26 }, (_, i) => `key_${String(i).padStart(2, "0")}`);
  const owner = { type: "user" as const, id: "user-ana", name: "Ana", email: null, role: null };
  r.drift[0] = {
    kind: "ambiguous",
    severity: "error",
    projectId: "proj_x",
    keyId: null,
    keyName: "web-prod",
    changes: [],
    location: r.drift[0].location,
    candidates: ids.slice(0, 20).map((id) => ({ id, name: "web-prod", owner })),
    candidatesTotal: 26,
    candidateSet: idSetDigest(ids),
  };
  const json = toJson(worded(r));
  assertEquals(json.drift[0].candidates_sha256, idSetDigest(ids));
  const back = fromJson(json, r.rules);
  assertEquals(assertsOf(back.drift[0]), assertsOf(r.drift[0]));
  ok(assertsOf(r.drift[0]) !== idSetDigest(ids.slice(0, 20)));
});
