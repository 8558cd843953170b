/** Facts every family policy's finding carries (SPEC 11.4). */
import type { DeclaredFamily, Facts } from "../lib/core/types.ts";

/** The family's name and manager. */
export function familyFacts(family: DeclaredFamily): Facts {
  return { family: family.name, manager: family.managedBy ?? "its manager" };
}
