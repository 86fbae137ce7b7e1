/**
 * POST /generations as a server-sent event stream (`Accept: text/event-stream`): `proposal` events as the cards
 * arrive, then `generation` with exactly the JSON mode's 201 body, or `error` with the problem document.
 */
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { AppEnv } from "../../env";
import { ApiError, internalError } from "../../lib/errors";
import { toProblem } from "../../lib/problem";
import type { StartedGeneration } from "./generations.handlers";

/** Whether the client asked for the event stream (JSON stays the default, also for `*\/*`). */
export function wantsEventStream(accept: string | undefined): boolean {
  return /(?:^|,)\s*text\/event-stream\s*(?:[;,]|$)/iu.test(accept ?? "");
}

/**
 * Answers 200 with the event stream of a started generation (its checks and reservations already passed). The
 * provider call and the final write run as one promise handed to `waitUntil`: a client that disconnects does not
 * stop them, so the generation, its error log and the Idempotency-Key are always completed.
 */
export function streamGeneration(c: Context<AppEnv>, started: StartedGeneration): Response {
  if (started.replay) c.header("Idempotent-Replayed", "true");
  c.header("Cache-Control", "no-store");
  return streamSSE(c, async (stream) => {
    // Writes are queued, never awaited by the work: a slow or gone reader must not hold up the generation.
    let writes = Promise.resolve();
    const queue = (event: string, data: unknown) => {
      writes = writes.then(() => stream.writeSSE({ event, data: JSON.stringify(data) })).catch(() => undefined);
    };
    const queueProposal = (proposal: { front: string; back: string }, index: number) => {
      queue("proposal", { index, front: proposal.front, back: proposal.back });
    };
    if (started.replay) {
      started.replay.proposals.forEach(queueProposal);
      queue("generation", started.replay);
      await writes;
      return;
    }
    const work = started.finish(queueProposal);
    keepAlive(c, work);
    try {
      queue("generation", await work);
    } catch (error) {
      queue("error", toProblem(error instanceof ApiError ? error : internalError(), c.get("requestId")));
    }
    await writes;
  });
}

/** Hands the work to the runtime so it outlives a disconnected client (no execution context in unit calls). */
function keepAlive(c: Context<AppEnv>, work: Promise<unknown>): void {
  try {
    c.executionCtx.waitUntil(work.catch(() => undefined));
  } catch {
    // app.request() without an execution context: the awaiting stream keeps the work alive instead.
  }
}
