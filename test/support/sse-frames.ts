/** A Server-Sent Events response read frame by frame, as a test wants it (GET /api/v1/events). */
export interface Frame {
  id?: string;
  event?: string;
  data?: string;
}

/**
 * Reads a stream's frames as they come; its reader is added to `readers`, for the test to cancel.
 */
export function sseFrames(response: Response, readers: ReadableStreamDefaultReader<Uint8Array>[] = []) {
  const reader = response.body!.getReader();
  readers.push(reader);
  const decoder = new TextDecoder();
  let text = "";
  return {
    /** The next frame that is an event (not `retry:` or a comment); null when the stream ends. */
    async next(): Promise<Frame | null> {
      for (;;) {
        const end = text.indexOf("\n\n");
        if (end >= 0) {
          const block = text.slice(0, end);
          text = text.slice(end + 2);
          const frame: Frame = {};
          for (const line of block.split("\n")) {
            const [field, ...rest] = line.split(": ");
            if (field === "id" || field === "event" || field === "data") frame[field] = rest.join(": ");
          }
          if (frame.event) return frame;
          continue;
        }
        const { value, done } = await reader.read();
        if (done) return null;
        text += decoder.decode(value, { stream: true });
      }
    },
  };
}

