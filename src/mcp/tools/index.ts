import type { Tool } from "../tool.ts";
import { kiroChat } from "./kiro-chat.ts";
import { kiroChatAsync } from "./kiro-chat-async.ts";
import { kiroSessionCreate } from "./kiro-session-create.ts";
import { kiroSessionList } from "./kiro-session-list.ts";
import { kiroTaskCancel } from "./kiro-task-cancel.ts";
import { kiroTaskList } from "./kiro-task-list.ts";
import { kiroTaskStatus } from "./kiro-task-status.ts";

/** Every tool the server offers, in the order clients list them. */
export const TOOLS: readonly Tool[] = [
  kiroChat,
  kiroChatAsync,
  kiroTaskStatus,
  kiroTaskCancel,
  kiroTaskList,
  kiroSessionCreate,
  kiroSessionList,
];
