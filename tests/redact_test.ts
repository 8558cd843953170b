import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { redact } from "../lib/redact.ts";
import { ADMIN_KEY, runCli } from "./_helpers.ts";

Deno.test("redact() removes known secrets and secret-shaped tokens in keys, URLs and headers", () => {
  const cases: [string, string][] = [
    [`key ${ADMIN_KEY} end`, "key [REDACTED] end"],
    ["sk-proj-abcdefghijklmnopqrstuvwxyz", "sk-[REDACTED]"],
    ["https://bob:hunter2@api.example.test/v1", "https://[REDACTED]@api.example.test/v1"],
    ["https://sk-admin-abc@h/v1", "https://[REDACTED]@h/v1"],
    ["http://h/v1?api_key=abc123&x=1", "http://h/v1?api_key=[REDACTED]&x=1"],
    ["http://h/v1?token=abc#f", "http://h/v1?token=[REDACTED]#f"],
    ["Authorization: Bearer abc.def", "Authorization: Bearer [REDACTED]"],
    ["redacted sk-admin-****abcd stays", "redacted sk-admin-****abcd stays"],
  ];
  for (const [input, want] of cases) assertEquals(redact(input, [ADMIN_KEY]), want, input);
});

Deno.test("credentials a user puts in --api-url never reach the output", async () => {
  for (
    const url of [
      "https://user:sk-admin-USERSECRET000000000@api.example.test/v1",
      "http://api.example.test/v1?api_key=USERSECRET",
      "http://127.0.0.1:9/v1?api_key=USERSECRET",
      "ftp://user:USERSECRET@127.0.0.1/v1",
    ]
  ) {
    const r = await runCli(
      ["check", "-m", "keydrift.yaml", "--api-url", url, "--verbose"],
      {
        files: { "keydrift.yaml": "version: 1\nprojects: [{ id: proj_a, keys: [] }]\n" },
        env: { OPENAI_ADMIN_KEY: ADMIN_KEY },
        // As Deno's fetch does, the error names the URL it could not reach.
        fetch: (input) =>
          Promise.reject(new TypeError(`error sending request for url (${String(input)})`)),
      },
    );
    assertEquals(r.code, 1, r.stdout + r.stderr);
    ok(r.stderr.length > 0);
    ok(!(r.stdout + r.stderr).includes("USERSECRET"), r.stderr);
  }
});
