/**
 * Reads newline-delimited JSON from a byte stream, yielding every complete line that each read
 * delivered as one batch. A line split across reads (or a multi-byte character split across
 * reads) is held until it is complete.
 */
export async function* readNdjson(body: ReadableStream<Uint8Array>): AsyncGenerator<unknown[]> {
  const reader = body.getReader();
  // A broken connection also rejects `closed`; the read loop reports it, so nothing else must.
  reader.closed.catch(() => undefined);
  const decoder = new TextDecoder();
  let pending = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      pending += decoder.decode(value, { stream: true });
      const cut = pending.lastIndexOf("\n");
      if (cut < 0) continue;
      const lines = pending.slice(0, cut).split("\n");
      pending = pending.slice(cut + 1);
      const batch = lines.filter((line) => line.trim() !== "").map((line) => JSON.parse(line) as unknown);
      if (batch.length > 0) yield batch;
    }
  } finally {
    reader.releaseLock();
    await body.cancel().catch(() => undefined);
  }
}
