/**
 * Permissions: the scoped set has one source (lib/commands/permissions.ts), and a run the sandbox refused
 * ends with the flags it needed and a whole `deno run` line that grants them, which, run as
 * printed, does the job (an installed command or a binary cannot take the flags).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import {
  grantHint,
  type Grants,
  scopedFlags,
  shellWord,
  watchPermissions,
} from "../lib/commands/permissions.ts";
import { memDeps } from "./_helpers.ts";
import { keydrift, scratch } from "./_spawn.ts";
import { VERSION } from "../lib/core/version.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const decoder = new TextDecoder();

const none = (): Grants => ({ read: new Set(), write: new Set(), net: new Set() });
const notCapable = () => Object.assign(new Error("Requires access"), { name: "NotCapable" });

Deno.test("scopedFlags() grants the API host and loopback, the variables keydrift reads, and read and write of the working tree", () => {
  assertEquals(scopedFlags(), [
    "--no-prompt",
    "--allow-net=api.openai.com,127.0.0.1",
    "--allow-env=OPENAI_ADMIN_KEY,OPENAI_BASE_URL,GITHUB_STEP_SUMMARY",
    "--ignore-env=LOG_TOKENS,LOG_STREAM",
    "--allow-read=.",
    "--allow-write=.",
  ]);
});

Deno.test("watchPermissions() records what each refused operation needed, and nothing for other failures or tolerated lookups", async () => {
  const { deps } = memDeps();
  const refuse = () => Promise.reject(notCapable());
  const watch = watchPermissions({
    ...deps,
    fetch: refuse,
    fileInfo: (_p, o) => o?.follow === false ? refuse() : Promise.reject(new Error("gone")),
    readFile: refuse,
    createFile: refuse,
    appendTextFile: refuse,
    serve: refuse,
    realPath: refuse,
  });
  const w = watch.deps;
  const tries = [
    w.fetch("https://gateway.example:8443/v1/organization/projects"),
    w.fileInfo("/srv/summary.md", { follow: false }), // the step summary's lstat: tolerated
    w.fileInfo("/srv/gone.yaml"), // not a permission problem
    w.realPath("/srv/x"), // tolerated by every caller
    w.readFile("/etc/keydrift.yaml", 10),
    w.createFile("/srv/out/.r.json.abc.keydrift-tmp"),
    w.appendTextFile("/runner/summary.md", "x"),
    w.serve(() => Promise.resolve(new Response()), 0),
  ];
  for (const t of tries) await t.then(() => ok(false, "should fail"), () => undefined);
  assertEquals(watch.refused, {
    read: new Set(["/etc/keydrift.yaml", "/srv/out"]),
    write: new Set(["/srv/out", "/runner/summary.md"]),
    net: new Set(["gateway.example", "127.0.0.1"]),
  });
});

Deno.test("grantHint() is empty when nothing was refused", () => {
  assertEquals(grantHint(none(), ["check"], { entry: "file:///k/main.ts", standalone: false }), "");
});

Deno.test("grantHint() from a checkout or deno install: the flags, a deno run line with the config beside main.ts, and how to reinstall", () => {
  const need = none();
  need.read.add("/tmp/o/r.json").add("/tmp/o");
  need.write.add("/tmp/o");
  const hint = grantHint(need, ["check", "--format", "json=/tmp/o/r.json", "-m", "my file.yaml"], {
    entry: "file:///opt/key%20drift/main.ts",
    standalone: false,
  });
  assertEquals(
    hint,
    "keydrift: not permitted: --allow-read=/tmp/o --allow-write=/tmp/o; this grants it:\n" +
      "  deno run --no-prompt --allow-net=api.openai.com,127.0.0.1 " +
      "--allow-env=OPENAI_ADMIN_KEY,OPENAI_BASE_URL,GITHUB_STEP_SUMMARY " +
      "--ignore-env=LOG_TOKENS,LOG_STREAM --allow-read=.,/tmp/o --allow-write=.,/tmp/o " +
      "--config '/opt/key drift/deno.json' '/opt/key drift/main.ts' " +
      "check --format json=/tmp/o/r.json -m 'my file.yaml'\n" +
      "keydrift: a keydrift installed with deno install takes no permission flags: run that " +
      "line, or install it again with them added to its deno install line\n",
  );
});

Deno.test("grantHint() in a compiled binary points at this version's published sources", () => {
  const need = none();
  need.net.add("gateway.example");
  const hint = grantHint(need, ["check"], { entry: "file:///tmp/x/main.ts", standalone: true });
  const base = `https://raw.githubusercontent.com/keydrift/keydrift/v${VERSION}`;
  ok(
    hint.includes(
      `--allow-net=api.openai.com,127.0.0.1,gateway.example ` +
        `--allow-env=OPENAI_ADMIN_KEY,OPENAI_BASE_URL,GITHUB_STEP_SUMMARY ` +
        `--ignore-env=LOG_TOKENS,LOG_STREAM --allow-read=. --allow-write=. --no-config ` +
        `--import-map=${base}/deno.json --allow-import=raw.githubusercontent.com ` +
        `${base}/main.ts check\n`,
    ),
    hint,
  );
  ok(hint.includes("binary's permissions were fixed when it was built"), hint);
});

Deno.test("shellWord() leaves plain words alone and single-quotes the rest so nothing expands", () => {
  assertEquals(shellWord("--allow-read=.,/tmp/o"), "--allow-read=.,/tmp/o");
  assertEquals(shellWord("$(touch x)"), "'$(touch x)'");
  assertEquals(shellWord("it's"), `'it'\\''s'`);
  assertEquals(shellWord(""), "''");
});

/** Runs the `deno run` line a hint printed, with bash, in `dir`. */
async function runHintLine(stderr: string, dir: string, env: Record<string, string> = {}) {
  const line = /\n {2}(deno run .*)\n/.exec(stderr)?.[1];
  ok(line, stderr);
  const out = await new Deno.Command("bash", {
    args: ["-c", `exec ${line.replace(/^deno /, `${Deno.execPath()} `)}`],
    cwd: dir,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

Deno.test("spawned with the scoped set, a report outside the working tree is refused with the line that grants it, and that line writes it", async () => {
  const dir = await scratch();
  const out = await Deno.makeTempDir();
  try {
    const args = ["check", "--fake", "state.yaml", "-q", "--format", `json=${out}/r.json`];
    const refused = await keydrift(dir, args, { flags: scopedFlags().slice(1) });
    assertEquals(refused.code, 1, refused.stderr);
    ok(
      refused.stderr.includes(
        `keydrift: not permitted: --allow-read=${out} --allow-write=${out}; this grants it:\n`,
      ),
      refused.stderr,
    );
    ok(refused.stderr.includes("install it again with them"), refused.stderr);
    const granted = await runHintLine(refused.stderr, dir);
    assertEquals(granted.code, 2, granted.stderr);
    assertEquals(JSON.parse(await Deno.readTextFile(`${out}/r.json`)).status, "drift");
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(out, { recursive: true });
  }
});

/** Starts a shell command line that runs fake-api; resolves to the URL it printed, then stops it. */
async function serveOnce(line: string, dir: string): Promise<string> {
  const child = new Deno.Command("bash", {
    args: ["-c", `exec ${line}`],
    cwd: dir,
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let first = "";
  while (!first.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    first += value;
  }
  child.kill("SIGTERM");
  await reader.cancel();
  await child.status;
  return first.split("\n")[0];
}

Deno.test("spawned with the scoped set, fake-api serves on loopback; without --allow-net its refusal names the flag and a line that serves", async () => {
  const dir = await scratch();
  try {
    const deno = Deno.execPath();
    const scoped = `${deno} run ${
      scopedFlags().join(" ")
    } --config ${ROOT}deno.json ${ROOT}main.ts`;
    const url = /^http:\/\/127\.0\.0\.1:\d+\/v1$/;
    ok(url.test(await serveOnce(`${scoped} fake-api --state state.yaml`, dir)));
    const flags = scopedFlags().slice(1).filter((f) => !f.startsWith("--allow-net"));
    const refused = await keydrift(dir, ["fake-api", "--state", "state.yaml"], { flags });
    assertEquals(refused.code, 1, refused.stderr);
    ok(refused.stderr.includes("keydrift: not permitted: --allow-net=127.0.0.1;"), refused.stderr);
    const line = /\n {2}deno (run .*)\n/.exec(refused.stderr)?.[1];
    ok(line, refused.stderr);
    ok(url.test(await serveOnce(`${deno} ${line}`, dir)), line);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("spawned with the scoped set, an API host outside it is refused with --allow-net=HOST and the whole line", async () => {
  const dir = await scratch();
  try {
    const refused = await keydrift(
      dir,
      ["check", "-q", "--api-url", "https://gateway.example/v1", "--deadline", "5"],
      { flags: scopedFlags().slice(1), env: { OPENAI_ADMIN_KEY: "sk-admin-x" } },
    );
    assertEquals(refused.code, 1, refused.stderr);
    ok(
      refused.stderr.includes("keydrift: not permitted: --allow-net=gateway.example;"),
      refused.stderr,
    );
    ok(
      refused.stderr.includes(
        `--allow-net=api.openai.com,127.0.0.1,gateway.example `,
      ),
      refused.stderr,
    );
    ok(refused.stderr.includes(`${ROOT}main.ts check -q --api-url`), refused.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
