import type { Policy } from "../lib/policy.ts";

const cache = new Map<string, RegExp>();

/** Key names that break the naming convention. */
export const keyNamePattern: Policy = {
  id: "key-name-pattern",
  summary: "Key name does not match pattern",
  defaultSeverity: "off",
  options: {
    pattern: {
      type: "string",
      default: "^[a-z0-9]+(-[a-z0-9]+)*$",
      description: "Regular expression (JavaScript syntax) every key name must match.",
      check(value) {
        try {
          new RegExp(value as string);
          return null;
        } catch (e) {
          return `not a valid regular expression (${(e as Error).message})`;
        }
      },
    },
  },
  rationale:
    "Names that say what and where (service-env) make an inventory readable and ownership clear.",
  source: "Common naming conventions for machine credentials",
  evaluate({ key, options }) {
    const pattern = options.pattern as string;
    let re = cache.get(pattern);
    if (!re) cache.set(pattern, re = new RegExp(pattern));
    if (re.test(key.name)) return null;
    return `name "${key.name}" does not match ${pattern}: rename the key`;
  },
};
