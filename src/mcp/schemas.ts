/** Input fields shared by several tools, each with the description clients show to models. */
import { z } from "zod";
import { utf8Bytes } from "../../container/src/protocol/index.ts";
import { LIMITS } from "../config.ts";

export const messageField = z
  .string()
  .describe("What Kiro should do, in plain language (up to 256 KiB)")
  .refine((text) => text.trim().length > 0, "message is empty: say what Kiro should do")
  .refine(
    (text) => text.isWellFormed(),
    "message is not valid Unicode (it contains an unpaired UTF-16 surrogate): send it as proper text",
  )
  .refine(
    (text) => utf8Bytes(text) <= LIMITS.MAX_MESSAGE_BYTES,
    `message is larger than ${LIMITS.MAX_MESSAGE_BYTES / 1024} KiB: put large content in a file in the workspace and refer to it`,
  );

export const sessionIdField = z
  .string()
  .max(100)
  .optional()
  .describe("Session to use (from kiro_session_create or kiro_session_list); default: the active session");

export const taskIdField = z.string().max(200).describe("Task id returned by kiro_chat_async or kiro_chat");

/** Input of tools that act on one session and take nothing else. */
export const sessionOnlyInput = z.object({ session_id: sessionIdField });

/** Input of the tools that start a turn: kiro_chat and kiro_chat_async. */
export const turnInput = z.object({ message: messageField, session_id: sessionIdField });
