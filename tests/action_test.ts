/**
 * The GitHub Action: action.yml and the README's workflow pass action-validator (a validator we
 * did not write), and the action's own `run:` script, run as GitHub runs it, writes outputs whose
 * status agrees with its exit code.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { parse } from "yaml";
import { testWithTools } from "./_tools.ts";
import { blockUnder } from "./_docs.ts";
import { RENDERERS } from "../lib/render/mod.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const ACTION_TEXT = Deno.readTextFileSync(`${ROOT}action.yml`);
const ACTION = parse(ACTION_TEXT);
const decoder = new TextDecoder();

async function actionValidator(bin: string, file: string) {
  const out = await new Deno.Command(bin, { args: [file], stdout: "piped", stderr: "piped" })
    .output();
  return { code: out.code, text: decoder.decode(out.stdout) + decoder.decode(out.stderr) };
}

testWithTools(
  "action-validator accepts action.yml",
  ["action-validator"],
  async ({ "action-validator": bin }) => {
    const r = await actionValidator(bin, `${ROOT}action.yml`);
    assertEquals(r.code, 0, r.text);
  },
);

testWithTools(
  "action-validator rejects the branding icon key that action.yml used to have",
  ["action-validator"],
  async ({ "action-validator": bin }) => {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(
        `${dir}/action.yml`,
        ACTION_TEXT.replace(/icon: \w+/, "icon: key"),
      );
      const r = await actionValidator(bin, `${dir}/action.yml`);
      assertEquals(r.code, 1, r.text);
      ok(r.text.includes("/branding/icon"), r.text);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

testWithTools(
  "action-validator accepts the README's GitHub Actions workflow",
  ["action-validator"],
  async ({ "action-validator": bin }) => {
    const workflow = blockUnder("README.md", "### GitHub Actions", "yaml").text;
    ok(workflow.includes("github/codeql-action/upload-sarif@"), "uploads SARIF");
    ok(workflow.includes("actions/upload-artifact@"), "uploads the JSON report");
    ok(workflow.includes("steps.keydrift.outputs.sarif-report"), "uses the sarif-report output");
    ok(
      /if: always\(\) && steps\.keydrift\.outputs\.status != 'error' && [^\n]*\n\s+uses: github\/codeql-action\/upload-sarif@/
        .test(workflow),
      "no SARIF upload after an error (it would close every alert)",
    );
    const dir = await Deno.makeTempDir();
    try {
      await Deno.mkdir(`${dir}/.github/workflows`, { recursive: true });
      await Deno.writeTextFile(`${dir}/.github/workflows/keydrift.yml`, workflow);
      const r = await actionValidator(bin, `${dir}/.github/workflows/keydrift.yml`);
      assertEquals(r.code, 0, r.text);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test("action.yml pins denoland/setup-deno by full commit and pastes no expression into its script", () => {
  const steps = ACTION.runs.steps as { uses?: string; id?: string; run?: string }[];
  const setup = steps.find((s) => s.uses?.startsWith("denoland/setup-deno@"));
  ok(setup && /@[0-9a-f]{40}$/.test(setup.uses!), setup?.uses);
  const script = checkStep().run;
  ok(!script.includes("${{"), "every input must come through env:");
  ok(!/deno eval/.test(script), "no deno eval with full permissions");
  ok(!/\s-A\s|--allow-all/.test(script), "no -A");
});

function checkStep(): { run: string; env: Record<string, string>; "working-directory": string } {
  return ACTION.runs.steps.find((s: { id?: string }) => s.id === "check");
}

/** The value GitHub substitutes for one `${{ ... }}` expression of the check step. */
function expression(expr: string, inputs: Record<string, string>, workspace: string): string {
  const input = /^inputs\.([\w-]+)$/.exec(expr);
  if (input) {
    const declared = ACTION.inputs[input[1]];
    ok(declared, `action.yml has no input "${input[1]}"`);
    return inputs[input[1]] ?? String(declared.default ?? "");
  }
  if (expr === "github.action_path") return ROOT.replace(/\/$/, "");
  if (expr === "github.workspace") return workspace;
  throw new Error(`the test does not know the expression "${expr}"`);
}

interface ActionRun {
  code: number;
  outputs: Record<string, string>;
  summary: string;
  /** stdout, where the runner reads workflow commands. */
  stdout: string;
  log: string;
}

/**
 * Runs the check step's script as a composite action step: its env with inputs substituted,
 * in the workspace, with `bash --noprofile --norc -eo pipefail` (GitHub's `shell: bash`).
 */
