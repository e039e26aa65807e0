/**
 * HTTP below supertest: an app listening on an ephemeral port (so that many requests share one
 * server), and a raw request whose body is sent chunked.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';

/** Listens on an ephemeral port, so that many requests share one server. */
export async function listen(app: express.Express): Promise<{ server: http.Server; close(): Promise<void> }> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface RawResponse {
  status?: number;
  headers?: http.IncomingHttpHeaders;
  body?: Buffer;
  /** Set when the connection failed before a complete response arrived. */
  error?: Error;
}

/**
 * A raw HTTP request whose body is sent with `Transfer-Encoding: chunked` (no Content-Length),
 * one chunk per element of `chunks`, yielding to the event loop between chunks.
 */
export async function chunkedRequest(
  app: express.Express,
  options: { method: string; path: string; headers: Record<string, string>; chunks: Buffer[] },
): Promise<RawResponse> {
  const { server, close } = await listen(app);
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise<RawResponse>((resolve) => {
      let settled = false;
      const settle = (r: RawResponse): void => {
        if (!settled) {
          settled = true;
          resolve(r);
        }
      };
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: options.method,
          path: options.path,
          headers: { ...options.headers, 'Transfer-Encoding': 'chunked' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => settle({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', (error) => settle({ error }));
        },
      );
      req.on('error', (error) => settle({ error }));
      void (async () => {
        for (const chunk of options.chunks) {
          if (req.destroyed) return;
          req.write(chunk);
          await new Promise((r) => setTimeout(r, 5));
        }
        if (!req.destroyed) req.end();
      })();
    });
  } finally {
    await close();
  }
}
