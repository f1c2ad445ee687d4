/**
 * Durable Object request counts of a dev server started with KIRO_DEBUG_COUNTERS=1 (see
 * src/debug/request-counts.ts): snapshots, their difference, and a table of it per unit of work.
 */
import { table } from "./report.ts";

export type Counts = Record<string, number>;

/** The server's counts so far. */
export async function doRequests(baseUrl: string): Promise<Counts> {
  const response = await fetch(`${baseUrl}/debug/do-requests`);
  if (!response.ok)
    throw new Error(`GET /debug/do-requests: ${response.status} (is KIRO_DEBUG_COUNTERS=1 set?)`);
  return ((await response.json()) as { counts: Counts }).counts;
}

export function countsSince(before: Counts, after: Counts): Counts {
  const out: Counts = {};
  for (const [what, n] of Object.entries(after)) {
    const delta = n - (before[what] ?? 0);
    if (delta > 0) out[what] = delta;
  }
  return out;
}

export function total(counts: Counts, keep: (what: string) => boolean = () => true): number {
  return Object.entries(counts).reduce((sum, [what, n]) => sum + (keep(what) ? n : 0), 0);
}

/** "A.b 2, C.d 1.5": each count divided by `per`, largest first. */
export function breakdown(counts: Counts, per: number): string {
  return Object.entries(counts)
    .sort(([, a], [, b]) => b - a)
    .map(([what, n]) => `${what} ${round(n / per)}`)
    .join(", ");
}

/** One row per request kind: its total and its rate per each unit (`units`: name → how many). */
export function countsTable(counts: Counts, units: Record<string, number>): string {
  const names = Object.keys(units);
  const rows = Object.entries(counts)
    .sort(([, a], [, b]) => b - a)
    .map(([what, n]) => [what, String(n), ...names.map((unit) => round(n / (units[unit] ?? 1)))]);
  rows.push([
    "all",
    String(total(counts)),
    ...names.map((unit) => round(total(counts) / (units[unit] ?? 1))),
  ]);
  return table(["Durable Object requests", "total", ...names.map((unit) => `per ${unit}`)], rows);
}

function round(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 100) / 100) : "–";
}
