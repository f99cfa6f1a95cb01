/**
 * Polls `check` until it answers true or `timeoutMs` passes; resolves with its last answer.
 * For effects another process may hold back for a moment under load (an audit record claimed
 * by another test file's drainer with FOR UPDATE SKIP LOCKED, a group commit not yet flushed).
 */
export async function eventually(check: () => Promise<boolean>, { timeoutMs = 30_000, intervalMs = 250 } = {}): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
