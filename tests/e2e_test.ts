/**
 * End-to-end: spawn the real CLI with the exact permission flags from deno.json's `check` task
 * (the host swapped for the loopback fake) against `keydrift fake-api` on 127.0.0.1:0.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { ADMIN_KEY, assertNoSecret, assertValidReport, runCli } from "./_helpers.ts";
import { startFake, taskFlags } from "./_fake_server.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const config = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`));
const CHECK_FLAGS = taskFlags("drift");
const E2E_FLAGS = CHECK_FLAGS.map((f) =>
  f.startsWith("--allow-net=") ? "--allow-net=127.0.0.1" : f
);

async function keydrift(args: string[], env: Record<string, string>, flags = E2E_FLAGS) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, "main.ts", ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    clearEnv: true,
  }).output();
  const r = {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
  assertNoSecret("stdout", r.stdout);
  assertNoSecret("stderr", r.stderr);
  await assertValidReport("stdout", r.stdout);
  return r;
}

Deno.test("e2e: check with the README's scoped permissions against fake-api on 127.0.0.1:0", async () => {
  const fake = await startFake();
  try {
    const env = {
      OPENAI_ADMIN_KEY: ADMIN_KEY,
      OPENAI_BASE_URL: fake.url,
      PATH: Deno.env.get("PATH") ?? "",
    };
    const r = await keydrift(["check", "-m", "examples/keydrift.yaml"], env);
    assertEquals(r.code, 2, r.stderr);
    ok(
      r.stdout.includes(
        "Drift: keys 1 missing, 2 unexpected, 1 changed, 1 ambiguous; projects 1 missing, 1 changed",
      ),
      r.stdout,
    );
    for (const o of [r.stdout, r.stderr]) ok(!o.includes(ADMIN_KEY));
    const bad = await keydrift(["check", "-m", "examples/keydrift.yaml", "-v"], {
      ...env,
      OPENAI_ADMIN_KEY: "sk-proj-notadmin-0123456789abcdef",
    });
    assertEquals(bad.code, 1);
    ok(
      bad.stdout.includes("answered 401") && bad.stdout.includes("api.management.read"),
      bad.stdout,
    );
    ok(!(bad.stdout + bad.stderr).includes("notadmin-0123456789abcdef"));
  } finally {
    assertEquals((await fake.stop()).success, true, "fake-api stops cleanly on SIGTERM");
  }
});

Deno.test("e2e: writing a report outside --allow-write is refused with exit 1", async () => {
  const dir = await Deno.makeTempDir();
  const fake = await startFake();
  try {
    const env = { OPENAI_ADMIN_KEY: ADMIN_KEY, OPENAI_BASE_URL: fake.url };
    await Deno.mkdir(`${dir}/allowed`);
    const flags = [...E2E_FLAGS, `--allow-read=${dir}`, `--allow-write=${dir}/allowed`];
    const good = await keydrift(
      ["check", "-m", "examples/keydrift.yaml", "--format", `json=${dir}/allowed/r.json`],
      env,
      flags,
    );
    assertEquals(good.code, 2, good.stderr);
    const written = await Deno.readTextFile(`${dir}/allowed/r.json`);
    await assertValidReport("r.json", written);
    assertEquals(JSON.parse(written).status, "drift");
    const denied = await keydrift(
      ["check", "-m", "examples/keydrift.yaml", "--format", `json=${dir}/other.json`],
      env,
      flags,
    );
    assertEquals(denied.code, 1);
    ok(
      denied.stderr.includes(`permission denied (`) &&
        denied.stderr.includes(`--allow-read=${dir} --allow-write=${dir})`),
      denied.stderr,
    );
  } finally {
    await fake.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("e2e: the demo task's command exits 2; validate runs offline", async () => {
  const demo = config.tasks.demo.split(" ").slice(2);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...demo],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
  }).output();
  assertEquals(out.code, 2);
  const v = await keydrift(["validate", "-m", "examples/keydrift.yaml"], {}, [
    "--no-prompt",
    "--ignore-env=LOG_TOKENS,LOG_STREAM",
    "--allow-read=.",
  ]);
  assertEquals([v.code, v.stdout], [
    0,
    "examples/keydrift.yaml: valid (4 projects, 8 keys, 2 waivers)\n",
  ]);
});

Deno.test("e2e: every report format and log line of a spawned run is free of the admin key", async () => {
  const dir = await Deno.makeTempDir();
  const fake = await startFake();
  try {
    const env = { OPENAI_ADMIN_KEY: ADMIN_KEY, OPENAI_BASE_URL: fake.url };
    const formats = ["text", "json", "markdown", "github", "sarif", "junit"];
    const r = await keydrift(
      [
        "check",
        "-m",
        "examples/keydrift.yaml",
        "--verbose",
        ...formats.flatMap((f) => ["--format", `${f}=${dir}/r.${f}`]),
      ],
      env,
      [...E2E_FLAGS, `--allow-read=${dir}`, `--allow-write=${dir}`],
    );
    assertEquals(r.code, 2, r.stderr);
    for (const f of formats) {
      const text = await Deno.readTextFile(`${dir}/r.${f}`);
      assertNoSecret(`r.${f}`, text);
      await assertValidReport(`r.${f}`, text);
    }
  } finally {
    await fake.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("e2e: fake-api --state - reads its state from stdin", async () => {
  const fake = await startFake("-", { stdin: "projects:\n  - { id: proj_piped, name: piped }\n" });
  try {
    const res = await fetch(`${fake.url}/organization/projects/proj_piped`, {
      headers: { authorization: "Bearer sk-admin-x" },
    });
    assertEquals((await res.json()).name, "piped");
  } finally {
    assertEquals((await fake.stop()).success, true);
  }
});

Deno.test("e2e: fake-api exits 0 on a SIGTERM sent the moment its URL is read (5 times)", async () => {
  for (let i = 0; i < 5; i++) {
    const fake = await startFake();
    const status = await fake.stop();
    assertEquals([status.success, status.signal], [true, null], `run ${i + 1}`);
  }
});

Deno.test("e2e: without --ignore-env for the yaml package's probes, a clear hint, not a riddle", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // An anchor takes the manifest past the fast reader to the yaml package.
    await Deno.writeTextFile(`${dir}/k.yaml`, "version: 1\nprojects: &p []\nwaivers: []\n");
    const r = await keydrift(["validate", "-m", `${dir}/k.yaml`], {}, [
      "--no-prompt",
      `--allow-read=${dir}`,
    ]);
    assertEquals(r.code, 1);
    assertEquals(
      r.stderr,
      "keydrift: error: reading this YAML needs --ignore-env=LOG_TOKENS,LOG_STREAM (the yaml package probes them; the README's recipes pass it)\n",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("e2e: schema --report needs no permission and prints what the suite validates against", async () => {
  const spawned = await keydrift(["schema", "--report"], {}, ["--no-prompt"]);
  assertEquals([spawned.code, spawned.stderr], [0, ""]);
  assertEquals(spawned.stdout, (await runCli(["schema", "--report"])).stdout);
});
