/**
 * Incremental parsing of a streamed model answer: the server-sent event lines of an LLM's streaming mode,
 * and the `{ "proposals": [ {…}, {…} ] }` JSON that arrives token by token inside them. Each proposal object
 * is handed on as soon as its closing brace arrives, so the API's event stream can send it at once.
 */
import { ProviderError } from "./provider";
import { parseJsonOutput, throwForAbort } from "./provider-http";

/**
 * Yields the `data:` payloads of a server-sent event byte stream (OpenAI's and Workers AI's streaming
 * format), across chunk boundaries that may fall anywhere, also inside a UTF-8 sequence. Ends at the
 * stream's end; `[DONE]` is yielded like any payload (the caller decides what it means).
 */
export async function* sseData(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<string> {
  const reader = body.getReader();
  // Cancelling ends a pending read at once: the time budget also bounds a stream that stalls mid-way.
  const cancel = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener("abort", cancel, { once: true });
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let newline = buffer.search(/\r?\n/);
      while (newline >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(buffer[newline] === "\r" ? newline + 2 : newline + 1);
        if (line.startsWith("data:")) yield line.slice(line.startsWith("data: ") ? 6 : 5);
        newline = buffer.search(/\r?\n/);
      }
      if (done) {
        if (buffer.startsWith("data:")) yield buffer.slice(buffer.startsWith("data: ") ? 6 : 5);
        return;
      }
    }
  } finally {
    signal?.removeEventListener("abort", cancel);
    // Stopped early (`[DONE]`, an error): the rest of the upstream body is not wanted.
    cancel();
  }
}

/**
 * Scans JSON text as it grows and reports each complete element of the top-level object's `proposals`
 * array (parsed), in order. Knows only JSON's structure (strings, escapes, nesting); whatever comes
 * before the top-level object (a ```json fence) is skipped. The whole text is still parsed and validated
 * at the end: this only makes the cards available early.
 */
export class ProposalScanner {
  private text = "";
  private position = 0;
  /** Open containers: "{" or "[". */
  private readonly stack: string[] = [];
  private inString = false;
  private escaped = false;
  private stringStart = -1;
  /** The last string that closed directly inside the top-level object (the key before a value). */
  private lastKey = "";
  private inProposals = false;
  private itemStart = -1;

  /** The text received so far. */
  get received(): string {
    return this.text;
  }

  /** Adds the next piece of text; returns the proposal elements it completed (parsed JSON values). */
  push(chunk: string): unknown[] {
    this.text += chunk;
    const completed: unknown[] = [];
    const text = this.text;
    for (; this.position < text.length; this.position++) {
      const char = text[this.position];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (char === "\\") this.escaped = true;
        else if (char === '"') {
          this.inString = false;
          if (this.stack.length === 1) this.lastKey = text.slice(this.stringStart + 1, this.position);
        }
        continue;
      }
      switch (char) {
        case '"':
          this.inString = true;
          this.stringStart = this.position;
          break;
        case "{":
        case "[":
          if (this.inProposals && this.stack.length === 2 && char === "{") this.itemStart = this.position;
          if (this.stack.length === 1 && char === "[" && this.lastKey === "proposals") this.inProposals = true;
          this.stack.push(char);
          break;
        case "}":
        case "]":
          this.stack.pop();
          if (this.inProposals && this.stack.length === 2 && char === "}" && this.itemStart >= 0) {
            try {
              completed.push(JSON.parse(text.slice(this.itemStart, this.position + 1)));
            } catch {
              // Not valid JSON after all: the final validation of the whole text reports it.
            }
            this.itemStart = -1;
          }
          if (this.stack.length === 1 && char === "]") this.inProposals = false;
          break;
        case ",":
        case ":":
          // A value other than a string after a key resets nothing; keys are strings only.
          break;
      }
    }
    return completed;
  }
}

/** What one streamed chunk carries: the next piece of the model's text, and whether the model said it is done. */
export type ChunkReader = (chunk: unknown) => { text: string; finished: boolean };

/**
 * Reads an LLM's streamed answer (server-sent events of JSON chunks): every chunk's text goes through a
 * ProposalScanner, each completed proposal element goes to `onProposal` at once, and the whole text is
 * parsed at the end. The stream ends properly with `[DONE]` or a chunk marked finished.
 * @throws ProviderError `timeout` when the signal fires, `upstream_error` when the stream breaks off or ends
 *   early, `invalid_output` for a chunk or a whole text that is not JSON.
 */
export async function readStreamedOutput(
  body: ReadableStream<Uint8Array>,
  signal: AbortSignal,
  onProposal: (raw: unknown) => void,
  readChunk: ChunkReader,
): Promise<unknown> {
  const scanner = new ProposalScanner();
  let complete = false;
  try {
    for await (const data of sseData(body, signal)) {
      if (data.trim() === "[DONE]") {
        complete = true;
        break;
      }
      let chunk: unknown;
      try {
        chunk = JSON.parse(data);
      } catch {
        throw new ProviderError("invalid_output", "The provider streamed a chunk that is not JSON.");
      }
      const { text, finished } = readChunk(chunk);
      for (const item of scanner.push(text)) onProposal(item);
      if (finished) complete = true;
    }
  } catch (error) {
    if (error instanceof ProviderError) throw error;
    throwForAbort(error, signal);
    throw new ProviderError("upstream_error", "The provider's stream broke off.");
  }
  throwForAbort(undefined, signal);
  if (!complete)
    throw new ProviderError("upstream_error", "The provider's stream ended before the answer was complete.");
  return parseJsonOutput(scanner.received);
}
