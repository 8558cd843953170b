/** `keydrift fake-api`: serve the fake Admin API on 127.0.0.1 until SIGINT/SIGTERM. */
import { intFlag, parse } from "./args.ts";
import type { Io } from "./io.ts";
import { startFake } from "./connect.ts";
import { UsageError } from "../core/errors.ts";

/** The help text of `keydrift fake-api` */
export const FAKE_API_HELP = `Usage: keydrift fake-api --state FILE [--port N] [--writes]

Serve the built-in fake OpenAI Admin API on 127.0.0.1 from a state file (see
docs/fake-api.md). Prints its base URL on the first line of stdout; stops on Ctrl-C or SIGTERM.

Options:
      --state FILE   state file (YAML); - reads it from stdin
      --port N       port (default 0: any free port)
      --writes       also serve the write endpoints keydrift's fixes call (DELETE and POST
                     of keys and service accounts, DELETE of admin keys), changing the
                     served state; without it the fake is read-only
  -h, --help         show this help
`;

/** The flags `keydrift fake-api` accepts (parseArgs options) */
export const FAKE_API_OPTIONS = {
  state: { type: "string" },
  port: { type: "string" },
  writes: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Runs `keydrift fake-api`: serves the fake Admin API from a state file until stopped */
export async function fakeApi(argv: string[], io: Io): Promise<number> {
  const { values: v } = parse("fake-api", argv, FAKE_API_OPTIONS);
  if (v.help) return (await io.out(FAKE_API_HELP), 0);
  if (!v.state) throw new UsageError("--state FILE is required", "fake-api");
  const port = intFlag("fake-api", "port", v.port, 0, 0, 65535);
  const { handler, fleet } = await startFake(io.deps, v.state, { writes: v.writes === true });
  const server = await io.deps.serve(handler, port);
  // Listen before announcing the URL: whoever reads it may send SIGTERM at once.
  const shutdown = io.deps.waitForShutdown();
  await io.out(`${server.url}\n`);
  const key = fleet ? "each org's admin_key from the state file" : "OPENAI_ADMIN_KEY=sk-admin-fake";
  await io.err(
    `keydrift: fake Admin API serving ${v.state}${
      v.writes ? " (writes on)" : ""
    }; export OPENAI_BASE_URL=${server.url} ${key}; Ctrl-C stops it\n`,
  );
  await shutdown;
  await server.close();
  return 0;
}
