/**
 * The permission requests of one turn that wait for a client's answer (KIRO_TRUST=ask, in a run
 * started with `ask_permissions`). Each gets a key unique within the run, an `asked` update, and
 * a timer: the client's answer (POST /runs/:id/permissions/:key → answer()) or, once
 * KIRO_PERMISSION_TIMEOUT_MS has passed, the read-only rule decides; either way a second
 * `permission` update with the same key records it. Requests still waiting when the turn stops or
 * ends are dismissed (kiro-cli reads "cancelled"), so no prompt outlives its turn.
 */
import type { RequestPermissionRequest, RequestPermissionResponse } from "@agentclientprotocol/sdk";
import { RunnerFault } from "../../errors.ts";
import type { PermissionData } from "../../protocol/index.ts";
import {
  answeredPermission,
  askedPermission,
  decidePermission,
  dismissedPermission,
  type PermissionDecision,
} from "./permissions.ts";

/** Where the updates go: the turn's sink. */
export type PermissionUpdate = (text: string, data: PermissionData) => void;

interface Waiting {
  request: RequestPermissionRequest;
  settle: (decision: PermissionDecision) => void;
  timer: NodeJS.Timeout;
}

export class PermissionPrompts {
  readonly #update: PermissionUpdate;
  readonly #timeoutMs: number;
  readonly #waiting = new Map<string, Waiting>();
  #next = 1;
  #settledAt = 0;

  constructor(update: PermissionUpdate, timeoutMs: number) {
    this.#update = update;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * For the turn's idle watch: now while a request waits (the turn waits on the client, not on
   * kiro-cli), else when the last one was answered (kiro-cli has just got its answer).
   */
  get lastActivityAt(): number {
    return this.#waiting.size > 0 ? Date.now() : this.#settledAt;
  }

  /** Hands `request` to the client; resolves with its answer, or the policy's after the timeout. */
  ask(request: RequestPermissionRequest): Promise<RequestPermissionResponse> {
    const key = `permission-${this.#next++}`;
    const asked = askedPermission(request, key, this.#timeoutMs);
    this.#update(asked.text, asked.data);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#settle(
          key,
          decidePermission("ask", request, { why: "timeout", key, timeoutMs: this.#timeoutMs }),
        );
      }, this.#timeoutMs);
      this.#waiting.set(key, {
        request,
        timer,
        settle: (decision) => resolve(decision.response),
      });
    });
  }

  /** The client's answer to `key`: one of the options Kiro offered, or null to dismiss it. */
  answer(key: string, optionId: string | null): void {
    const waiting = this.#waiting.get(key);
    if (waiting === undefined) {
      throw new RunnerFault(
        "permission_not_pending",
        `permission request ${key} is not waiting for an answer (answered, timed out, or its turn is over)`,
      );
    }
    if (optionId !== null && !waiting.request.options.some((option) => option.optionId === optionId)) {
      const offered = waiting.request.options.map((option) => option.optionId).join(", ");
      throw new RunnerFault("bad_request", `option_id must be one of ${offered}, or null to dismiss`);
    }
    this.#settle(key, answeredPermission(waiting.request, key, optionId));
  }

  /** Dismisses every request still waiting (the turn stops or ends). */
  dismissAll(): void {
    for (const [key, waiting] of this.#waiting) this.#settle(key, dismissedPermission(waiting.request, key));
  }

  #settle(key: string, decision: PermissionDecision): void {
    const waiting = this.#waiting.get(key);
    if (waiting === undefined) return;
    this.#waiting.delete(key);
    clearTimeout(waiting.timer);
    this.#settledAt = Date.now();
    this.#update(decision.text, decision.data);
    waiting.settle(decision);
  }
}
