import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { HarnessError } from '../util/errors.ts';
import { elasticsearchLogSource } from './elasticsearch-logs.ts';
import type { LogsObs } from '../verify/types.ts';

/** One exchange recorded from a real Elasticsearch 7.17.29 (see testdata/README.md). */
interface Exchange {
  method: string;
  url: string;
  status: number;
  headers: Record<string, string>;
  body: unknown;
}
const recorded = (name: string): Exchange[] =>
  JSON.parse(readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8')) as Exchange[];

/** Serves recorded exchanges in order and keeps what the client sent. */
async function replay(exchanges: Exchange[]) {
  const seen: Array<{ method: string; url: string; headers: IncomingHttpHeaders }> = [];
  let next = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      const ex = exchanges[next++];
      if (!ex) {
        res.writeHead(599).end();
        return;
      }
      res.writeHead(ex.status, ex.headers).end(JSON.stringify(ex.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

// The recording's window: 12:00:00–12:00:10 on 2026-11-28, paged by 3.
const START = Date.parse('2026-11-28T12:00:00.000Z') / 1000;
const END = START + 10;
const CFG = { index: 'rec-imageflow-*', malformedQuery: 'tags:_jsonparsefailure', retries: 0 };

describe('elasticsearchLogSource (recorded from Elasticsearch 7.17.29)', () => {
  it('reads the whole window through the scroll, in time order, with the exact total and the malformed count', async () => {
    const es = await replay(recorded('es-7.17.29-window.json'));
    const src = elasticsearchLogSource({ url: es.url, ...CFG }, {}, { pageSize: 3 });
    if (src instanceof HarnessError) throw src;
    const obs = (await src.records(START, END)) as LogsObs;
    await src.close?.();
    expect(obs.kind).toBe('logs');
    expect(obs.total).toBe(8);
    expect(obs.records.map((r) => r.timestamp)).toEqual([...obs.records.map((r) => r.timestamp)].sort());
    expect(obs.records).toHaveLength(8);
    expect(obs.malformed).toBe(1);
    expect(obs.from).toEqual([`elasticsearch ${es.url} index rec-imageflow-*`]);
    expect(es.seen.map((s) => `${s.method} ${s.url.split('?')[0]}`)).toEqual([
      'POST /rec-imageflow-*/_count',
      'POST /rec-imageflow-*/_search',
      'POST /_search/scroll',
      'POST /_search/scroll',
      'POST /_search/scroll',
      // The cursor is freed when done.
      'DELETE /_search/scroll',
    ]);
    // Plain JSON, which Elasticsearch 7.14+, 8 and 9 all accept (no version-pinned header).
    expect(es.seen[1]?.headers['content-type']).toBe('application/json');
    expect(es.seen[1]?.headers.accept).toBe('application/json');
  });

  it('keeps at most `limit` records but still reports the total', async () => {
    const es = await replay(recorded('es-7.17.29-window.json'));
    const src = elasticsearchLogSource({ url: es.url, ...CFG }, {}, { pageSize: 3, limit: 4 });
    if (src instanceof HarnessError) throw src;
    const obs = (await src.records(START, END)) as LogsObs;
    expect(obs.records).toHaveLength(4);
    expect(obs.total).toBe(8);
    expect(es.seen.at(-1)?.method).toBe('DELETE');
  });

  it('says "no index matches" rather than "no records" when the pattern matches nothing', async () => {
    const es = await replay(recorded('es-7.17.29-no-index.json'));
    const src = elasticsearchLogSource({ url: es.url, index: 'rec-nothing-*', retries: 0 }, {});
    if (src instanceof HarnessError) throw src;
    const r = await src.records(0, 1);
    expect(r).toBeInstanceOf(HarnessError);
    expect((r as HarnessError).code).toBe('SOURCE_NO_INDEX');
    expect((r as HarnessError).message).toContain('rec-nothing-*');
  });

  it('refuses a server that does not identify itself as Elasticsearch', async () => {
    const stripped = recorded('es-7.17.29-window.json').map((e) => ({
      ...e,
      headers: { 'content-type': e.headers['content-type'] ?? 'application/json' },
    }));
    const es = await replay(stripped);
    const src = elasticsearchLogSource({ url: es.url, ...CFG }, {});
    if (src instanceof HarnessError) throw src;
    const r = await src.records(START, END);
    expect((r as HarnessError).code).toBe('SOURCE_NOT_ELASTICSEARCH');
    expect((r as HarnessError).hint).toContain('OpenSearch');
  });

  it('sends the API key from the environment and never echoes it', async () => {
    const es = await replay(recorded('es-7.17.29-no-index.json'));
    const src = elasticsearchLogSource(
      { url: es.url, index: 'rec-nothing-*', apiKeyEnv: 'ES_KEY', retries: 0 },
      { ES_KEY: 's3cr3t-key' },
    );
    if (src instanceof HarnessError) throw src;
    const r = (await src.records(0, 1)) as HarnessError;
    expect(es.seen[0]?.headers.authorization).toBe('ApiKey s3cr3t-key');
    expect(`${r.message} ${r.where ?? ''} ${r.hint ?? ''}`).not.toContain('s3cr3t');
  });

  it('is an error value when the store is down, naming where', async () => {
    const es = await replay([]);
    servers.pop()?.close();
    const src = elasticsearchLogSource({ url: es.url, index: 'x', retries: 0 }, {});
    if (src instanceof HarnessError) throw src;
    const r = (await src.records(0, 1)) as HarnessError;
    expect(r.code).toBe('SOURCE_UNREACHABLE');
    expect(r.where).toBe(`elasticsearch ${es.url} index x`);
  });

  it('rejects credentials in the URL and names a missing credential variable', () => {
    const inUrl = elasticsearchLogSource({ url: 'https://elastic:pw@es.example.com', index: 'x' }, {});
    expect((inUrl as HarnessError).code).toBe('CONFIG_SECRET_IN_URL');
    expect((inUrl as HarnessError).message).not.toContain('pw');
    const noEnv = elasticsearchLogSource(
      { url: 'https://es.example.com', index: 'x', usernameEnv: 'ES_USER', passwordEnv: 'ES_PASS' },
      { ES_USER: 'elastic' },
    );
    expect((noEnv as HarnessError).code).toBe('CONFIG_AUTH_ENV');
    expect((noEnv as HarnessError).message).toContain('ES_PASS');
  });
});
