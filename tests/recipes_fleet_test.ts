/**
 * docs/ci.md's fleet recipe (issue 24): a GitHub Actions matrix job per org feeding one
 * `keydrift merge` job. action-validator checks the workflow; its two `run:` scripts run as
 * written (one per org, then the merge) in a clean directory against the fake serving three
 * orgs, keydrift loaded from a local stand-in for raw.githubusercontent.com as in
 * recipes_test.ts. The merged report is the report of one `check` over all orgs.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { parse } from "yaml";
import { createFakeApi } from "../lib/fake/mod.ts";
import { VERSION } from "../lib/core/version.ts";
import { assertValidReport, readExample, runCli, stateFrom } from "./_helpers.ts";
import { blocks, blockUnder } from "./_docs.ts";
import { testWithTools } from "./_tools.ts";
import { FLEET_KEYS } from "./_fleet.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const RAW = `https://raw.githubusercontent.com/keydrift/keydrift/v${VERSION}`;
const HEADING = "## Fleets: one job per org";
const decoder = new TextDecoder();

/** This working tree served at the release URL's path, standing in for raw.githubusercontent.com. */
function standIn() {
  const prefix = `/keydrift/keydrift/v${VERSION}`;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    const name = path.slice(prefix.length + 1);
    const body = path.startsWith(`${prefix}/`) && !name.includes("..")
      ? await Deno.readFile(`${ROOT}${name}`).catch(() => null)
      : null;
    if (!body) return new Response("404: Not Found", { status: 404 });
    return new Response(body, { headers: { "content-type": "text/plain; charset=utf-8" } });
  });
  const host = `127.0.0.1:${server.addr.port}`;
  const local = (text: string) =>
    text.replaceAll(RAW, `http://${host}${prefix}`).replaceAll(
      "--allow-import=raw.githubusercontent.com",
      `--allow-import=${host}`,
    );
  return { local, close: () => server.shutdown() };
}

/** The fake serving the example fleet's three orgs over loopback. */
function fleetApi() {
  const state = stateFrom(readExample("fleet/state.yaml"), Math.floor(Date.now() / 1000));
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    createFakeApi(state).handler,
  );
  return { url: `http://127.0.0.1:${server.addr.port}/v1`, close: () => server.shutdown() };
}

/** A shell script run with `bash -e` in `cwd`, Deno on the PATH, `env` added. */
async function sh(script: string, cwd: string, env: Record<string, string>) {
  const deno = Deno.execPath().replace(/\/[^/]+$/, "");
  const out = await new Deno.Command("bash", {
    args: ["-e", "-c", script],
    cwd,
    env: { NO_COLOR: "1", PATH: `${deno}:${Deno.env.get("PATH") ?? ""}`, ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

// deno-lint-ignore no-explicit-any
type Step = { run?: string; env?: Record<string, string>; uses?: string; with?: any };

testWithTools(
  "docs/ci.md's fleet matrix recipe: action-validator accepts it; its run: scripts per org, then the merge, against the fake equal one check over all orgs",
  ["action-validator"],
  async ({ "action-validator": bin }) => {
    const text = blockUnder("docs/ci.md", HEADING, "yaml").text;
    const dir = await Deno.makeTempDir({ prefix: "keydrift-fleet-ci-" });
    const raw = standIn();
    const fake = fleetApi();
    try {
      await Deno.writeTextFile(`${dir}/workflow.yml`, text);
      const lint = await new Deno.Command(bin, { args: [`${dir}/workflow.yml`] }).output();
      assertEquals(lint.code, 0, decoder.decode(lint.stdout) + decoder.decode(lint.stderr));
      await Deno.writeTextFile(`${dir}/keydrift.yaml`, readExample("fleet/keydrift.yaml"));
      const cache = blocks("README.md").find((b) =>
        b.heading === "### GitLab CI" && b.lang === "sh"
      )!;
      const locked = await sh(raw.local(cache.text), dir, { DENO_DIR: `${dir}/.cache-dev` });
      assertEquals(locked.code, 0, locked.stderr);
      const wf = parse(text);
      const check = (wf.jobs.check.steps as Step[]).find((s) => s.run)!;
      assertEquals(check.env, {
        KEYDRIFT: RAW,
        ORG: "${{ matrix.org }}",
        KEY_ENV: "${{ matrix.key }}",
        ADMIN_KEY: "${{ secrets[matrix.key] }}",
      });
      const codes: Record<string, number> = {};
      await Deno.mkdir(`${dir}/parts`);
      for (const m of wf.jobs.check.strategy.matrix.include as { org: string; key: string }[]) {
        const r = await sh(raw.local(check.run!), dir, {
          KEYDRIFT: raw.local(RAW),
          ORG: m.org,
          KEY_ENV: m.key,
          ADMIN_KEY: FLEET_KEYS[m.key as keyof typeof FLEET_KEYS],
          OPENAI_BASE_URL: fake.url,
          DENO_DIR: `${dir}/.cache-${m.org}`, // each job starts with an empty cache
        });
        codes[m.org] = r.code;
        ok(r.code === 0 || r.code === 2, r.stderr);
        // upload-artifact, then download-artifact with merge-multiple, in one directory.
        await Deno.rename(`${dir}/keydrift-reports/${m.org}.json`, `${dir}/parts/${m.org}.json`);
      }
      assertEquals(codes, { acme: 2, beta: 2, gamma: 0 });
      const mergeStep = (wf.jobs.merge.steps as Step[]).find((s) => s.run)!;
      assertEquals(wf.jobs.merge.if, "always()");
      const merged = await sh(raw.local(mergeStep.run!), dir, {
        KEYDRIFT: raw.local(RAW),
        GITHUB_STEP_SUMMARY: `${dir}/summary.md`,
        DENO_DIR: `${dir}/.cache-merge`,
      });
      assertEquals(merged.code, 2, merged.stderr);
      const json = await Deno.readTextFile(`${dir}/keydrift-reports/keydrift.json`);
      await assertValidReport("keydrift.json", json);
      ok((await Deno.readTextFile(`${dir}/summary.md`)).includes("web-old"));
      const single = await runCli(
        ["check", "-m", "keydrift.yaml", "--api-url", fake.url, "-q", "--format", "json"],
        { files: { "keydrift.yaml": readExample("fleet/keydrift.yaml") }, env: FLEET_KEYS, fetch },
      );
      assertEquals(single.code, merged.code, single.stderr);
      // What was found is equal; what was sent is not always: over the network a request may be
      // retried (counted in api_requests), in one run or in another.
      const { api_requests: sentByParts, ...found } = JSON.parse(json);
      const { api_requests: sentByOne, ...foundByOne } = JSON.parse(single.stdout);
      assertEquals(found, foundByOne);
      ok(
        sentByParts.requests >= 6 && sentByOne.requests >= 6,
        JSON.stringify([sentByParts, sentByOne]),
      );
    } finally {
      await Promise.all([raw.close(), fake.close()]);
      await Deno.remove(dir, { recursive: true });
    }
  },
);
