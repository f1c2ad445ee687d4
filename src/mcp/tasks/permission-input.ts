/**
 * Kiro's permission requests as the extension's input requests, and a client's responses as
 * Kiro's options. A request becomes a form elicitation (`elicitation/create`) with one optional
 * field, `option`, offering the options Kiro did (by id, titled with Kiro's names). The response:
 *   accept   → the option chosen; without one, Kiro's "allow once" option
 *   decline  → Kiro's "reject once" option (else "reject always"; else dismissed)
 *   cancel   → dismissed: Kiro reads "cancelled", which it treats as not allowed
 * A response that is no elicitation result, or names an option Kiro did not offer, is -32602.
 */
import type { InputRequestV2 } from "@modelcontextprotocol/ext-tasks/core/v2";
import { ProtocolError, ProtocolErrorCode } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { PermissionOption } from "../../../container/src/protocol/index.ts";
import type { WaitingPrompt } from "../../session/permission-prompts.ts";

const elicitResult = z.looseObject({
  action: z.enum(["accept", "decline", "cancel"]),
  content: z.looseObject({ option: z.string().optional() }).optional(),
});

/** What Kiro is asking, in a line: "Kiro asks to edit: Write notes.md". */
export function promptLine(prompt: WaitingPrompt): string {
  const { toolCall } = prompt.request;
  return `Kiro asks to ${toolCall.kind ?? "use a tool"}: ${toolCall.title ?? toolCall.toolCallId}`;
}

export function elicitationFor(prompt: WaitingPrompt): InputRequestV2 {
  const { options } = prompt.request;
  return {
    method: "elicitation/create",
    params: {
      mode: "form",
      message: `${promptLine(prompt)}. Accept to allow it (choose "Always" to stop Kiro asking again for this tool), decline to refuse.`,
      requestedSchema: {
        type: "object",
        properties: {
          option: {
            type: "string",
            title: "Answer",
            oneOf: options.map((option) => ({ const: option.optionId, title: option.name })),
          },
        },
      },
    },
  };
}

/** The option id a response chooses for `prompt` (null: dismissed). */
export function optionFor(prompt: WaitingPrompt, response: unknown): string | null {
  const parsed = elicitResult.safeParse(response);
  if (!parsed.success) {
    throw invalid(
      prompt,
      'must be an elicitation result: {action: "accept" | "decline" | "cancel", content?}',
    );
  }
  const { options } = prompt.request;
  const { action, content } = parsed.data;
  if (action === "cancel") return null;
  if (action === "decline") return first(options, ["reject_once", "reject_always"]) ?? null;
  if (content?.option === undefined) {
    const allow = first(options, ["allow_once", "allow_always"]);
    if (allow === undefined) throw invalid(prompt, `must choose an option: ${ids(options)}`);
    return allow;
  }
  if (!options.some((option) => option.optionId === content.option)) {
    throw invalid(prompt, `content.option must be one of ${ids(options)}`);
  }
  return content.option;
}

function first(options: readonly PermissionOption[], kinds: readonly string[]): string | undefined {
  for (const kind of kinds) {
    const found = options.find((option) => option.kind === kind);
    if (found !== undefined) return found.optionId;
  }
  return undefined;
}

function ids(options: readonly PermissionOption[]): string {
  return options.map((option) => option.optionId).join(", ");
}

function invalid(prompt: WaitingPrompt, why: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.InvalidParams, `inputResponses.${prompt.key} ${why}`);
}
