/**
 * The README's `deno install` recipe: it uses the compile task's permission flags, and the
 * `keydrift` command it installs runs outside the repository.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { VERSION } from "../lib/core/version.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const decoder = new TextDecoder();

/** The README's `deno install -g ...` line. */
function readmeInstall(): string[] {
  const readme = Deno.readTextFileSync(`${ROOT}README.md`);
  const lines = readme.split("\n").filter((l) => l.startsWith("deno install -g "));
  assertEquals(lines.length, 1, "README has one deno install recipe");
  return lines[0].split(" ");
}

/** The compile task's permission flags (between `deno compile` and `main.ts`, build flags out). */
function compileFlags(): string[] {
  const task: string = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`)).tasks.compile;
  const words = task.split(" ");
  return words.slice(2, words.indexOf("main.ts")).filter((w, i, all) =>
    w !== "--exclude-unused-npm" && w !== "-o" && all[i - 1] !== "-o"
  );
}

async function exec(cmd: string, args: string[], cwd: string, env: Record<string, string>) {
  const out = await new Deno.Command(cmd, { args, cwd, env, stdout: "piped", stderr: "piped" })
    .output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

Deno.test("the README's deno install recipe uses the compile task's permission flags, no -A", () => {
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
  assertEquals(words.slice(9, -1), compileFlags());
  ok(!words.includes("-A") && !words.some((w) => w.startsWith("--allow-all")));
  ok(!words.some((w) => w.startsWith("--allow-write")), "the installed command writes no files");
});

for (const how of ["DENO_INSTALL_ROOT", "--root"] as const) {
  Deno.test(`the README's deno install recipe (${how}) installs a keydrift command that runs, validates and completes outside the repository`, async () => {
    const tmp = await Deno.makeTempDir();
    try {
      const env: Record<string, string> = how === "DENO_INSTALL_ROOT"
        ? { DENO_INSTALL_ROOT: tmp }
        : {};
      const [deno, ...args] = readmeInstall();
      if (how === "--root") args.splice(2, 0, "--root", tmp);
      const installed = await exec(deno, args, ROOT, env);
      assertEquals(installed.code, 0, installed.stderr);
      const bin = `${tmp}/bin/keydrift`;
      ok((await Deno.stat(bin)).isFile, bin);

      const work = `${tmp}/work`;
      await Deno.mkdir(work);
      await Deno.copyFile(`${ROOT}examples/keydrift.yaml`, `${work}/keydrift.yaml`);
      const path = { PATH: `${tmp}/bin:${Deno.env.get("PATH") ?? ""}` };
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
      // The baked-in scope holds: nothing outside the working directory is readable.
      const outside = await exec(
        "keydrift",
        ["validate", "-m", `${ROOT}examples/keydrift.yaml`],
        work,
        path,
      );
      assertEquals(outside.code, 1);
      ok(outside.stderr.includes("permission denied (allow it with --allow-read="), outside.stderr);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  });
}
