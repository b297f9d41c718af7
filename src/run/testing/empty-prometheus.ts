import { createServer, type Server } from 'node:http';

/** A Prometheus that answers every query with an empty vector: no scrape ever arrives, settling never ends. */
export function emptyPrometheus(): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve({
        url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    }),
  );
}
