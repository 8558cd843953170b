/**
 * README.md and docs/: README is short and has a table of contents; links resolve; nothing
 * refers to documents or issues outside the repository; every shell block runs as written (in a
 * copy of the repository, with README's installed `keydrift`), or is tagged and run elsewhere or
 * marked as needing the real API; every flag a command line names is in that command's --help.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { type Block, blocks, doc, docFiles, readmeLines, shellCommands } from "./_docs.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const decoder = new TextDecoder();

/**
 * Tags a shell block may carry instead of being run here: `real-api` needs an organisation;
 * `remote`, `release` and `docker` are run by tests/recipes_test.ts against stand-ins; `compile`
 * needs `deno compile`'s runtime download, which only the release workflow has.
 */
const TAGS = ["real-api", "remote", "release", "docker", "compile"];

const shellBlocks = () => docFiles().flatMap(blocks).filter((b) => b.lang === "sh");

Deno.test("README is under 15 KB with a table of contents that links every section", () => {
  const text = doc("README.md");
  ok(new TextEncoder().encode(text).length < 15 * 1024, `README is ${text.length} bytes`);
  const sections = readmeLines().filter((l) => l.startsWith("## ") && l !== "## Contents");
  const contents = text.slice(
    text.indexOf("## Contents"),
    text.indexOf("\n## ", text.indexOf("## Contents") + 3),
  );
  for (const s of sections) ok(contents.includes(`(#${anchor(s)})`), `Contents lacks "${s}"`);
});

/** GitHub's anchor of a heading. */
function anchor(heading: string): string {
  return heading.replace(/^#+ /, "").toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(
    / /g,
    "-",
  );
}

