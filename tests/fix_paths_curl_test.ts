/**
 * The fix commands `--explain` prints mean exactly the ids they were built from, as real curl
 * sends them: each is run by bash and curl against a raw TCP server on 127.0.0.1 that records the
 * request line as it arrives (no URL parser between curl and the test).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { testWithTools } from "./_tools.ts";
import { NOW_S } from "./_helpers.ts";
import { check, key, KEYS, realApi } from "./_real_api.ts";

/** Serves every connection `{}`, recording each request line; `stop` ends it. */
function recorder() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const lines: string[] = [];
  const served = (async () => {
    for await (const conn of listener) {
      try {
        const buf = new Uint8Array(16 * 1024);
        const n = await conn.read(buf);
        lines.push(new TextDecoder().decode(buf.subarray(0, n ?? 0)).split("\r\n")[0]);
        const reply = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";
        await conn.write(new TextEncoder().encode(reply));
      } finally {
        conn.close();
      }
    }
  })();
  return {
    base: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/v1`,
    lines,
    async stop() {
      listener.close();
      await served.catch(() => undefined);
    },
  };
}

async function sh(bash: string, script: string, env: Record<string, string>): Promise<void> {
  const out = await new Deno.Command(bash, {
    args: ["-c", script],
    env,
    stdout: "null",
    stderr: "piped",
  }).output();
  ok(out.success, new TextDecoder().decode(out.stderr));
}

testWithTools(
  "curl resolves a '..' segment away (DELETE …/api_keys/.. reaches the project) unless --path-as-is: why such ids are refused",
  ["curl", "bash"],
  async ({ curl, bash }) => {
    const server = recorder();
    try {
      const path = "/organization/projects/proj_alpha/api_keys/..";
      await sh(bash, `"${curl}" -sS -X DELETE "${server.base}${path}"`, {});
      await sh(bash, `"${curl}" -sS --path-as-is -X DELETE "${server.base}${path}"`, {});
    } finally {
      await server.stop();
    }
    assertEquals(server.lines, [
      "DELETE /v1/organization/projects/proj_alpha/ HTTP/1.1",
      "DELETE /v1/organization/projects/proj_alpha/api_keys/.. HTTP/1.1",
    ]);
  },
);

/** Ids that pass the id rule but would mean something else if written raw in a path or a shell. */
const TRICKY = [
  "key!'()*",
  "...",
  "%2e%2e",
  ".%2e",
  "\\..",
  "a b",
  "ключ",
  "key?x=1#y",
  "key;$(touch pwned)`id`",
  'say "hi"',
];

testWithTools(
  "every --explain curl line, run by bash and curl, sends DELETE to the path of exactly its key id",
  ["curl", "bash"],
  async ({ curl, bash }) => {
    // A user's keys, used yesterday: each stray key's one fix is its DELETE as an unexpected key
    // (a service account's would go with the account).
    const stray = (id: string, i: number) => ({
      ...key(id, `stray-${i}`),
      last_used_at: NOW_S - 86_400,
    });
    const r = await check(realApi({ keys: [...KEYS(), ...TRICKY.map(stray)] }), {
      args: ["--explain"],
    });
    assertEquals(r.code, 2, r.stdout + r.stderr);
    const commands = r.stdout.split("\n").map((l) => l.trim())
      .filter((l) =>
        l.startsWith("curl ") && !/\/(api_keys\/key_a\d|service_accounts\/svc_bot)"/.test(l)
      );
    assertEquals(commands.length, TRICKY.length, r.stdout);
    const server = recorder();
    const dir = await Deno.makeTempDir();
    try {
      for (const c of commands) {
        await sh(bash, `cd "${dir}" && ${c.replace(/^curl /, `"${curl}" `)}`, {
          OPENAI_BASE_URL: server.base,
          OPENAI_ADMIN_KEY: "sk-admin-not-a-key",
        });
      }
      assertEquals(await Array.fromAsync(Deno.readDir(dir)), [], "a command ran more than curl");
    } finally {
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
    const sent = server.lines.map((line) => {
      const [method, target] = line.split(" ");
      const segments = target.split("/");
      assertEquals(
        segments.slice(0, -1).join("/"),
        "/v1/organization/projects/proj_alpha/api_keys",
      );
      return `${method} ${decodeURIComponent(segments.at(-1)!)}`;
    });
    assertEquals(sent.sort(), TRICKY.map((id) => `DELETE ${id}`).sort());
  },
);
