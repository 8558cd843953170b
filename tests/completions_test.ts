/**
 * `keydrift completions`: the scripts are generated from the commands' option tables, so every
 * command and flag the help texts list is completed, and the real shells load the scripts.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { runCli } from "./_helpers.ts";
import { POLICIES } from "../policies/mod.ts";
import { testWithTools } from "./_tools.ts";

const decoder = new TextDecoder();

async function script(shell: string): Promise<string> {
  const r = await runCli(["completions", shell]);
  assertEquals([r.code, r.stderr], [0, ""]);
  return r.stdout;
}

/** The commands `keydrift --help` lists, each with the flags its own `--help` lists. */
async function helpModel(): Promise<Map<string, string[]>> {
  const top = (await runCli(["--help"])).stdout;
  const names = [...top.split("Commands:\n")[1].split("\n\n")[0].matchAll(/^ {2}([\w-]+)\s/gm)]
    .map((m) => m[1]);
  const model = new Map<string, string[]>();
  for (const name of names) {
    const help = (await runCli([name, "--help"])).stdout;
    const flags = [...help.matchAll(/^\s+(?:(-\w), )?(--[\w-]+)/gm)].flatMap((m) =>
      m[1] ? [m[2], m[1]] : [m[2]]
    );
    model.set(name, flags.length ? flags : ["--help", "-h"]);
  }
  return model;
}

async function withFile<T>(text: string, fn: (path: string) => Promise<T>): Promise<T> {
  const path = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(path, text);
    return await fn(path);
  } finally {
    await Deno.remove(path);
  }
}

/** Runs bash's completion function for the words of a command line (the last one being typed). */
async function bashComplete(bash: string, words: string[]): Promise<string[]> {
  return await withFile(bash, async (path) => {
    const line = words.map((w) => `'${w}'`).join(" ");
    const out = await new Deno.Command("bash", {
      args: [
        "--norc",
        "-c",
        `source "$1"; COMP_WORDS=(${line}); COMP_CWORD=${
          words.length - 1
        }; _keydrift; printf '%s\\n' "\${COMPREPLY[@]}"`,
        "bash",
        path,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(out.code, 0, decoder.decode(out.stderr));
    return decoder.decode(out.stdout).split("\n").filter(Boolean);
  });
}

Deno.test("bash completion completes commands, flags, flag values and positional words", async () => {
  const bash = await script("bash");
  assertEquals(await bashComplete(bash, ["keydrift", "ch"]), ["check"]);
  assertEquals(await bashComplete(bash, ["keydrift", "check", "--fa"]), ["--fail-on", "--fake"]);
  assertEquals(await bashComplete(bash, ["keydrift", "check", "--fail-on", ""]), [
    "error",
    "warning",
  ]);
  assertEquals(await bashComplete(bash, ["keydrift", "check", "--format", "=", "sa"]), ["sarif"]);
  assertEquals(await bashComplete(bash, ["keydrift", "validate", "-"]), [
    "--manifest",
    "-m",
    "--quiet",
    "-q",
    "--help",
    "-h",
  ]);
  assertEquals(await bashComplete(bash, ["keydrift", "completions", "z"]), ["zsh"]);
  assertEquals(await bashComplete(bash, ["keydrift", "policies", "key-ex"]), [
    "key-expiry-too-long",
    "key-expiring-soon",
    "key-expired",
  ]);
});

Deno.test("bash completion offers exactly the commands and flags the help texts list", async () => {
  const bash = await script("bash");
  const model = await helpModel();
  ok(model.has("completions") && model.has("check"), [...model.keys()].join(" "));
  const commands = await bashComplete(bash, ["keydrift", ""]);
  assertEquals(commands, [...model.keys(), "--help", "--version"]);
  for (const [name, flags] of model) {
    const offered = await bashComplete(bash, ["keydrift", name, "-"]);
    assertEquals(new Set(offered), new Set(flags), name);
  }
});

Deno.test("bash, zsh and fish scripts name every command, flag and policy id", async () => {
  const model = await helpModel();
  for (const shell of ["bash", "zsh", "fish"]) {
    const text = await script(shell);
    for (const [name, flags] of model) {
      ok(text.includes(name), `${shell}: ${name}`);
      for (const flag of flags) {
        const long = flag.startsWith("--");
        const form = shell === "fish"
          ? (long ? `-l ${flag.slice(2)}` : `-s ${flag.slice(1)}`)
          : flag;
        ok(text.includes(form), `${shell}: ${name} ${flag}`);
      }
    }
    for (const p of POLICIES) ok(text.includes(p.id), `${shell}: ${p.id}`);
  }
});

Deno.test("completion values agree with the values check itself accepts", async () => {
  const bash = await script("bash");
  const accepted = async (flag: string) => {
    const r = await runCli(["check", flag, "bogus"]);
    assertEquals(r.code, 1);
    const list = /(?:must be one of|choose from) ([\w, -]+?)(?:,? not "|;|$)/m.exec(r.stderr);
    ok(list, r.stderr);
    return list[1].split(", ");
  };
  for (const flag of ["--fail-on", "--color", "--format"]) {
    assertEquals(await bashComplete(bash, ["keydrift", "check", flag, ""]), await accepted(flag));
  }
});

Deno.test("keydrift completions without a known shell is a usage error", async () => {
  const none = await runCli(["completions"]);
  assertEquals(none.code, 1);
  ok(none.stderr.includes("name a shell: bash, zsh, fish"), none.stderr);
  const bad = await runCli(["completions", "tcsh"]);
  assertEquals(bad.code, 1);
  ok(bad.stderr.includes('unknown shell "tcsh"; choose from bash, zsh, fish'), bad.stderr);
});

testWithTools(
  "zsh -n accepts the zsh completion script and sourcing it after compinit registers _keydrift",
  ["zsh"],
  async ({ zsh }) => {
    await withFile(await script("zsh"), async (path) => {
      const out = await new Deno.Command(zsh, { args: ["-n", path], stderr: "piped" }).output();
      assertEquals(out.code, 0, decoder.decode(out.stderr));
      const loaded = await new Deno.Command(zsh, {
        args: [
          "-f",
          "-c",
          'autoload -U compinit; compinit -u -D; source "$1"; print -r -- "${_comps[keydrift]}"',
          "zsh",
          path,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assertEquals(
        [loaded.code, decoder.decode(loaded.stdout)],
        [0, "_keydrift\n"],
        decoder.decode(loaded.stderr),
      );
    });
  },
);

testWithTools(
  "fish -n accepts the fish completion script and fish completes from it",
  ["fish"],
  async ({ fish }) => {
    await withFile(await script("fish"), async (path) => {
      const syntax = await new Deno.Command(fish, { args: ["-n", path], stderr: "piped" })
        .output();
      assertEquals(syntax.code, 0, decoder.decode(syntax.stderr));
      const complete = async (line: string) => {
        const out = await new Deno.Command(fish, {
          args: ["--no-config", "-c", `source $argv[1]; complete -C $argv[2]`, path, line],
          stdout: "piped",
          stderr: "piped",
        }).output();
        assertEquals(out.code, 0, decoder.decode(out.stderr));
        return decoder.decode(out.stdout).split("\n").filter(Boolean).map((l) => l.split("\t")[0]);
      };
      ok((await complete("keydrift ")).includes("completions"));
      assertEquals(await complete("keydrift check --fail-on "), ["error", "warning"]);
      ok((await complete("keydrift validate --")).includes("--manifest"));
    });
  },
);
