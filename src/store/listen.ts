import { Client, type Pool } from 'pg';

export interface Listener {
  stop(): Promise<void>;
}

export interface ListenHandlers {
  /** A notification on the channel (its payload), committed by any session. */
  onChange(payload: string): void;
  /** The connection was (re)established: notifications may have been missed before it. */
  onConnected(): void;
  onError?(err: unknown): void;
}

/**
 * LISTEN on `channel` over a connection of its own (not one of the pool's, so the pool can end
 * while it listens), with the pool's settings. A lost connection is re-opened after a second,
 * and `onConnected` runs again, since what was committed meanwhile was not heard.
 */
export async function listenOn(pool: Pool, channel: string, applicationName: string, handlers: ListenHandlers): Promise<Listener> {
  let stopped = false;
  let client: Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const c = new Client({ ...pool.options, application_name: applicationName });
    c.on('notification', (n) => n.channel === channel && n.payload && handlers.onChange(n.payload));
    c.on('error', (err) => {
      handlers.onError?.(err);
      lost(c);
    });
    c.on('end', () => lost(c));
    await c.connect();
    await c.query(`LISTEN ${channel}`);
    if (stopped) return void (await c.end().catch(() => undefined));
    client = c;
    handlers.onConnected();
  };
  const schedule = () => {
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      connect().catch((err) => {
        handlers.onError?.(err);
        schedule();
      });
    }, 1000);
    retry.unref();
  };
  const lost = (c: Client) => {
    if (stopped || client !== c) return;
    client = undefined;
    c.end().catch(() => undefined);
    schedule();
  };
  await connect();
  return {
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}
