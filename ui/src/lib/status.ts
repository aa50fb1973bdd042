// What the UI says about each status. The statuses, their severity order (worst first), the
// failing ones and the categories come from Rust through the generated bindings.
import { CATEGORIES, FAILING_STATUSES, STATUS_ORDER, type Status } from "../bindings";

export { CATEGORIES, STATUS_ORDER };
export type { Status };

export function isStatus(s: string | null | undefined): s is Status {
  return !!s && (STATUS_ORDER as readonly string[]).includes(s);
}

export function isFailing(s: string | null | undefined): boolean {
  return isStatus(s) && FAILING_STATUSES.includes(s);
}

/** Worse of two statuses (drift wins ties with missing, as in the engine). */
export function worst(a: Status, b: Status): Status {
  const rank = (s: Status) => (s === "missing" ? 0.5 : STATUS_ORDER.indexOf(s));
  return rank(a) <= rank(b) ? a : b;
}

export const STATUS_HELP: Record<Status, string> = {
  drift: "Values differ and nothing explains it",
  missing: "Present in one environment, absent in another",
  violated: "An exception covers it, but the observed value is not the expected one",
  expired: "The exception covering it has expired",
  unknown: "Could not be collected (partial snapshot)",
  intentional: "Differs, documented by a valid exception",
  allowed: "Differs in a category the policy allows",
  same: "Equal after normalisation",
};
