// Statuses in the contract's severity order (worst first) and what the UI says about them.
export const STATUS_ORDER = [
  "drift",
  "missing",
  "violated",
  "expired",
  "unknown",
  "intentional",
  "allowed",
  "same",
] as const;

export type Status = (typeof STATUS_ORDER)[number];

export const FAILING: readonly Status[] = ["drift", "missing", "violated", "expired"];

export const CATEGORIES = ["size", "version", "network", "security", "resilience", "config"] as const;

export function isStatus(s: string | null | undefined): s is Status {
  return !!s && (STATUS_ORDER as readonly string[]).includes(s);
}

export function isFailing(s: string | null | undefined): boolean {
  return isStatus(s) && FAILING.includes(s);
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
