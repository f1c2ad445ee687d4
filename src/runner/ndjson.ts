export interface ReadNdjsonOptions {
  /** Aborting stops the read at once: the stream is cancelled and the generator returns. */
  signal?: AbortSignal;
  /** Called after every read that delivered bytes, complete lines or not (a sign of life). */
  onRead?: () => void;
}

/**
 * Reads newline-delimited JSON from a byte stream, yielding every complete line that each read
 * delivered as one batch. A line split across reads (or a multi-byte character split across
 * reads) is held until it is complete.
 */
export async function* readNdjson(
  body: ReadableStream<Uint8Array>,
  options: ReadNdjsonOptions = {},
): AsyncGenerator<unknown[]> {
  const reader = body.getReader();
  // A broken connection also rejects `closed`; the read loop reports it, so nothing else must.
  reader.closed.catch(() => undefined);
  // Cancelling settles a pending read as done, whether or not the fetch honours its signal.
  const cancel = () => void reader.cancel().catch(() => undefined);
  options.signal?.addEventListener("abort", cancel, { once: true });
  const decoder = new TextDecoder();
  let pending = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || options.signal?.aborted) break;
      options.onRead?.();
      pending += decoder.decode(value, { stream: true });
      const cut = pending.lastIndexOf("\n");
      if (cut < 0) continue;
      const lines = pending.slice(0, cut).split("\n");
      pending = pending.slice(cut + 1);
      const batch = lines.filter((line) => line.trim() !== "").map((line) => JSON.parse(line) as unknown);
      if (batch.length > 0) yield batch;
    }
  } finally {
    options.signal?.removeEventListener("abort", cancel);
    reader.releaseLock();
    await body.cancel().catch(() => undefined);
  }
}
