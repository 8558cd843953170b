/** The plan of a check, before its first key listing (issue 21): see `plan.ts`. Pure. */
import { ENDPOINTS } from "./plan.ts";
import { LIST_PROJECTS_THRESHOLD } from "./live_state.ts";

/** What a check reads: its declared projects, admin keys, and the enrichment asked for. */
export interface ReadScope {
  projects: number;
  adminKeys: boolean;
  attribute: boolean;
  usage: boolean;
}

/**
 * The requests a check needs at least, as the live reader reads (api/live_state.ts): projects
 * listed when there are more than two (one page at least), else retrieved; the first page of
 * every project's keys; the first page of the admin keys; one request for each enrichment asked
 * for (it runs only when a key needs it, and may need more when keys are many).
 */
export function planRead(s: ReadScope): Map<string, number> {
  const plan = new Map<string, number>();
  const add = (endpoint: string, n: number) => {
    if (n > 0) plan.set(endpoint, (plan.get(endpoint) ?? 0) + n);
  };
  if (s.projects > LIST_PROJECTS_THRESHOLD) add(ENDPOINTS.projects, 1);
  else add(ENDPOINTS.project, s.projects);
  add(ENDPOINTS.keys, s.projects);
  if (s.adminKeys) add(ENDPOINTS.adminKeys, 1);
  if (s.attribute) add(ENDPOINTS.auditLogs, 1);
  if (s.usage) add(ENDPOINTS.usage, 1);
  return plan;
}
