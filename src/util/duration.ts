/** Durations in settings, written the way people write them. */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 };

/** "90s", "15m", "1h", "7d", "250ms"; a bare number is seconds. Anything else: the default. */
export function duration(raw: string | undefined, fallback: number): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(raw ?? "");
  if (!match) return fallback;
  const value = Number(match[1]) * (UNIT_MS[match[2] ?? "s"] ?? 1000);
  return value > 0 ? Math.round(value) : fallback;
}
