# keydrift on the official Deno image. Build it yourself, from a checkout of a release tag:
#   docker build -t keydrift .
# and run it where your manifest is (reports are written there, as your user):
#   docker run --rm -v "$PWD:/work" --user "$(id -u):$(id -g)" -e OPENAI_ADMIN_KEY keydrift check
FROM denoland/deno:2.9.6

WORKDIR /app
COPY deno.json deno.lock main.ts ./
COPY lib/ lib/
COPY policies/ policies/
# The pinned packages, checked against the frozen lock, are fetched at build time into the image's
# Deno cache (DENO_DIR=/deno-dir); nothing is downloaded when keydrift runs (--cached-only).
RUN deno cache main.ts && chmod -R a+rX /deno-dir

WORKDIR /work
# The scoped permissions (the compile task's): the Admin API host and loopback, the variables
# keydrift reads, and read and write of the working directory, /work.
ENTRYPOINT ["deno", "run", "--cached-only", "--no-prompt", "--allow-net=api.openai.com,127.0.0.1", "--allow-env=OPENAI_ADMIN_KEY,OPENAI_BASE_URL,GITHUB_STEP_SUMMARY", "--ignore-env=LOG_TOKENS,LOG_STREAM", "--allow-read=.", "--allow-write=.", "--config", "/app/deno.json", "/app/main.ts"]
CMD ["--help"]
