/**
 * Prints the `status` of a keydrift JSON report (in_sync, drift or error); exits 1 when the file
 * is not a keydrift report. The GitHub Action runs it with `--allow-read=<that file>` only, to
 * cross-check the status it derives from keydrift's exit code.
 */
const STATUSES = ["in_sync", "drift", "error"];

async function statusOf(path: string): Promise<string | null> {
  try {
    const report = JSON.parse(await Deno.readTextFile(path));
    const status = report?.tool?.name === "keydrift" ? report.status : null;
    return STATUSES.includes(status) ? status : null;
  } catch {
    return null;
  }
}

const path = Deno.args[0];
const status = path === undefined ? null : await statusOf(path);
if (status === null) {
  await Deno.stderr.write(new TextEncoder().encode(`not a keydrift JSON report: ${path}\n`));
  Deno.exit(1);
}
await Deno.stdout.write(new TextEncoder().encode(`${status}\n`));
