/**
 * The README's `deno install` recipe: it bakes in the scoped permission set (the compile task's),
 * and the `keydrift` command it installs can adopt outside the repository against the fake:
 * `fake-api`, `import -o`, `baseline -o` (and `-o -`), `check --format NAME=PATH --summary`. What
 * it may not do ends with a command line that does it.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { VERSION } from "../lib/core/version.ts";
import { scopedFlags } from "../lib/commands/permissions.ts";
import { readmeLines } from "./_docs.ts";
import { announcedUrl } from "./_fake_server.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const decoder = new TextDecoder();

/** The README's `deno install -g ...` line. */
function readmeInstall(): string[] {
  const lines = readmeLines().filter((l) => l.startsWith("deno install -g "));
  assertEquals(lines.length, 1, "README has one deno install recipe");
  return lines[0].split(" ");
}

/** The compile task's permission flags (between `deno compile` and `main.ts`, build flags out). */
function compileFlags(): string[] {
  const task: string = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`)).tasks.compile.command;
  const words = task.split(" ");
  const build = ["--exclude-unused-npm", "$KEYDRIFT_COMPILE_FLAGS", "-o"];
  return words.slice(2, words.indexOf("main.ts")).filter((w, i, all) =>
    !build.includes(w) && all[i - 1] !== "-o"
  );
}

async function exec(cmd: string, args: string[], cwd: string, env: Record<string, string>) {
  const out = await new Deno.Command(cmd, { args, cwd, env, stdout: "piped", stderr: "piped" })
    .output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

Deno.test("the README's deno install recipe bakes in the scoped set, as the compile task does, no -A", () => {
  const words = readmeInstall();
  assertEquals(words.slice(0, 9), [
    "deno",
    "install",
    "-g",
    "-f",
    "-n",
    "keydrift",
    "--config",
    "deno.json",
    "--frozen=false",
  ]);
  assertEquals(words.at(-1), "main.ts");
  assertEquals(words.slice(9, -1), scopedFlags());
  assertEquals(compileFlags(), scopedFlags());
  ok(!words.includes("-A") && !words.some((w) => w.startsWith("--allow-all")));
});

/** Installs with the README's line under `root` (by DENO_INSTALL_ROOT or --root); the bin PATH. */
async function install(root: string, how: "DENO_INSTALL_ROOT" | "--root") {
  const env: Record<string, string> = how === "DENO_INSTALL_ROOT"
    ? { DENO_INSTALL_ROOT: root }
    : {};
  const [deno, ...args] = readmeInstall();
  if (how === "--root") args.splice(2, 0, "--root", root);
  const installed = await exec(deno, args, ROOT, env);
  assertEquals(installed.code, 0, installed.stderr);
  ok((await Deno.stat(`${root}/bin/keydrift`)).isFile);
  return { PATH: `${root}/bin:${Deno.env.get("PATH") ?? ""}` };
}

for (const how of ["DENO_INSTALL_ROOT", "--root"] as const) {
  Deno.test(`the README's deno install recipe (${how}) installs a keydrift command that runs, validates and completes outside the repository`, async () => {
    const tmp = await Deno.makeTempDir();
    try {
      const path = await install(tmp, how);
      const work = `${tmp}/work`;
      await Deno.mkdir(work);
      await Deno.copyFile(`${ROOT}examples/keydrift.yaml`, `${work}/keydrift.yaml`);
      const version = await exec("keydrift", ["--version"], work, path);
      assertEquals([version.code, version.stdout], [0, `keydrift ${VERSION}\n`], version.stderr);
      const valid = await exec("keydrift", ["validate"], work, path);
      assertEquals(
        [valid.code, valid.stdout],
        [0, "keydrift.yaml: valid (4 projects, 8 keys, 2 waivers)\n"],
        valid.stderr,
      );
      // The README's bash completion recipe, with the installed command.
      const completion = await exec(
        "bash",
        [
          "--norc",
          "-c",
          'source <(keydrift completions bash); COMP_WORDS=(keydrift ch); COMP_CWORD=1; _keydrift; echo "${COMPREPLY[@]}"',
        ],
        work,
        path,
      );
      assertEquals([completion.code, completion.stdout], [0, "check\n"], completion.stderr);
      // The baked-in scope holds: nothing outside the working directory is readable, and the
      // refusal says how to get it anyway.
      const outside = await exec(
        "keydrift",
        ["validate", "-m", `${ROOT}examples/keydrift.yaml`],
        work,
        path,
      );
      assertEquals(outside.code, 1);
      ok(
        outside.stderr.includes(
          `keydrift: not permitted: --allow-read=${ROOT}examples/keydrift.yaml; this grants it:`,
        ),
        outside.stderr,
      );
      ok(outside.stderr.includes("install it again with them added"), outside.stderr);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  });
}

