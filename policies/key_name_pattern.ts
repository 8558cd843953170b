import { definePolicy } from "../lib/policy.ts";

/** Key names that break the naming convention. */
export const keyNamePattern = definePolicy({
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
          new RegExp(String(value));
          return null;
        } catch (e) {
          return `not a valid regular expression (${e instanceof Error ? e.message : String(e)})`;
        }
      },
    },
  },
  rationale:
    "Names that say what and where (service-env) make an inventory readable and ownership clear.",
  source: "Common naming conventions for machine credentials",
  forProject: ({ options }) => {
    const pattern = new RegExp(options.pattern);
    return (key) => {
      if (pattern.test(key.name)) return null;
      return `name "${key.name}" does not match ${options.pattern}: rename the key`;
    };
  },
});