Deno.test("every relative link in README and docs/ names a file that exists, and a heading in it", () => {
  for (const file of docFiles()) {
    const dir = file.includes("/") ? file.slice(0, file.lastIndexOf("/") + 1) : "";
    for (const m of doc(file).matchAll(/\]\(([^)\s]+)\)/g)) {
      const [target, hash] = m[1].split("#");
      if (/^[a-z]+:/.test(target) || (target !== "" && !/[./]/.test(target))) continue;
      const path = target === "" ? file : new URL(target, `file:///${dir}`).pathname.slice(1);
      ok(docFiles().includes(path) || exists(`${ROOT}${path}`), `${file}: ${m[1]}`);
      if (hash && path.endsWith(".md")) {
        const anchors = doc(path).split("\n").filter((l) => /^#+ /.test(l)).map(anchor);
        ok(anchors.includes(hash), `${file}: ${m[1]}: no such heading`);
      }
    }
  }
});

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("README and docs/ refer to no document or issue outside the repository", () => {
  for (const file of docFiles()) {
    const text = doc(file);
    for (const re of [/\bSPEC\b/, /\bissues? #?\d+/i, /\bshared\//, /\breference\/[a-z]/]) {
      assertEquals(text.match(re), null, `${file} mentions ${re}`);
    }
  }
});

Deno.test("every shell block in README and docs/ is run here or tagged with a known reason", () => {
  for (const b of shellBlocks()) {
    ok(b.tags.every((t) => TAGS.includes(t)), `${b.file}:${b.line}: unknown tag in "${b.tags}"`);
  }
});

/** A copy of the repository's files (as git sees them, uncommitted ones included). */
async function copyOfRepository(dest: string): Promise<void> {
  const out = await new Deno.Command("git", {
    args: ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    cwd: ROOT,
    stdout: "piped",
  }).output();
  for (const f of decoder.decode(out.stdout).split("\0").filter(Boolean)) {
    if (!exists(`${ROOT}${f}`)) continue; // deleted, not yet committed
    await Deno.mkdir(`${dest}/${f}`.replace(/\/[^/]+$/, ""), { recursive: true });
    await Deno.copyFile(`${ROOT}${f}`, `${dest}/${f}`);
  }
}

/** A block as a bash script: each command must exit as its comment says (`exits N`), else 0. */
function checkedScript(b: Block): string {
  const joined = b.text.replace(/\\\n\s*/g, "");
  return joined.split("\n").filter((l) => l.trim() && !l.trim().startsWith("#")).map((line, i) => {
    const [command] = shellCommands(line);
    const want = /#.*\bexits (\d)\b/.exec(line)?.[1] ?? "0";
    if (command.endsWith("&")) return command;
    return `${command}\nc=$?; [ "$c" = ${want} ] || { echo "${b.file}:${b.line} command ${
      i + 1
    } exited $c, not ${want}" >&2; exit 99; }`;
  }).join("\n");
}

Deno.test("every untagged shell block of README and docs/ runs as written in a copy of the repository, with README's keydrift installed", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "keydrift-docs-" });
  try {
    const repo = `${tmp}/repo`;
    await copyOfRepository(repo);
    for (const d of [".zsh/completions", ".config/fish/completions"]) {
      await Deno.mkdir(`${tmp}/home/${d}`, { recursive: true });
    }
    const deno = Deno.execPath().replace(/\/[^/]+$/, "");
    const cache = JSON.parse(
      decoder.decode(
        (await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" })
          .output()).stdout,
      ),
    ).denoDir;
    const env: Record<string, string> = {
      DENO_DIR: cache, // the suite's warm cache: the home directory is a fresh one
      HOME: `${tmp}/home`,
      DENO_INSTALL_ROOT: `${tmp}/root`,
      PATH: `${tmp}/root/bin:${deno}:${Deno.env.get("PATH") ?? ""}`,
      NO_COLOR: "1",
    };
    const runnable = shellBlocks().filter((b) => b.tags.length === 0);
    // README's install block first: the others use the `keydrift` it installs.
    const install = runnable.find((b) => b.text.startsWith("deno install -g "));
    ok(install, "README has an install block");
    for (const b of [install, ...runnable]) {
      const out = await new Deno.Command("bash", {
        args: ["-c", checkedScript(b)],
        cwd: repo,
        env: { ...env, OPENAI_ADMIN_KEY: "", OPENAI_BASE_URL: "" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assertEquals(
        out.code,
        0,
        `${b.file}:${b.line} (${b.heading}): ${decoder.decode(out.stderr)}`,
      );
    }
    ok(exists(`${tmp}/home/.zsh/completions/_keydrift`), "the zsh completion line wrote its file");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

/** The `--flags` of each command line, by program: `keydrift CMD`, `deno SUB`, or another. */
function commandLines(): { where: string; program: string[]; flags: string[] }[] {
  const out: { where: string; program: string[]; flags: string[] }[] = [];
  const add = (where: string, line: string) => {
    const words = line.replace(/"[^"]*"|'[^']*'/g, "X").split(/\s+/).filter(Boolean);
    const start = words.findIndex((w) =>
      /^(keydrift|deno|sha256sum|shasum|curl|npx|docker)$/.test(w)
    );
    if (start < 0) return;
    const flagsOf = (ws: string[]) =>
      ws.filter((w) => /^--[a-z]/.test(w)).map((w) => w.split("=")[0]);
    const [cmd, sub = ""] = words.slice(start);
    if (cmd !== "deno") {
      const program = cmd === "keydrift" && !sub.startsWith("-") ? [cmd, sub] : [cmd];
      return void out.push({ where, program, flags: flagsOf(words.slice(start)) });
    }
    // deno SUB FLAGS... SCRIPT ARGS...: the flags after the script are keydrift's.
    const rest = words.slice(start + 2);
    const script = rest.findIndex((w) => w === "X" || w.endsWith("main.ts"));
    out.push({
      where,
      program: [cmd, sub],
      flags: flagsOf(script < 0 ? rest : rest.slice(0, script)),
    });
    if (script >= 0 && rest[script + 1] && !rest[script + 1].startsWith("-")) {
      out.push({
        where,
        program: ["keydrift", rest[script + 1]],
        flags: flagsOf(rest.slice(script + 2)),
      });
    }
  };
  for (const b of shellBlocks()) {
    for (const l of shellCommands(b.text)) add(`${b.file}:${b.line}`, l.replace(/^.*\| /, ""));
  }
  for (const file of docFiles()) {
    for (const m of doc(file).matchAll(/`(keydrift [a-z-]+[^`]*)`/g)) add(file, m[1]);
  }
  return out;
}

async function help(program: string[]): Promise<string | null> {
  if (program[0] === "docker") return null; // not installed on these machines
  const [cmd, ...rest] = program[0] === "keydrift"
    ? [Deno.execPath(), "run", "-A", `${ROOT}main.ts`, ...program.slice(1)]
    : program[0] === "npx"
    ? ["npx", "--help"]
    : program;
  const out = await new Deno.Command(cmd, {
    args: [...rest, "--help"],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  return decoder.decode(out.stdout) + decoder.decode(out.stderr);
}

Deno.test("every flag a command line in README or docs/ names is in that command's --help", async () => {
  const helps = new Map<string, string | null>();
  for (const { where, program, flags } of commandLines()) {
    const key = program.join(" ");
    if (!helps.has(key)) helps.set(key, await help(program));
    const text = helps.get(key);
    if (text === null || program[0] === "npx") continue;
    for (const f of flags) {
      ok(new RegExp(`(^|[\\s,\\[])${f}\\b`, "m").test(text!), `${where}: ${key} has no ${f}`);
    }
  }
});

Deno.test("every --flag README names in prose is a flag of keydrift or of the deno commands its recipes use", async () => {
  const texts = await Promise.all([
    ...["check", "validate", "import", "baseline", "fake-api", "schema", "policies", "completions"]
      .map((c) => help(["keydrift", c])),
    ...["run", "install", "cache", "compile", "test"].map((s) => help(["deno", s])),
    help(["sha256sum"]),
  ]);
  const all = texts.join("\n");
  const prose = doc("README.md").replace(/```[\s\S]*?```/g, "");
  for (const m of prose.matchAll(/`[^`]*`/g)) {
    for (const f of m[0].matchAll(/(?<![\w-])--[a-z][a-z-]*/g)) {
      ok(new RegExp(`(^|[\\s,\\[])${f[0]}\\b`, "m").test(all), `README names ${f[0]} in ${m[0]}`);
    }
  }
});
