/**
 * main.ts, the shell: spawned as users run it, with the README's scoped permissions. Output
 * written from many places at once (log lines beside the report) must never change the outcome.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { ADMIN_KEY, assertNoSecret } from "./_helpers.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

function projectObj(id: string) {
  return { object: "organization.project", id, name: id, created_at: 1, status: "active" };
}

Deno.test("-v does not change the exit code when many retries are logged at once", async () => {
  const ids = Array.from({ length: 6 }, (_, i) => `proj_${i}`);
  const seen = new Set<string>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const url = new URL(req.url);
    const body = (status: number, b: unknown) =>
      new Response(JSON.stringify(b), {
        status,
        headers: { "content-type": "application/json", "retry-after-ms": "5" },
      });
    // Every read fails once with a 503, so the retries of all of them are logged together.
    if (!seen.has(url.pathname + url.search)) {
      seen.add(url.pathname + url.search);
      return body(503, {
        error: { message: "overloaded", type: "server_error", param: null, code: null },
      });
    }
    if (url.pathname === "/v1/organization/projects") {
      return body(200, {
        object: "list",
        data: ids.map(projectObj),
        first_id: ids[0],
        last_id: ids.at(-1),
        has_more: false,
      });
    }
    return body(200, { object: "list", data: [], first_id: null, last_id: null, has_more: false });
  });
  try {
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(
      `${dir}/keydrift.yaml`,
      `version: 1\nprojects:\n${ids.map((id) => `  - { id: ${id}, keys: [] }\n`).join("")}`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        `--allow-net=127.0.0.1:${server.addr.port}`,
        "--allow-env=OPENAI_ADMIN_KEY,OPENAI_BASE_URL,GITHUB_STEP_SUMMARY",
        "--ignore-env=LOG_TOKENS,LOG_STREAM",
        `--allow-read=${dir}`,
        MAIN,
        "check",
        "-m",
        `${dir}/keydrift.yaml`,
        "-v",
        "--api-url",
        `http://127.0.0.1:${server.addr.port}/v1`,
      ],
      env: { OPENAI_ADMIN_KEY: ADMIN_KEY, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    assertNoSecret("stdout", stdout);
    assertNoSecret("stderr", stderr);
    assertEquals(out.code, 0, stderr);
    ok((stderr.match(/retrying/g) ?? []).length >= 7, stderr);
    ok(!/locked/.test(stderr), stderr);
    ok(/in sync; exit 0/.test(stderr), stderr);
    await Deno.remove(dir, { recursive: true });
  } finally {
    await server.shutdown();
  }
});
