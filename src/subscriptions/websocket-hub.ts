import type { WebSocket } from 'ws';
import type { AuthContext } from '../auth/context';

export interface WebsocketHubDeps {
  /** The caller of `token` (undefined: none was given); throws when it may not be used now. */
  authenticate(token: string | undefined): Promise<AuthContext>;
  /** Why `auth` may not bind Subscription `id`, or undefined when it may. */
  bindRefusal(auth: AuthContext, id: string): Promise<string | undefined>;
  onError(err: unknown): void;
  /** A connection with nothing bound this long after it opened is closed (default 30 s). */
  bindTimeoutMs?: number;
}

const BIND = /^bind ([A-Za-z0-9.-]{1,64})(?: +([A-Za-z0-9._~+/=-]+))?$/;
/** Most subscriptions one connection may bind. */
const MAX_BINDS = 100;

/**
 * The R4 websocket channel (https://hl7.org/fhir/R4/subscription.html#2.46.7.2) on one instance:
 * a client sends `bind <id>` and is answered `bound <id>`; when a notification of that
 * Subscription is due, it is sent `ping <id>` and searches for what changed. The access token
 * comes from the upgrade request's `Authorization: Bearer` header or, for browsers that cannot
 * set one, as `bind <id> <token>`. It is checked at bind (the client must be the Subscription's
 * owner, like a read of it) and again before every ping (an expired or revoked token ends the
 * binding with `error <id> …`). A refused bind answers `error <id> …`, the same for an id that
 * is hidden and one that does not exist.
 */
export class WebsocketHub {
  /** Per Subscription id: the sockets bound to it and the token each bound with. */
  private readonly bound = new Map<string, Map<WebSocket, string | undefined>>();

  constructor(private readonly deps: WebsocketHubDeps) {}

  /** Serve one connection; `headerToken` is the upgrade request's bearer token, if any. */
  accept(socket: WebSocket, headerToken: string | undefined): void {
    const mine = new Set<string>();
    // a connection that binds nothing holds a socket for nothing
    const idle = setTimeout(() => mine.size === 0 && socket.close(1008, 'no subscription bound'), this.deps.bindTimeoutMs ?? 30_000);
    idle.unref();
    socket.on('error', () => socket.terminate());
    socket.on('message', (data, isBinary) => {
      if (isBinary) return socket.close(1003, 'text messages only');
      this.onMessage(socket, String(data).trim(), headerToken, mine).catch((err) => {
        this.deps.onError(err);
        socket.close(1011, 'server error');
      });
    });
    socket.on('close', () => {
      clearTimeout(idle);
      for (const id of mine) this.unbind(id, socket);
    });
  }

  /** Send `ping <id>` to every socket bound to Subscription `id` here whose token is still good. */
  async ping(id: string): Promise<void> {
    const sockets = this.bound.get(id);
    if (!sockets) return;
    await Promise.all(
      [...sockets].map(async ([socket, token]) => {
        try {
          await this.deps.authenticate(token);
        } catch {
          this.unbind(id, socket);
          return socket.send(`error ${id} the access token is no longer valid: bind again with a new one`);
        }
        socket.send(`ping ${id}`);
      }),
    );
  }

  /** Close every connection (shutdown). */
  close(): void {
    for (const sockets of this.bound.values()) for (const socket of sockets.keys()) socket.close(1001, 'server shutting down');
    this.bound.clear();
  }

  private async onMessage(socket: WebSocket, text: string, headerToken: string | undefined, mine: Set<string>): Promise<void> {
    const m = BIND.exec(text);
    if (!m) return socket.send('error expected: bind <id> [access token]');
    const [, id, given] = m;
    const token = given ?? headerToken;
    let auth: AuthContext;
    try {
      auth = await this.deps.authenticate(token);
    } catch {
      return socket.send(`error ${id} an access token is required (Authorization: Bearer, or bind <id> <token>) and must be valid`);
    }
    const refusal = await this.deps.bindRefusal(auth, id);
    if (refusal) return socket.send(`error ${id} ${refusal}`);
    if (!mine.has(id) && mine.size >= MAX_BINDS) return socket.send(`error ${id} at most ${MAX_BINDS} subscriptions per connection`);
    mine.add(id);
    let sockets = this.bound.get(id);
    if (!sockets) this.bound.set(id, (sockets = new Map()));
    sockets.set(socket, token);
    socket.send(`bound ${id}`);
  }

  private unbind(id: string, socket: WebSocket): void {
    const sockets = this.bound.get(id);
    sockets?.delete(socket);
    if (sockets?.size === 0) this.bound.delete(id);
  }
}
