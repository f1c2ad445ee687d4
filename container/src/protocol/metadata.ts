/**
 * Kiro's figures for a turn, as its `_kiro.dev/metadata` notifications carry them:
 * `{contextUsagePercentage, meteringUsage: [{value, unit, unitPlural}], turnDurationMs, effort}`.
 * Kiro sends several frames a turn (interim ones, the final one with turnDurationMs, bare
 * keep-alives), each with some of the fields: the turn's metadata is the frames merged, later
 * fields winning. The runner puts them on the exit event, and the `usage` updates of metadata
 * frames carry each frame as received; the Worker reads both with these functions.
 */

/** One entry of Kiro's meteringUsage, e.g. {value: 0.21, unit: "credit", unitPlural: "credits"}. */
export interface MeteringEntry {
  value: number;
  unit?: string | undefined;
  unitPlural?: string | undefined;
}

export interface TurnMetadata {
  /** How full the conversation's context window is, in percent. */
  contextUsagePercentage?: number | undefined;
  /** What the turn was billed, as Kiro reports it. */
  meteringUsage?: MeteringEntry[] | undefined;
  /** How long Kiro worked on the turn; only the final frame has it. */
  turnDurationMs?: number | undefined;
  /** The model's reasoning effort, when Kiro reports one. */
  effort?: string | undefined;
  /** Credits the turn used: the meteringUsage entries counted in credits, summed. */
  credits?: number | undefined;
}

const CREDIT = /^credits?$/i;

/** The Kiro metadata fields in `value` (a frame, or stored metadata), or undefined when it has none. */
export function turnMetadataOf(value: unknown): TurnMetadata | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const frame = value as Record<string, unknown>;
  const metadata: TurnMetadata = {};
  const context = finite(frame.contextUsagePercentage);
  if (context !== undefined) metadata.contextUsagePercentage = context;
  if (Array.isArray(frame.meteringUsage)) {
    metadata.meteringUsage = frame.meteringUsage.flatMap(meteringEntry);
    metadata.credits = creditsOf(metadata.meteringUsage);
  }
  const duration = finite(frame.turnDurationMs);
  if (duration !== undefined) metadata.turnDurationMs = duration;
  if (typeof frame.effort === "string") metadata.effort = frame.effort;
  return Object.keys(metadata).length === 0 ? undefined : metadata;
}

/** `later`'s fields over `earlier`'s. */
export function mergeTurnMetadata(
  earlier: TurnMetadata | undefined,
  later: TurnMetadata | undefined,
): TurnMetadata | undefined {
  if (later === undefined) return earlier;
  return { ...earlier, ...later };
}

function meteringEntry(value: unknown): MeteringEntry[] {
  if (typeof value !== "object" || value === null) return [];
  const entry = value as Record<string, unknown>;
  const amount = finite(entry.value);
  if (amount === undefined) return [];
  return [
    {
      value: amount,
      ...(typeof entry.unit === "string" && { unit: entry.unit }),
      ...(typeof entry.unitPlural === "string" && { unitPlural: entry.unitPlural }),
    },
  ];
}

function creditsOf(entries: readonly MeteringEntry[]): number {
  const credits = entries
    .filter((entry) => CREDIT.test(entry.unitPlural ?? entry.unit ?? "credits"))
    .reduce((sum, entry) => sum + entry.value, 0);
  return Number(credits.toFixed(6));
}

function finite(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}
