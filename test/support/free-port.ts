import { createServer } from 'node:net';

/** Ports this process handed out already: the kernel may offer a port again once it is closed. */
const handedOut = new Set<number>();

/**
 * A loopback TCP port that was free a moment ago (for embedded PostgreSQL and test servers),
 * never one this process handed out before: two instances started side by side (ports taken by
 * two calls in a row, nothing listening yet) would otherwise get the same port now and then.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await unusedPort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
