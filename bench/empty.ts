// An empty script: `deno task bench` times a bare `deno run` of it, Deno's own start-up.