async function runAction(
  workspace: string,
  inputs: Record<string, string>,
  runnerEnv: Record<string, string> = {},
): Promise<ActionRun> {
  const step = checkStep();
  const sub = (v: string) =>
    v.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, e) => expression(e, inputs, workspace));
  const env = Object.fromEntries(Object.entries(step.env).map(([k, v]) => [k, sub(v)]));
  const runner = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${runner}/step.sh`, step.run);
    await Deno.writeTextFile(`${runner}/output`, "");
    await Deno.writeTextFile(`${runner}/summary.md`, "");
    const out = await new Deno.Command("bash", {
      args: ["--noprofile", "--norc", "-eo", "pipefail", `${runner}/step.sh`],
      cwd: sub(step["working-directory"]),
      env: {
        ...env,
        GITHUB_OUTPUT: `${runner}/output`,
        GITHUB_STEP_SUMMARY: `${runner}/summary.md`,
        NO_COLOR: "1",
        ...runnerEnv,
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const outputs: Record<string, string> = {};
    for (const line of (await Deno.readTextFile(`${runner}/output`)).split("\n")) {
      const i = line.indexOf("=");
      if (i > 0) outputs[line.slice(0, i)] = line.slice(i + 1);
    }
    return {
      code: out.code,
      outputs,
      summary: await Deno.readTextFile(`${runner}/summary.md`),
      stdout: decoder.decode(out.stdout),
      log: decoder.decode(out.stdout) + decoder.decode(out.stderr),
    };
  } finally {
    await Deno.remove(runner, { recursive: true });
  }
}

const STATUS_OF: Record<string, string> = { "0": "in_sync", "1": "error", "2": "drift" };

/** A workspace with the example manifest, its drifted state and a state matching it. */
async function workspace(): Promise<string> {
  const dir = await Deno.makeTempDir();
  await Deno.copyFile(`${ROOT}examples/keydrift.yaml`, `${dir}/keydrift.yaml`);
  await Deno.copyFile(`${ROOT}examples/state.yaml`, `${dir}/state.yaml`);
  await Deno.copyFile(`${ROOT}tests/fixtures/in_sync/state.yaml`, `${dir}/in_sync.yaml`);
  await Deno.writeTextFile(`${dir}/bad.yaml`, "version: 1\nprojects:\n  - id: p\n    kes: []\n");
  return dir;
}

for (
  const [expected, inputs] of [
    ["0", { args: "--fake in_sync.yaml" }],
    ["2", { args: "--fake state.yaml" }],
    ["1", { manifest: "bad.yaml", args: "--fake state.yaml" }],
  ] as const
) {
  Deno.test(
    `the action's script exits ${expected} with status ${
      STATUS_OF[expected]
    } and writes its reports to report-dir`,
    async () => {
      const ws = await workspace();
      try {
        const r = await runAction(ws, inputs);
        assertEquals(
          [r.code, r.outputs["exit-code"], r.outputs.status],
          [Number(expected), expected, STATUS_OF[expected]],
          r.log,
        );
        assertEquals(r.outputs["report-dir"], "keydrift-reports");
        assertEquals(
          [r.outputs["json-report"], r.outputs["sarif-report"], r.outputs["junit-report"]],
          [
            "keydrift-reports/keydrift.json",
            "keydrift-reports/keydrift.sarif",
            "keydrift-reports/keydrift.xml",
          ],
        );
        const json = JSON.parse(await Deno.readTextFile(`${ws}/${r.outputs["json-report"]}`));
        assertEquals([json.status, json.exit_code], [STATUS_OF[expected], Number(expected)]);
        const sarif = JSON.parse(await Deno.readTextFile(`${ws}/${r.outputs["sarif-report"]}`));
        assertEquals(sarif.version, "2.1.0");
        ok((await Deno.readTextFile(`${ws}/${r.outputs["junit-report"]}`)).startsWith("<?xml"));
        if (expected !== "1") ok(r.summary.includes("keydrift"), "step summary written");
      } finally {
        await Deno.remove(ws, { recursive: true });
      }
    },
  );
}

Deno.test("the action's README SARIF case: a report outside report-dir is refused with exit-code 1 and status error", async () => {
  const ws = await workspace();
  try {
    const r = await runAction(ws, { args: "--fake state.yaml --format sarif=keydrift.sarif" });
    assertEquals([r.code, r.outputs["exit-code"], r.outputs.status], [1, "1", "error"], r.log);
    ok(r.log.includes('cannot write "keydrift.sarif": permission denied'), r.log);
  } finally {
    await Deno.remove(ws, { recursive: true });
  }
});

Deno.test("the action's inputs are data: shell syntax in manifest and args is never executed", async () => {
  const ws = await workspace();
  try {
    const r = await runAction(ws, {
      manifest: "$(touch pwned-manifest)",
      args: "--fake state.yaml\n`touch pwned-args` ; touch pwned-semicolon *",
      reports: "json, markdown",
    });
    assertEquals([r.code, r.outputs.status], [1, "error"], r.log);
    for (const name of ["pwned-manifest", "pwned-args", "pwned-semicolon"]) {
      ok(!(await exists(`${ws}/${name}`)), `${name} was created`);
    }
    ok(r.log.includes('unexpected argument "`touch"'), r.log);
  } finally {
    await Deno.remove(ws, { recursive: true });
  }
});

