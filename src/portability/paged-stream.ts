/**
 * Pull-based text streams for exports: each `pull()` of the consumer reads at most one page from D1
 * and enqueues its encoded text, so memory holds one page whatever the account's size, and a slow or
 * gone client stops the paging (backpressure; `cancel()` ends it). Headers are sent before the first
 * page: a failure after that can only abort the stream (the client sees a truncated body, never a
 * problem document), which is why account.json ends with `"complete": true`.
 */

/** One paged section of an export: `fetch` reads the page after `after` (null: the first page). */
export type PagedSource<Row, Key> = {
  pageSize: number;
  fetch: (after: Key | null) => Promise<Row[]>;
  keyOf: (row: Row) => Key;
  /** The text of one row; `first` is true for the first row of this section (separators). */
  encode: (row: Row, first: boolean) => string;
};

/** A part of an export: literal text, or a paged source of rows. */
// biome-ignore lint/suspicious/noExplicitAny: sections of one stream page different row and key types.
export type StreamPart = string | PagedSource<any, any>;

/** Counts D1 queries of a stream, for the budget test and the bench. */
export type QueryCounter = { queries: number };

/**
 * A UTF-8 byte stream of the parts in order. Pages are fetched only when the consumer pulls.
 * A section whose page is shorter than its page size is finished without another query.
 */
export function textStream(parts: StreamPart[], counter: QueryCounter = { queries: 0 }): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let index = 0;
  let after: unknown = null;
  let firstRow = true;
  let cancelled = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // Loop until something is enqueued or the parts run out: pull() must make progress.
        while (!cancelled) {
          const part = parts[index];
          if (part === undefined) {
            controller.close();
            return;
          }
          if (typeof part === "string") {
            index++;
            if (part !== "") {
              controller.enqueue(encoder.encode(part));
              return;
            }
            continue;
          }
          counter.queries++;
          const rows = await part.fetch(after);
          let text = "";
          for (const row of rows) {
            text += part.encode(row, firstRow);
            firstRow = false;
          }
          const last = rows.at(-1);
          if (rows.length < part.pageSize || last === undefined) {
            index++;
            after = null;
            firstRow = true;
          } else {
            after = part.keyOf(last);
          }
          if (text !== "") {
            controller.enqueue(encoder.encode(text));
            return;
          }
        }
      },
      cancel() {
        cancelled = true;
      },
    },
    // One chunk at a time: the next page is read only once the previous one has been taken.
    { highWaterMark: 0 },
  );
}
