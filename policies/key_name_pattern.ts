import type { RE2JS } from "re2js";
import { definePolicy } from "../lib/assess/policy.ts";

/** RE2, once a manifest that names this policy is read (`prepare`): start-up never loads it. */
let engine: typeof RE2JS | null = null;

/** The pattern compiled by RE2; throws RE2's syntax error. */
function compile(pattern: string): RE2JS {
  if (!engine) throw new Error("key-name-pattern: RE2 is used before prepare() loaded it");
  return engine.compile(pattern);
}

/**
 * Key names that break the naming convention. The pattern is compiled by RE2 (the `re2js` port):
 * matching takes time linear in the name whatever the pattern, so a key name the server chooses
 * cannot make a check take minutes (a backtracking engine takes exponential time on `^(a+)+$`
 * and `aaa...!`). RE2 has no lookaround and no backreferences: a pattern that uses them is
 * refused, located, when the manifest is read.
 */
export const keyNamePattern = definePolicy({
  id: "key-name-pattern",
  summary: "Key name does not match pattern",
  defaultSeverity: "off",
  options: {
    pattern: {
      type: "string",
      default: "^[a-z0-9]+(-[a-z0-9]+)*$",
      description:
        "Regular expression every key name must match (RE2 syntax: JavaScript's without lookaround or backreferences; matched in linear time).",
      async prepare() {
        engine ??= (await import("re2js")).RE2JS;
      },
      check(value) {
        // Not prepared: the manifest names the policy only through YAML escapes; it is read
        // again once RE2 is loaded (`loadFrom`), and checked then.
        if (!engine) return null;
        try {
          compile(String(value));
          return null;
        } catch (e) {
          const why = e instanceof Error ? e.message : String(e);
          return acceptedByJavaScript(String(value))
            ? `uses what RE2 cannot match in linear time (${why}); lookaround and backreferences are not available: write the pattern without them`
            : `not a valid regular expression (${why})`;
        }
      },
    },
  },
  rationale:
    "Names that say what and where (service-env) make an inventory readable and ownership clear.",
  source: "Common naming conventions for machine credentials",
  message: 'name "{name}" does not match {pattern}: rename the key',
  remedy: { action: "waiver", summary: "Rename the key in the dashboard" },
  forProject: ({ options }) => {
    const pattern = compile(options.pattern);
    return (key) => {
      if (key.name === null || pattern.matcher(key.name).find()) return null;
      return { name: key.name, pattern: options.pattern };
    };
  },
});

function acceptedByJavaScript(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}
