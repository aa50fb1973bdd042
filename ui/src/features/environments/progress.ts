// Folds collection progress events into one line per environment and service/kind.
import type { ProgressDto } from "../../bindings";

export interface ProgressLine {
  environment: string;
  unit: string;
  phase: string;
  count: number | null;
  reason: string | null;
}

export function unitOf(p: ProgressDto): string {
  const what = p.kind ?? p.service;
  return p.region ? `${what} (${p.region})` : what;
}

export function foldProgress(lines: ProgressLine[], p: ProgressDto): ProgressLine[] {
  const unit = unitOf(p);
  const next: ProgressLine = {
    environment: p.environment,
    unit,
    phase: p.phase,
    count: p.count,
    reason: p.reason,
  };
  const i = lines.findIndex((l) => l.environment === p.environment && l.unit === unit);
  if (i < 0) return [...lines, next];
  const copy = lines.slice();
  copy[i] = next;
  return copy;
}

/** After a collection ends without finishing (cancelled, or stopped by an error), the units still
 * running say so instead of "started" forever. */
export function stopUnfinished(lines: ProgressLine[]): ProgressLine[] {
  return lines.map((l) => (l.phase === "started" || l.phase === "progress" ? { ...l, phase: "stopped" } : l));
}
