/** The dashboard's sessions and tasks, as tables whose rows link to each task's live view. */
import type { SessionInfo, TaskSummary } from "../../session/views.ts";
import { html } from "../layout.ts";
import { ago, firstLine, taskDuration } from "./format.ts";

export function sessionsSection(sessions: (SessionInfo & { active: boolean })[], nowMs: number) {
  const rows = sessions.map(
    (session) => html`<tr>
<td><code>${session.session_id}</code>${session.active ? html` <span class="tag">active</span>` : ""}</td>
<td data-label="Agent">${session.agent ?? html`<span class="muted">default</span>`}</td>
<td class="wrap">${place(session)}</td>
<td><span class="state ${session.state}">${session.state}</span>${
      session.running_tasks > 0 ? html` · ${session.running_tasks} running` : ""
    }${session.failure ? html`<div class="muted">${session.failure}</div>` : ""}</td>
<td data-label="Last active">${ago(session.last_active, nowMs)}</td>
</tr>`,
  );
  return html`<section id="sessions">
<h2>Sessions</h2>
${
  sessions.length === 0
    ? html`<p class="muted">No sessions yet: your MCP client starts one with kiro_session_create or its first kiro_chat.</p>`
    : html`<div class="scroll"><table>
<thead><tr><th>Session</th><th>Agent</th><th>Directory or repository</th><th>State</th><th>Last active</th></tr></thead>
<tbody>${rows}</tbody></table></div>`
}
</section>`;
}

function place(session: SessionInfo) {
  const repository = session.repository;
  if (repository === null) return html`<code>${session.working_directory}</code>`;
  return html`<code>${repository.url}</code>${repository.ref ? html` <span class="muted">@ ${repository.ref}</span>` : ""}`;
}

export function tasksSection(tasks: TaskSummary[], nowMs: number) {
  const rows = tasks.map(
    (task) => html`<tr>
<td><span class="state ${task.status}">${task.status}</span></td>
<td class="wrap"><a href="/tasks/${task.task_id}">${firstLine(task.message_preview)}</a>${
      task.error ? html`<div class="muted">${firstLine(task.error)}</div>` : ""
    }</td>
<td data-label="Started">${ago(task.created_at, nowMs)}</td>
<td data-label="Duration">${taskDuration(task.created_at, task.ended_at, nowMs)}</td>
<td data-label="Credits">${task.credits === undefined ? html`<span class="muted">—</span>` : task.credits}</td>
</tr>`,
  );
  return html`<section id="tasks">
<h2>Tasks</h2>
${
  tasks.length === 0
    ? html`<p class="muted">No tasks: finished tasks are kept for a while after they end, then swept.</p>`
    : html`<div class="scroll"><table>
<thead><tr><th>Status</th><th>Message</th><th>Started</th><th>Duration</th><th>Credits</th></tr></thead>
<tbody>${rows}</tbody></table></div>`
}
</section>`;
}
