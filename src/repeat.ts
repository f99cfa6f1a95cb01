/**
 * Run `work` now-ish and then `intervalMs` after each run ends (never two at once); errors go to
 * `onError`. The returned function stops the timer and waits for a run in progress.
 */
export function repeat(work: () => Promise<unknown>, intervalMs: number, onError: (err: unknown) => void): () => Promise<void> {
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    running = work()
      .then(() => undefined, onError)
      .finally(() => {
        if (timer !== undefined) timer = setTimeout(tick, intervalMs).unref();
      });
  };
  timer = setTimeout(tick, intervalMs).unref();
  return async () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    await running;
  };
}