Deno.test("the action writes the reports input's set (codeclimate too), JSON always, and merges a manifest split over two lines", async () => {
  const ws = await workspace();
  try {
    await Deno.mkdir(`${ws}/env`);
    for (const f of ["projects.yaml", "waivers.yaml"]) {
      await Deno.copyFile(`${ROOT}tests/fixtures/split/${f}`, `${ws}/env/${f}`);
    }
    const r = await runAction(ws, {
      manifest: "env/projects.yaml\n  env/waivers.yaml\n",
      args: "--fake state.yaml",
      reports: "markdown,codeclimate",
      "report-dir": "out/reports/",
    });
    assertEquals([r.code, r.outputs.status], [2, "drift"], r.log);
    assertEquals(
      [
        r.outputs["report-dir"],
        r.outputs["json-report"],
        r.outputs["markdown-report"],
        r.outputs["codeclimate-report"],
      ],
      [
        "out/reports",
        "out/reports/keydrift.json",
        "out/reports/keydrift.md",
        "out/reports/keydrift.codeclimate.json",
      ],
    );
    ok(
      Array.isArray(
        JSON.parse(await Deno.readTextFile(`${ws}/out/reports/keydrift.codeclimate.json`)),
      ),
    );
    assertEquals(r.outputs["sarif-report"], undefined);
    const json = JSON.parse(await Deno.readTextFile(`${ws}/out/reports/keydrift.json`));
    assertEquals([json.summary.declared_keys, json.summary.waived], [8, 1], "both files were read");
    ok((await Deno.readTextFile(`${ws}/out/reports/keydrift.md`)).includes("keydrift"));
  } finally {
    await Deno.remove(ws, { recursive: true });
  }
});

