/**
 * README.md and docs/*.md as the tests read them: fenced code blocks with the heading they sit
 * under, and the shell commands in them, so recipes are tested as they are written.
 */
import { ok } from "node:assert/strict";

const ROOT = new URL("..", import.meta.url).pathname;

/** One fenced code block. */
export interface Block {
  /** Path relative to the repository root. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The info string's first word (`sh`, `yaml`, ...). */
  lang: string;
  /** The rest of the info string (`sh real-api`: "real-api"). */
  tags: string[];
  /** The nearest heading above the block, with its `#`s. */
  heading: string;
  text: string;
}

/** A document's text, by its path relative to the repository root. */
export function doc(file: string): string {
  return Deno.readTextFileSync(`${ROOT}${file}`);
}

/** README.md and every docs/*.md, relative paths, sorted. */
export function docFiles(): string[] {
  const docs = [...Deno.readDirSync(`${ROOT}docs`)]
    .filter((e) => e.isFile && e.name.endsWith(".md"))
    .map((e) => `docs/${e.name}`)
    .sort();
  return ["README.md", ...docs];
}

/** Every fenced code block of a document, in order. */
export function blocks(file: string): Block[] {
  const lines = doc(file).split("\n");
  const out: Block[] = [];
  let heading = "";
  for (let i = 0; i < lines.length; i++) {
    if (/^#{1,6} /.test(lines[i])) heading = lines[i];
    const open = /^(`{3,})(\S*)(.*)$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith(open[1]) && l.trim() === open[1]);
    ok(end > i, `${file}:${i + 1}: a code block that never closes`);
    out.push({
      file,
      line: i + 1,
      lang: open[2],
      tags: open[3].trim().split(/\s+/).filter(Boolean),
      heading,
      text: lines.slice(i + 1, end).join("\n") + "\n",
    });
    i = end;
  }
  return out;
}

/** The first block of `lang` under the heading `heading` (exact line, `#`s included). */
export function blockUnder(file: string, heading: string, lang: string): Block {
  const found = blocks(file).find((b) => b.heading === heading && b.lang === lang);
  ok(found, `${file} has no ${lang} block under "${heading}"`);
  return found;
}

/** README's lines. */
export function readmeLines(): string[] {
  return doc("README.md").split("\n");
}

/**
 * The commands of a shell block: comment lines dropped, backslash continuations joined, and a
 * trailing `# comment` cut (outside quotes).
 */
export function shellCommands(text: string): string[] {
  const joined = text.replace(/\\\n\s*/g, "");
  return joined.split("\n").map(stripComment).filter((l) => l.trim() !== "");
}

function stripComment(line: string): string {
  let quote = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = "";
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i).trimEnd();
  }
  return line.trimEnd();
}
