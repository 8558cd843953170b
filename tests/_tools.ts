/**
 * External validators the tests run (installed by .ci/run). Outside CI a test whose tool is
 * missing is skipped; under CI (`CI` set) it runs and fails, so CI can never silently skip it.
 */
const ROOT = new URL("..", import.meta.url).pathname;

/** True when running under CI (`CI` set and not "false"/"0"). */
export const UNDER_CI = !["", "0", "false"].includes(Deno.env.get("CI") ?? "");

/** The npm tools' bin directory (`npm install --prefix .ci/tools`, see .ci/run). */
export const NPM_TOOLS_BIN = `${ROOT}.ci/tools/node_modules/.bin`;

/** Path of an executable: .ci/tools' npm bin first, then PATH; null when absent. */
export function findTool(name: string): string | null {
  const dirs = [NPM_TOOLS_BIN, ...(Deno.env.get("PATH") ?? "").split(":").filter(Boolean)];
  for (const dir of dirs) {
    try {
      const info = Deno.statSync(`${dir}/${name}`);
      if (info.isFile && (info.mode ?? 0o111) & 0o111) return `${dir}/${name}`;
    } catch {
      // not in this directory
    }
  }
  return null;
}

/**
 * Registers a test that needs `tools`: skipped when one is missing outside CI, failing under CI.
 * `fn` receives each tool's path.
 */
export function testWithTools(
  name: string,
  tools: string[],
  fn: (paths: Record<string, string>) => Promise<void>,
): void {
  const paths = Object.fromEntries(tools.map((t) => [t, findTool(t)]));
  const missing = tools.filter((t) => paths[t] === null);
  Deno.test({
    name,
    ignore: missing.length > 0 && !UNDER_CI,
    fn: () => {
      if (missing.length) {
        throw new Error(`missing ${missing.join(", ")} under CI; .ci/run installs it`);
      }
      return fn(paths as Record<string, string>);
    },
  });
}

/**
 * The entry file of an npm package installed in .ci/tools (or a NODE_PATH directory), for
 * validators that are libraries run with node; null when absent.
 */
export function findNodeModule(name: string, file: string): string | null {
  const dirs = [`${ROOT}.ci/tools/node_modules`, ...(Deno.env.get("NODE_PATH") ?? "").split(":")];
  for (const dir of dirs.filter(Boolean)) {
    try {
      if (Deno.statSync(`${dir}/${name}/${file}`).isFile) return `${dir}/${name}/${file}`;
    } catch {
      // not here
    }
  }
  return null;
}

/** Like testWithTools, for a test that also needs an npm library run with node (see findNodeModule). */
export function testWithModule(
  name: string,
  module: { name: string; file: string },
  fn: (paths: { node: string; module: string }) => Promise<void>,
): void {
  const node = findTool("node");
  const path = findNodeModule(module.name, module.file);
  const missing = [...(node ? [] : ["node"]), ...(path ? [] : [`npm ${module.name}`])];
  Deno.test({
    name,
    ignore: missing.length > 0 && !UNDER_CI,
    fn: () => {
      if (missing.length) {
        throw new Error(`missing ${missing.join(", ")} under CI; .ci/run installs it`);
      }
      return fn({ node: node!, module: path! });
    },
  });
}