Deno.test("the action refuses an unknown report name with exit-code 1 and status error", async () => {
  const ws = await workspace();
  try {
    const r = await runAction(ws, { reports: "json ../evil" });
    assertEquals([r.code, r.outputs["exit-code"], r.outputs.status], [1, "1", "error"], r.log);
    ok(r.log.includes('unknown report "../evil"'), r.log);
  } finally {
    await Deno.remove(ws, { recursive: true });
  }
});

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("hooks/report_status.ts prints a keydrift JSON report's status with read access to that file only, and refuses anything else", async () => {
  const dir = await Deno.makeTempDir();
  const status = async (name: string, text: string | null) => {
    if (text !== null) await Deno.writeTextFile(`${dir}/${name}`, text);
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        `--allow-read=${dir}/${name}`,
        `${ROOT}hooks/report_status.ts`,
        `${dir}/${name}`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    return [out.code, decoder.decode(out.stdout), decoder.decode(out.stderr)];
  };
  try {
    // deno task test's `deno check` does not cover hooks/.
    const checked = await new Deno.Command(Deno.execPath(), {
      args: ["check", `${ROOT}hooks/report_status.ts`],
      stderr: "piped",
    }).output();
    assertEquals(checked.code, 0, decoder.decode(checked.stderr));
    const report = (s: unknown) => JSON.stringify({ tool: { name: "keydrift" }, status: s });
    assertEquals(await status("a.json", report("drift")), [0, "drift\n", ""]);
    assertEquals(await status("b.json", report("in_sync")), [0, "in_sync\n", ""]);
    const refused = `not a keydrift JSON report: ${dir}/`;
    assertEquals(await status("c.json", report("sync")), [1, "", `${refused}c.json\n`]);
    assertEquals(
      await status("d.json", JSON.stringify({ status: "drift" })),
      [1, "", `${refused}d.json\n`],
    );
    assertEquals(await status("e.json", "{"), [1, "", `${refused}e.json\n`]);
    assertEquals(await status("absent.json", null), [1, "", `${refused}absent.json\n`]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the action's baseline input (a path with a space and shell syntax) makes the known drift pass: exit 0", async () => {
  const ws = await workspace();
  try {
    const name = "base line $(touch pwned-baseline).json";
    const made = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        "--allow-read=.",
        "--allow-write=.",
        "--ignore-env=LOG_TOKENS,LOG_STREAM",
        `${ROOT}main.ts`,
        "baseline",
        "--fake",
        "state.yaml",
        "-o",
        name,
      ],
      cwd: ws,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(made.code, 0, decoder.decode(made.stderr));
    const r = await runAction(ws, { args: "--fake state.yaml", baseline: name });
    assertEquals([r.code, r.outputs["exit-code"], r.outputs.status], [0, "0", "in_sync"], r.log);
    const json = JSON.parse(await Deno.readTextFile(`${ws}/${r.outputs["json-report"]}`));
    assertEquals(json.baseline_file, name);
    ok(json.summary.baselined > 0);
    ok(!(await exists(`${ws}/pwned-baseline`)), "the input was executed");
  } finally {
    await Deno.remove(ws, { recursive: true });
  }
});

Deno.test("the action's max-rpm input passes --max-rpm: the read is paced to it from the first request and says its estimate", async () => {
  const ws = await workspace();
  try {
    const r = await runAction(ws, { args: "--fake state.yaml", "max-rpm": "7" });
    assertEquals([r.code, r.outputs.status], [2, "drift"], r.log);
    ok(
      r.log.includes(
        "keydrift: this read needs 6 requests or more, within the budget of 7 requests a minute per endpoint (--max-rpm)",
      ),
      r.log,
    );
    const json = JSON.parse(await Deno.readTextFile(`${ws}/${r.outputs["json-report"]}`));
    ok(json.api_requests.endpoints.length > 0);
    for (const e of json.api_requests.endpoints) {
      assertEquals([e.budget_per_minute, e.budget_source], [7, "max-rpm"], JSON.stringify(e));
    }
    const bad = await runAction(ws, { args: "--fake state.yaml", "max-rpm": "$(touch pwned-rpm)" });
    assertEquals(bad.code, 1, bad.log);
    ok(bad.stdout.includes("--max-rpm must be a whole number of at least 1"), bad.stdout);
    ok(!(await exists(`${ws}/pwned-rpm`)), "the input was executed");
  } finally {
    await Deno.remove(ws, { recursive: true });
  }
});

/** The lines of the log's stdout between `::stop-commands::TOKEN` and `::TOKEN::`, and after. */
function stopped(stdout: string): { token: string; inside: string; after: string } {
  const start = /^::stop-commands::([0-9a-f]{32})$/m.exec(stdout);
  ok(start, stdout);
  const token = start[1];
  const end = stdout.indexOf(`\n::${token}::\n`);
  ok(end > start.index, `no ::${token}:: after the text report`);
  return {
    token,
    inside: stdout.slice(start.index + start[0].length + 1, end + 1),
    after: stdout.slice(end + token.length + 6),
  };
}

Deno.test("the action's log shows the text report with workflow commands stopped, then the annotations through their own channel", async () => {
  const ws = await workspace();
  try {
    const r = await runAction(ws, { args: "--fake state.yaml" });
    assertEquals([r.code, r.outputs.status], [2, "drift"], r.log);
    const { inside, after } = stopped(r.stdout);
    ok(inside.includes("Drift: keys 1 missing"), inside);
    ok(!/^::/m.test(inside), "no workflow command inside the text report");
    const commands = after.split("\n").filter(Boolean);
    ok(commands.length > 1 && commands.every((l) => /^::(error|warning|notice) /.test(l)), after);
    ok(commands.some((l) => l.startsWith("::error file=keydrift.yaml,line=")), after);
    assertEquals(
      await Deno.readTextFile(`${ws}/keydrift-reports/keydrift.github.txt`),
      after,
      "the annotations printed are the github report",
    );
  } finally {
    await Deno.remove(ws, { recursive: true });
  }
});

Deno.test("the action annotates a usage error in its args input with keydrift's message", async () => {
  const ws = await workspace();
  try {
    const r = await runAction(ws, { args: "--fake state.yaml --bogus" });
    assertEquals([r.code, r.outputs.status], [1, "error"], r.log);
    const { after } = stopped(r.stdout);
    ok(/^::error [^\n]*::unknown flag "--bogus" for check$/m.test(after), after);
  } finally {
    await Deno.remove(ws, { recursive: true });
  }
});

Deno.test("when keydrift cannot start (Deno refuses its environment), the action annotates Deno's error itself", async () => {
  const ws = await workspace();
  try {
    const r = await runAction(ws, { args: "--fake state.yaml" }, {
      DENO_V8_FLAGS: "--max-old-space-size=abc",
    });
    assertEquals([r.code, r.outputs.status], [1, "error"], r.log);
    const { after } = stopped(r.stdout);
    assertEquals(
      after,
      "::error title=keydrift::error: V8 did not recognize flag '--max-old-space-size=abc'\n",
    );
  } finally {
    await Deno.remove(ws, { recursive: true });
  }
});

Deno.test("a directory where a report goes stops the action with an annotation and its outputs, not a bare exit", async () => {
  const ws = await workspace();
  try {
    await Deno.mkdir(`${ws}/keydrift-reports/keydrift.sarif`, { recursive: true });
    const r = await runAction(ws, { args: "--fake state.yaml" });
    assertEquals([r.code, r.outputs["exit-code"], r.outputs.status], [1, "1", "error"], r.log);
    ok(
      r.stdout.includes(
        '::error title=keydrift action::cannot remove "keydrift-reports/keydrift.sarif"',
      ),
    );
  } finally {
    await Deno.remove(ws, { recursive: true });
  }
});

Deno.test("the action's own input errors are annotations, with % and line breaks escaped", async () => {
  const ws = await workspace();
  try {
    const r = await runAction(ws, { reports: "json 100%evil" });
    assertEquals([r.code, r.outputs.status], [1, "error"], r.log);
    ok(
      r.stdout.includes(
        '::error title=keydrift action::unknown report "100%25evil" in the reports input; choose from',
      ),
      r.stdout,
    );
  } finally {
    await Deno.remove(ws, { recursive: true });
  }
});

Deno.test("the action's reports input accepts exactly keydrift's formats, each to its own file and output", async () => {
  const accepted = /\n\s+(text \| json \|[^)]*)\) ;;/.exec(ACTION_TEXT)?.[1].split(" | ");
  assertEquals(accepted, Object.keys(RENDERERS));
  for (const f of Object.keys(RENDERERS)) {
    ok(ACTION.outputs[`${f}-report`], `action.yml has no ${f}-report output`);
    ok(ACTION.inputs.reports.description.includes(`${f} ->`), `the reports input names ${f}`);
  }
  const ws = await workspace();
  try {
    const r = await runAction(ws, {
      args: "--fake state.yaml",
      reports: Object.keys(RENDERERS).join(","),
    });
    assertEquals([r.code, r.outputs.status], [2, "drift"], r.log);
    for (const f of Object.keys(RENDERERS)) {
      const path = r.outputs[`${f}-report`];
      ok(path?.startsWith("keydrift-reports/keydrift."), `${f}: ${path}`);
      ok((await Deno.readTextFile(`${ws}/${path}`)).length > 0, path);
    }
    assertEquals(new Set(Object.keys(RENDERERS).map((f) => r.outputs[`${f}-report`])).size, 9);
  } finally {
    await Deno.remove(ws, { recursive: true });
  }
});

