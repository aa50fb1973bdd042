// Element-level differences as the desktop shows them (docs/CONTRACTS.md "Element differences"):
// the compact `+N -M` marker of a set-valued cell and each pair's `+`/`-` lines. The element
// texts themselves come from Rust (one canonical text for the CLI, reports and the app).
import type { ElementMarkerDto, PairDto, RowDetailDto } from "../bindings";

/** `+1 -0`. */
export function markerText(m: ElementMarkerDto): string {
  return `+${m.plus} -${m.minus}`;
}

/** The marker's tooltip: what the counts mean, against which column. */
export function markerTitle(m: ElementMarkerDto, column: string): string {
  const n = (k: number) => `${k} ${k === 1 ? "element" : "elements"}`;
  return `${column} has ${n(m.plus)} that ${m.against} lacks, and lacks ${n(m.minus)} that ${m.against} has`;
}

/** A pair's extra elements: `+ x` for what `b` has and `a` lacks, `- y` for the reverse. */
export function pairLines(p: PairDto): string[] {
  return [...(p.only_b ?? []).map((e) => `+ ${e}`), ...(p.only_a ?? []).map((e) => `- ${e}`)];
}

/**
 * The elements an exception for `env` would accept: the extra elements of every differing pair
 * that involves `env` (each once, in order). Empty for rows that are not set-valued.
 */
export function elementsFor(d: RowDetailDto, env: string): string[] {
  const out: string[] = [];
  for (const p of d.pairs) {
    if (p.status === "same" || (p.a !== env && p.b !== env)) continue;
    for (const e of [...(p.only_a ?? []), ...(p.only_b ?? [])]) if (!out.includes(e)) out.push(e);
  }
  return out;
}
