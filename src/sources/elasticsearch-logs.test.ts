import type { IncomingHttpHeaders } from 'node:http';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HarnessError } from '../util/errors.ts';
import { testServerPerTest } from './testing/server.ts';
import { elasticsearchLogSource } from './elasticsearch-logs.ts';
import type { LogsObs } from '../model/observation.ts';

/** One exchange recorded from a real Elasticsearch 7.17.29 (see testdata/README.md). */
interface Exchange {
  method: string;
  url: string;
  requestBody?: unknown;
  status: number;
  headers: Record<string, string>;
  body: unknown;
}
const recorded = (name: string): Exchange[] =>
  JSON.parse(readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8')) as Exchange[];

const serve = testServerPerTest();

/** Serves recorded exchanges in order and keeps what the client sent. */
async function replay(exchanges: Exchange[]) {
  const seen: Array<{ method: string; url: string; headers: IncomingHttpHeaders; body: unknown }> = [];
  let next = 0;
  const server = await serve((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: text ? (JSON.parse(text) as unknown) : undefined,
      });
      const ex = exchanges[next++];
      if (!ex) {
        res.writeHead(599).end();
        return;
      }
      res.writeHead(ex.status, ex.headers).end(JSON.stringify(ex.body));
    });
  });
  return { url: server.url, seen, close: server.close };
}

// The recording's window: 12:00:00–12:00:10 on 2026-11-28, paged by 3.
const START = Date.parse('2026-11-28T12:00:00.000Z') / 1000;
const END = START + 10;
const CFG = { index: 'rec-imageflow-*', malformedQuery: 'tags:_jsonparsefailure', retries: 0 };
const WINDOW = 'es-7.17.29-window.json';

async function read(exchanges: Exchange[], opts: { limit?: number } = {}) {
  const es = await replay(exchanges);
  const src = elasticsearchLogSource({ url: es.url, ...CFG }, {}, { pageSize: 3, ...opts });
  if (src instanceof HarnessError) throw src;
  const r = await src.records(START, END);
  await src.close?.();
  return { r, es };
}
/** The window's recording with one response changed (what a degraded cluster answers). */
function degraded(change: (ex: Exchange, i: number) => void): Exchange[] {
  const xs = recorded(WINDOW);
  xs.forEach(change);
  return xs;
}
const bodyOf = (ex: Exchange) => ex.body as Record<string, unknown> & { hits?: { hits: unknown[] } };

