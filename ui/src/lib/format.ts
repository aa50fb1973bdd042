// Small display helpers.

/** "35 min", "5 h", "3 d" from hours. */
export function formatAge(hours: number): string {
  if (!Number.isFinite(hours) || hours < 0) return "just now";
  if (hours < 1) return `${Math.max(1, Math.round(hours * 60))} min`;
  if (hours < 48) return `${Math.round(hours)} h`;
  return `${Math.round(hours / 24)} d`;
}

export function formatPercent(score: number): string {
  return `${(Math.floor(score * 1000) / 10).toFixed(1)}%`;
}

/** Today plus `days` as YYYY-MM-DD (UTC), for the expiry date picker's default. */
export function isoDatePlus(days: number, from: Date = new Date()): string {
  const d = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate() + days));
  return d.toISOString().slice(0, 10);
}

export function splitList(text: string): string[] {
  return text
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** `Key=Value` lines to a map; lines without `=` are ignored. */
export function parseTags(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\n|,/)) {
    const i = line.indexOf("=");
    if (i <= 0) continue;
    out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

export function formatTags(tags: Record<string, string | undefined>): string {
  return Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join("\n");
}
