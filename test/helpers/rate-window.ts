/**
 * The Rate Limiting binding counts in fixed windows aligned to the epoch (`floor(now / period)`, locally
 * in miniflare as in production). A test that sends N requests and expects the (N+1)th to be refused
 * would flake whenever its requests straddle a window boundary, so it starts in a fresh window.
 */
const PERIOD_MS = 60_000;

/**
 * Waits until the current rate-limit window has at least `marginMs` left (at most `marginMs` of waiting),
 * so the requests that follow all count in one window.
 */
export async function startInOneRateWindow(marginMs = 15_000): Promise<void> {
  const left = PERIOD_MS - (Date.now() % PERIOD_MS);
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}