describe('elasticsearchLogSource (recorded from Elasticsearch 7.17.29)', () => {
  it('reads the whole window by @timestamp through the scroll, in time order, with the exact total and the malformed count', async () => {
    const { r, es } = await read(recorded(WINDOW));
    const obs = r as LogsObs;
    expect(obs.kind).toBe('logs');
    // Seven records and the shipper's document for a line that did not parse.
    expect(obs.total).toBe(8);
    expect(obs.records).toHaveLength(8);
    expect(obs.sampled).toBe(false);
    expect(obs.malformed).toBe(1);
    const times = obs.records.map((x) => String(x['@timestamp']));
    expect(times).toEqual([...times].sort());
    expect(obs.from).toEqual([`elasticsearch ${es.url} index rec-imageflow-*`]);
    expect(es.seen.map((x) => `${x.method} ${x.url.split('?')[0]}`)).toEqual([
      'POST /rec-imageflow-*/_count',
      'POST /rec-imageflow-*/_count',
      'POST /rec-imageflow-*/_search',
      'POST /_search/scroll',
      'POST /_search/scroll',
      'POST /_search/scroll',
      // The cursor is freed when done.
      'DELETE /_search/scroll',
    ]);
    // The requests are the ones the real server answered: range, sort, totals, partial results off.
    expect(es.seen.map((x) => [x.url, x.body])).toEqual(recorded(WINDOW).map((x) => [x.url, x.requestBody]));
    expect(es.seen[2]?.url).toContain('allow_partial_search_results=false');
    // Plain JSON, which Elasticsearch 7.14+, 8 and 9 all accept (no version-pinned header).
    expect(es.seen[2]?.headers['content-type']).toBe('application/json');
    expect(es.seen[2]?.headers.accept).toBe('application/json');
  });

  it('past the limit it reads a uniform random sample of the window (not its first part) and says so', async () => {
    const { r, es } = await read(recorded('es-7.17.29-sample.json'), { limit: 4 });
    const obs = r as LogsObs;
    expect(obs.records).toHaveLength(4);
    expect(obs.total).toBe(8);
    expect(obs.sampled).toBe(true);
    expect(JSON.stringify(es.seen[2]?.body)).toContain('random_score');
    expect(es.seen.at(-1)?.method).toBe('DELETE');
  });

  it('says "no index matches" rather than "no records" when the pattern matches nothing', async () => {
    const es = await replay(recorded('es-7.17.29-no-index.json'));
    const src = elasticsearchLogSource({ url: es.url, ...CFG, index: 'rec-nothing-*' }, {});
    if (src instanceof HarnessError) throw src;
    const r = await src.records(START, END);
    expect(r).toBeInstanceOf(HarnessError);
    expect((r as HarnessError).code).toBe('SOURCE_NO_INDEX');
    expect((r as HarnessError).message).toContain('rec-nothing-*');
  });

  it('finds trace IDs exactly, by keyword or .keyword, however many records the window holds', async () => {
    const rec = recorded('es-7.17.29-traces.json');
    const es = await replay(rec);
    const src = elasticsearchLogSource({ url: es.url, ...CFG }, {}, { pageSize: 3 });
    if (src instanceof HarnessError) throw src;
    const ids = ['2'.padStart(32, 'a'), '5'.padStart(32, 'a'), 'f'.repeat(32)];
    const r = await src.findTraces(ids, START - 60, START + 600);
    expect(r).not.toBeInstanceOf(HarnessError);
    expect((r as { found: string[] }).found.sort()).toEqual(ids.slice(0, 2).sort());
    expect(es.seen.map((x) => x.body)).toEqual(rec.map((x) => x.requestBody));
  });

  describe('a degraded cluster is an error (inconclusive), never fewer records', () => {
    it('a failed shard', async () => {
      const { r } = await read(
        degraded((ex, i) => {
          if (i === 2) bodyOf(ex)._shards = { total: 2, successful: 1, skipped: 0, failed: 1 };
        }),
      );
      expect((r as HarnessError).code).toBe('SOURCE_PARTIAL');
      expect((r as HarnessError).message).toMatch(/1 of 2 shards failed/);
    });

    it('a search that timed out', async () => {
      const { r } = await read(
        degraded((ex, i) => {
          if (i === 3) bodyOf(ex).timed_out = true;
        }),
      );
      expect((r as HarnessError).code).toBe('SOURCE_PARTIAL');
    });

    it('a scroll that ends before the total', async () => {
      const { r } = await read(
        degraded((ex, i) => {
          if (i === 4) bodyOf(ex).hits!.hits = [];
        }),
      );
      expect((r as HarnessError).code).toBe('SOURCE_PARTIAL');
      expect((r as HarnessError).message).toMatch(/after 6 of 8 records/);
    });

    it('a hit without _source, and a count without a number', async () => {
      const noSource = await read(
        degraded((ex, i) => {
          if (i === 2) delete (bodyOf(ex).hits!.hits[0] as { _source?: unknown })._source;
        }),
      );
      expect((noSource.r as HarnessError).code).toBe('SOURCE_BAD_RESPONSE');
      const noCount = await read(
        degraded((ex, i) => {
          if (i === 0) delete bodyOf(ex).count;
        }),
      );
      expect((noCount.r as HarnessError).code).toBe('SOURCE_BAD_RESPONSE');
    });
  });
  it('refuses a server that does not identify itself as Elasticsearch', async () => {
    const stripped = recorded(WINDOW).map((e) => ({
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
    await es.close();
    const src = elasticsearchLogSource({ url: es.url, index: 'x', retries: 0 }, {});
    if (src instanceof HarnessError) throw src;
    const r = (await src.records(0, 1)) as HarnessError;
    expect(r.code).toBe('SOURCE_UNREACHABLE');
    expect(r.where).toBe(`elasticsearch ${es.url} index x`);
  });

  it('rejects credentials in the URL and names a missing credential variable', () => {
    const bad = elasticsearchLogSource({ url: 'http://elastic:hunter2@es host:9200', index: 'x' }, {});
    expect((bad as HarnessError).code).toBe('CONFIG_URL');
    expect((bad as HarnessError).message).not.toContain('hunter2');
    const notHttp = elasticsearchLogSource({ url: 'es:9200', index: 'x' }, {}, { where: '--elasticsearch' });
    expect(notHttp).toMatchObject({ code: 'CONFIG_URL', where: '--elasticsearch' });
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
