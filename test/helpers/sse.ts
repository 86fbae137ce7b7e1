/**
 * Reading server-sent event streams in tests (POST /generations with Accept: text/event-stream).
 */

/** One event of a stream; `data` is parsed JSON (every event of this API carries JSON). */
export type SseEvent = { event: string; data: any };

/** Parses complete events (blocks separated by blank lines) from stream text. */
export function sseEvents(text: string): SseEvent[] {
  return text
    .split(/\n\n+/)
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const lines = block.split("\n");
      const event = lines.find((line) => line.startsWith("event: "))?.slice(7) ?? "message";
      const data = lines
        .filter((line) => line.startsWith("data: "))
        .map((line) => line.slice(6))
        .join("\n");
      return { event, data: JSON.parse(data) };
    });
}
