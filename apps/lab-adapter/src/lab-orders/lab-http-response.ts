/** Reading the lab's HTTP answers: shared by the orders API client and the change-feed poller. */

/**
 * Reads a response body to its end (so the keep-alive connection stays usable) but keeps at most
 * `maxBytes`; `tooLarge` says the rest was dropped.
 */
export async function readBodyLimited(body: AsyncIterable<Buffer | Uint8Array>, maxBytes: number): Promise<{ text: string; tooLarge: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size <= maxBytes) chunks.push(Buffer.from(chunk));
  }
  return { text: Buffer.concat(chunks).toString('utf8'), tooLarge: size > maxBytes };
}

/** JSON when it parses, the text otherwise (the lab's error pages), undefined for an empty body. */
export function parseLabBody(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A network failure in one line, with its errno code (ECONNREFUSED, UND_ERR_...) when there is one. */
export function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code ?? (error as { cause?: NodeJS.ErrnoException }).cause?.code;
  return code ? `${code} ${error.message}` : error.message;
}
