/** How the dashboard writes times, durations and messages: short, in words, UTC on hover. */
import { html } from "../layout.ts";

/** Most characters of a task's first line in the task list. */
const FIRST_LINE_CHARS = 100;

/** "12 s", "3 min 05 s", "2 h 04 min", "3 d 2 h". */
export function duration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, "0")} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${String(minutes % 60).padStart(2, "0")} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** A `<time>` saying how long ago `iso` was, with the exact UTC time as its title. */
export function ago(iso: string | null, nowMs: number) {
  if (iso === null) return html`<span class="muted">never</span>`;
  const exact = `${iso.slice(0, 16).replace("T", " ")} UTC`;
  return html`<time datetime="${iso}" title="${exact}">${duration(nowMs - Date.parse(iso))} ago</time>`;
}

/** The first non-empty line of a message, cut to FIRST_LINE_CHARS. */
export function firstLine(message: string): string {
  const line =
    message
      .split("\n")
      .find((part) => part.trim() !== "")
      ?.trim() ?? "(empty message)";
  return line.length <= FIRST_LINE_CHARS ? line : `${line.slice(0, FIRST_LINE_CHARS - 1)}…`;
}

/** How long a task ran, or has been running. */
export function taskDuration(createdAt: string, endedAt: string | null, nowMs: number): string {
  const end = endedAt === null ? nowMs : Date.parse(endedAt);
  return duration(end - Date.parse(createdAt));
}