Deno.test("the action refuses a report-dir of more than one line, so no output line can be forged", async () => {
  const ws = await workspace();
  try {
    const r = await runAction(ws, { "report-dir": "out\nstatus=in_sync" });
    assertEquals([r.code, r.outputs["exit-code"], r.outputs.status], [1, "1", "error"], r.log);
    ok(r.stdout.includes("::error title=keydrift action::the report-dir input must be one line"));
  } finally {
    await Deno.remove(ws, { recursive: true });
  }
});

Deno.test("the action runs with its own config: a workspace's deno.json cannot replace keydrift's packages", async () => {
  const ws = await workspace();
  try {
    await Deno.writeTextFile(`${ws}/deno.json`, JSON.stringify({ imports: { yaml: "./yaml.ts" } }));
    await Deno.writeTextFile(`${ws}/yaml.ts`, 'throw new Error("the workspace\'s yaml ran");\n');
    // An anchor takes the manifest past the fast reader to the yaml package.
    await Deno.writeTextFile(
      `${ws}/anchored.yaml`,
      (await Deno.readTextFile(`${ws}/keydrift.yaml`)).replace("projects:", "projects: &p"),
    );
    const r = await runAction(ws, { manifest: "anchored.yaml", args: "--fake state.yaml" });
    assertEquals([r.code, r.outputs.status], [2, "drift"], r.log);
    ok(!r.log.includes("the workspace's yaml ran"), r.log);
  } finally {
    await Deno.remove(ws, { recursive: true });
  }
});
