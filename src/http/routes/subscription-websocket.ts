import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer } from 'ws';
import type { Listener } from '../../store/listen';
import { bearerFrom } from '../auth-guard';
import { InvalidTokenError } from '../../auth/access-token';
import type { AuthService } from '../../auth/auth-service';
import { DEVELOPMENT_CONTEXT } from '../../auth/context';
import type { SharedDeps } from '../../interactions/types';
import { bindRefusal } from '../../subscriptions/websocket-bind';
import { WebsocketHub } from '../../subscriptions/websocket-hub';

/** Where the websocket channel is served (advertised as `<base>/websocket` with ws: or wss:). */
export const WEBSOCKET_PATH = '/fhir/websocket';

export interface SubscriptionWebsocketOptions {
  shared: SharedDeps;
  /** As the /fhir guard checks tokens (off: every bind runs as the development context). */
  auth: { mode: 'on' | 'off'; service: AuthService };
  /** Hear `ping` notifications of every instance (LISTEN); started at the first connection. */
  listen(onPing: (subscriptionId: string) => void): Promise<Listener>;
}

/**
 * The websocket channel's endpoint on the HTTP server: an upgrade of `GET /fhir/websocket` is
 * handed to the hub (the protocol, token checks and bindings live there); any other upgrade is
 * refused. Pings are published by whichever instance delivers a notification and heard by all
 * (a LISTEN connection, opened when the first client connects, so an instance nobody connects
 * to holds none).
 */
export function registerSubscriptionWebsocket(app: FastifyInstance, options: SubscriptionWebsocketOptions): void {
  const onError = (err: unknown) => app.log.error({ err }, 'subscription websocket failed');
  const { auth, shared } = options;
  const hub = new WebsocketHub({
    authenticate: async (token) => {
      if (auth.mode === 'off') return DEVELOPMENT_CONTEXT;
      if (!token) throw new InvalidTokenError('An access token is required');
      return auth.service.authenticate(token);
    },
    bindRefusal: (caller, id) => bindRefusal(shared, caller, id),
    onError,
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 8192 });
  let listening: Promise<Listener> | undefined;
  const pings = () => {
    listening ??= options.listen((id) => void hub.ping(id).catch(onError)).catch((err) => {
      listening = undefined;
      throw err;
    });
    return listening;
  };
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== WEBSOCKET_PATH) return refuse(socket, '404 Not Found');
    pings().then(
      () => wss.handleUpgrade(req, socket, head, (ws) => hub.accept(ws, bearerFrom(req.headers.authorization))),
      (err) => {
        onError(err);
        refuse(socket, '503 Service Unavailable');
      },
    );
  });
  // before the HTTP server closes: it would wait for upgraded connections
  app.addHook('preClose', async () => {
    hub.close();
    for (const client of wss.clients) client.terminate();
    wss.close();
  });
  app.addHook('onClose', async () => {
    const listener = await listening?.catch(() => undefined);
    await listener?.stop();
  });
}

function refuse(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