/** The installed `keydrift fake-api` serving the example organisation: its URL, and a stop. */
async function installedFake(work: string, path: Record<string, string>) {
  const child = new Deno.Command("keydrift", {
    args: ["fake-api", "--state", "state.yaml"],
    cwd: work,
    env: path,
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const { url, reader } = await announcedUrl(child.stdout);
  return {
    url,
    async stop() {
      child.kill("SIGTERM");
      await reader.cancel();
      assertEquals((await child.status).code, 0);
    },
  };
}

Deno.test("the installed keydrift adopts against its own fake-api: import -o, baseline -o and -o -, check --format NAME=PATH --summary", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const path = await install(tmp, "--root");
    const work = `${tmp}/work`;
    await Deno.mkdir(`${work}/reports`, { recursive: true });
    await Deno.copyFile(`${ROOT}examples/state.yaml`, `${work}/state.yaml`);
    const fake = await installedFake(work, path);
    try {
      const env = {
        ...path,
        OPENAI_BASE_URL: fake.url,
        OPENAI_ADMIN_KEY: "sk-admin-fake",
        GITHUB_STEP_SUMMARY: `${work}/summary.md`,
      };
      const run = (args: string[]) => exec("keydrift", args, work, env);
      const imported = await run(["import", "-o", "keydrift.yaml"]);
      assertEquals(imported.code, 0, imported.stderr);
      ok((await Deno.readTextFile(`${work}/keydrift.yaml`)).includes("version: 1"));
      const recorded = await run(["baseline", "-o", "keydrift.baseline.json"]);
      assertEquals(recorded.code, 0, recorded.stderr);
      const toStdout = await run(["baseline", "-o", "-"]);
      assertEquals(toStdout.code, 0, toStdout.stderr);
      assertEquals(JSON.parse(toStdout.stdout).keydrift_baseline, 3);
      const checked = await run([
        "check",
        "--baseline",
        "keydrift.baseline.json",
        "--format",
        "json=reports/keydrift.json",
        "--format",
        "junit=reports/keydrift.xml",
        "--summary",
      ]);
      assertEquals(checked.code, 0, checked.stderr);
      assertEquals(
        JSON.parse(await Deno.readTextFile(`${work}/reports/keydrift.json`)).status,
        "in_sync",
      );
      ok((await Deno.readTextFile(`${work}/reports/keydrift.xml`)).startsWith("<?xml"));
      ok((await Deno.readTextFile(`${work}/summary.md`)).includes("keydrift"));
      // Outside the working directory: refused, with a deno run line that writes it.
      const elsewhere = `${tmp}/elsewhere`;
      await Deno.mkdir(elsewhere);
      const refused = await run(["check", "-q", "--format", `json=${elsewhere}/r.json`]);
      assertEquals(refused.code, 1);
      const line = /\n {2}deno (run .*)\n/.exec(refused.stderr)?.[1];
      ok(line?.includes(`--allow-write=.,${elsewhere} `), refused.stderr);
      const granted = await exec("bash", ["-c", `exec ${Deno.execPath()} ${line}`], work, env);
      assertEquals(granted.code, 2, granted.stderr); // findings, no baseline: it ran
      ok((await Deno.stat(`${elsewhere}/r.json`)).isFile);
    } finally {
      await fake.stop();
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
