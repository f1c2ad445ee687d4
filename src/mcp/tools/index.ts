import type { Tool } from "../tool.ts";
import { kiroAgentsList } from "./kiro-agents-list.ts";
import { kiroChat } from "./kiro-chat.ts";
import { kiroChatAsync } from "./kiro-chat-async.ts";
import { kiroCommand } from "./kiro-command.ts";
import { kiroHistory, kiroHistoryClear } from "./kiro-history.ts";
import { kiroPoolStats } from "./kiro-pool-stats.ts";
import { kiroSessionClear } from "./kiro-session-clear.ts";
import { kiroSessionCreate } from "./kiro-session-create.ts";
import { kiroSessionEnd } from "./kiro-session-end.ts";
import { kiroSessionList } from "./kiro-session-list.ts";
import { kiroSessionSave } from "./kiro-session-save.ts";
import { kiroSessionSwitch } from "./kiro-session-switch.ts";
import { kiroTaskCancel } from "./kiro-task-cancel.ts";
import { kiroTaskList } from "./kiro-task-list.ts";
import { kiroTaskStatus } from "./kiro-task-status.ts";
import { kiroWorkspaceDiff } from "./kiro-workspace-diff.ts";
import { kiroWorkspacePush } from "./kiro-workspace-push.ts";

/** Every tool the server offers, in the order clients list them. */
export const TOOLS: readonly Tool[] = [
  kiroChat,
  kiroChatAsync,
  kiroTaskStatus,
  kiroTaskCancel,
  kiroTaskList,
  kiroSessionCreate,
  kiroSessionList,
  kiroSessionSwitch,
  kiroSessionEnd,
  kiroSessionClear,
  kiroSessionSave,
  kiroWorkspaceDiff,
  kiroWorkspacePush,
  kiroCommand,
  kiroAgentsList,
  kiroHistory,
  kiroHistoryClear,
  kiroPoolStats,
];
