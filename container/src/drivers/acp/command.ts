/**
 * Kiro slash commands over ACP (`_kiro.dev/commands/execute`). kiro-cli 2.x takes the command in
 * its object form, `{command: "tools", args: {value?}}` (it does not answer the plain string
 * form), and answers `{success, message?, data?}`. The readable output is the message, then the
 * data as indented JSON; both cleaned and redacted like run output.
 */
import * as acp from "@agentclientprotocol/sdk";
import { RunnerFault } from "../../errors.ts";
import type { CommandResponse } from "../../protocol/index.ts";
import { messageOf } from "../../protocol/index.ts";
import { stripAnsi } from "../../text/ansi.ts";
import { boundPayload } from "../../text/payload.ts";
import type { Redactor } from "../../text/redact.ts";
import { wellFormed, wellFormedValue } from "../../text/well-formed.ts";
import { TimeoutError } from "../../timeouts.ts";
import { obj, str } from "./render.ts";

/** "/context add src" → {command: "context", args: {value: "add src"}}. */
export function commandParams(command: string): { command: string; args: { value?: string } } {
  const [name = "", ...rest] = command.trim().slice(1).split(/\s+/);
  const value = rest.join(" ");
  return { command: name, args: value === "" ? {} : { value } };
}

/** The answer as a CommandResponse; `success: false` is a bad_request with kiro-cli's message. */
export function commandResponse(command: string, result: unknown, redactor: Redactor): CommandResponse {
  const answer = obj(result);
  const message = redactor.text(stripAnsi(wellFormed(str(answer.message) ?? "")));
  if (answer.success === false) {
    throw new RunnerFault(
      "bad_request",
      `kiro-cli could not run ${command}: ${message || "it reported a failure"}`,
    );
  }
  const data =
    answer.data === undefined || answer.data === null
      ? undefined
      : redactor.value(wellFormedValue(answer.data));
  const rendered = data === undefined || isEmpty(data) ? "" : JSON.stringify(data, null, 2);
  const output = [message, rendered].filter((part) => part !== "").join("\n");
  const bounded = boundPayload(data, "command result");
  return bounded.data === undefined ? { output } : { output, data: bounded.data };
}

/** A failed command as the RunnerFault the caller sees (messages redacted). */
export function commandError(
  error: unknown,
  command: string,
  timeoutMs: number,
  redactor: Redactor,
): RunnerFault {
  if (error instanceof RunnerFault) return error;
  if (error instanceof TimeoutError) {
    return new RunnerFault(
      "internal",
      `kiro-cli did not answer ${command} within ${timeoutMs} ms (KIRO_COMMAND_TIMEOUT_MS); try again`,
    );
  }
  if (error instanceof acp.RequestError) {
    return new RunnerFault(
      "bad_request",
      redactor.text(`kiro-cli could not run ${command}: ${error.message}`),
    );
  }
  const detail = messageOf(error);
  return new RunnerFault("internal", redactor.text(`kiro-cli could not run ${command}: ${detail}`));
}

function isEmpty(value: unknown): boolean {
  return typeof value === "object" && value !== null && Object.keys(value).length === 0;
}
