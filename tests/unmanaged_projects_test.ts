/**
 * Projects nobody declared (issue 21 item 5): a live project absent from every manifest is one
 * `project_unexpected` item with its key count, at the manifest's `unmanaged_projects` level
 * (default error), in every format; `--project` narrows it out, `ignore` does not read it, an
 * archived project without keys is not drift, and `import` writes every project so that an
 * imported manifest is in sync.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { ADMIN_KEY, fakeFetch, runCli } from "./_helpers.ts";
import { importedManifest, keyListings, orgState, runAt } from "./_snapshot_org.ts";

const CHECK = ["check", "-m", "keydrift.yaml"];
const FORMATS = ["text", "json", "markdown", "github", "sarif", "junit", "codeclimate"];

/** A manifest of the first two projects, against an organisation of three. */
async function undeclaredOrg() {
  const manifest = await importedManifest(orgState(2));
  return { state: orgState(3), files: { "keydrift.yaml": manifest } };
}

Deno.test("a project with keys that no manifest declares makes check exit 2, with that project in every format", async () => {
  const { state, files } = await undeclaredOrg();
  const args = FORMATS.flatMap((f) => ["--format", `${f}=out.${f}`]);
  const r = await runAt(state, [...CHECK, ...args], files);
  assertEquals(r.result.code, 2, r.result.stdout);
  for (const f of FORMATS) {
    const text = r.result.files.get(`out.${f}`) ?? "";
    ok(text.includes("proj_p02"), `${f} does not name proj_p02:\n${text.slice(0, 2000)}`);
  }
  const items = (r.report.drift as { kind: string; project_id: string; project: unknown }[])
    .filter((d) => d.kind === "project_unexpected");
  assertEquals(items.map((d) => [d.project_id, d.project]), [
    ["proj_p02", { name: "p02", status: "active", key_count: 2 }],
  ]);
  assertEquals((r.report.summary as { unexpected_projects: number }).unexpected_projects, 1);
  const sarif = JSON.parse(r.result.files.get("out.sarif")!);
  const rules = sarif.runs[0].tool.driver.rules.map((x: { id: string }) => x.id);
  ok(rules.includes("drift/project_unexpected"), rules.join(", "));
  ok(
    r.result.files.get("out.text")!.includes(
      '+ project proj_p02  # not in the manifest: "p02", 2 keys',
    ),
  );
});

Deno.test("unmanaged_projects: warning reports the project without failing; ignore does not read it", async () => {
  const { state, files } = await undeclaredOrg();
  const with_ = (level: string) => ({
    "keydrift.yaml": files["keydrift.yaml"].replace(
      /^unmanaged_projects: error.*$/m,
      `unmanaged_projects: ${level}`,
    ),
  });
  const warned = await runAt(state, CHECK, with_("warning"));
  assertEquals(warned.result.code, 0, warned.result.stdout);
  ok(warned.result.stdout.includes("proj_p02"), warned.result.stdout);
  const ignored = await runAt(state, CHECK, with_("ignore"));
  assertEquals(ignored.result.code, 0, ignored.result.stdout);
  assertEquals(ignored.report.undeclared_projects_checked, false);
  assertEquals(keyListings(ignored.requests), ["proj_p00", "proj_p01"]);
});

Deno.test("--project narrows the projects nobody declared out of the check", async () => {
  const { state, files } = await undeclaredOrg();
  const r = await runAt(state, [...CHECK, "--project", "proj_p00"], files);
  assertEquals(r.result.code, 0, r.result.stdout);
  assertEquals(keyListings(r.requests), ["proj_p00"]);
  assertEquals(r.report.undeclared_projects_checked, false);
});

Deno.test("an archived project is drift only while it holds keys", async () => {
  const { state, files } = await undeclaredOrg();
  state.projects[2].status = "archived";
  const held = await runAt(state, CHECK, files);
  assertEquals(held.result.code, 2, held.result.stdout);
  ok(held.result.stdout.includes('"p02", 2 keys'), held.result.stdout);
  state.projects[2].keys = [];
  const empty = await runAt(state, CHECK, files);
  assertEquals(empty.result.code, 0, empty.result.stdout);
});

Deno.test("import writes every project (an archived one with keys as status: archived) and check of it is in sync", async () => {
  const state = orgState(3);
  state.projects[1].status = "archived";
  state.projects.push({ ...structuredClone(state.projects[2]), id: "proj_gone", keys: [] });
  state.projects.at(-1)!.status = "archived";
  const manifest = await importedManifest(state);
  ok(/id: "proj_p01"\n\s+name: "p01"\n\s+status: archived/.test(manifest), manifest);
  ok(!manifest.includes("proj_gone"), manifest);
  const r = await runAt(state, CHECK, { "keydrift.yaml": manifest });
  assertEquals(r.result.code, 0, r.result.stdout);
  assertEquals(r.report.drift, []);
});

Deno.test("unmanaged_projects takes error, warning or ignore: another value is a located error", async () => {
  const { files } = await undeclaredOrg();
  const m = files["keydrift.yaml"].replace(
    /^unmanaged_projects: error.*$/m,
    "unmanaged_projects: sometimes",
  );
  const line = m.split("\n").findIndex((l) => l.startsWith("unmanaged_projects")) + 1;
  const { fetch } = fakeFetch(orgState(1));
  const r = await runCli(["validate", "-m", "keydrift.yaml"], {
    files: { "keydrift.yaml": m },
    env: { OPENAI_ADMIN_KEY: ADMIN_KEY },
    fetch,
  });
  assertEquals(r.code, 1);
  ok(r.stderr.includes(`keydrift.yaml:${line}:`), r.stderr);
  ok(/unmanaged_projects/.test(r.stderr) && /error.*warning.*ignore/.test(r.stderr), r.stderr);
  const schema = await runCli(["schema"]);
  ok(schema.stdout.includes('"unmanaged_projects"'), schema.stdout.slice(0, 500));
});
