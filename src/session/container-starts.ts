/**
 * What a session makes of how its container last started (KiroContainer.ensureStarted, which
 * restores the latest snapshot when it can). Back from a snapshot that holds all of its work:
 * nothing to say. Back from an older one: what came after it is lost. Started without one
 * (none taken, expired, from another image, or it failed to restore): the clone is made again at
 * the recorded commit by the turn's run (StartRunRequest.workspace), Kiro starts a new
 * conversation, and the user is told why — in a notice on the next task and in kiro_session_list.
 * Never silently.
 */
import type { StartRecord } from "../runner/snapshots.ts";
import type { SessionChange, SessionRecord } from "./meta.ts";

/** The change to the session's record a start it has not seen yet makes; undefined for none. */
export function startChange(
  meta: SessionRecord,
  last: StartRecord | null,
  now: number,
): SessionChange | undefined {
  if (last === null || last.seq === meta.seenStart) return undefined;
  // The first start a session sees is where its work began: nothing of it can be lost yet.
  if (meta.seenStart === undefined || meta.seenStart === null) return { seenStart: last.seq };
  const text = noticeText(meta, last);
  if (text === undefined) return { seenStart: last.seq };
  const notice = { at: now, text, pending: true };
  return last.kind === "fresh"
    ? { seenStart: last.seq, notice, resumable: false }
    : { seenStart: last.seq, notice };
}

function noticeText(meta: SessionRecord, last: StartRecord): string | undefined {
  if (last.kind === "restored") {
    const workAt = meta.workAt ?? 0;
    if (last.snapshotTakenAt === null || last.snapshotTakenAt >= workAt) return undefined;
    return `This session's container was restored from its snapshot of ${iso(last.snapshotTakenAt)}: what Kiro did after that (its last work ended ${iso(workAt)}) is lost, in the files and in Kiro's memory of the conversation.`;
  }
  const why = last.reason ?? "no snapshot of it had been taken yet";
  const files = meta.cloned
    ? `The working directory is cloned again from ${meta.cloned.url} at ${meta.cloned.commit.slice(0, 12)}; changes that were not pushed are lost.`
    : `Files Kiro had written in ${meta.workingDirectory} are lost.`;
  return `This session's container started without its workspace: ${why}. ${files} Kiro starts a new conversation (the history recorded here is kept).`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
