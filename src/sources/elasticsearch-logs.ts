import { readFileSync } from 'node:fs';
import { Client, errors } from '@elastic/elasticsearch';
import { HarnessError } from '../util/errors.ts';
import type { LogsObs } from '../model/observation.ts';
import type { LogStore, TraceLookup } from './logs.ts';

/**
 * Where the application logs are stored in Elasticsearch (ARCH-4: apps → Fluentd → ES).
 * Secrets never sit in config: the credentials are named by environment variables.
 */
export interface ElasticsearchLogConfig {
  url: string;
  /** Index name or pattern, e.g. `imageflow-*` (comma-separated lists work too). */
  index: string;
  /**
   * The time field that places a document in the window: default `@timestamp`, which
   * Fluentd's Elasticsearch output, Filebeat and Logstash set on every document — including
   * the ones they store for a line that was not JSON, which LOG-1's own `timestamp` lacks.
   */
  timeField?: string;
  /**
   * A Lucene query string matching the documents the shipper stored for lines that were not
   * JSON (e.g. `tags:_jsonparsefailure`). Without it such lines cannot be told apart here.
   */
  malformedQuery?: string;
  /** Environment variable holding an API key (`Authorization: ApiKey …`). */
  apiKeyEnv?: string;
  /** Environment variables holding basic-auth credentials. */
  usernameEnv?: string;
  passwordEnv?: string;
  /** A PEM file of the CA that signed the cluster's certificate (default: the system's CAs). */
  caFile?: string;
  timeoutMs?: number;
  /** Attempts after the first one on connection errors and 502/503/504 (the client's own retry). */
  retries?: number;
}

const PAGE = 5000;

/** `elasticsearch http://host:9200 index imageflow-*`: what the verdicts name as the source. */
export function describeStore(cfg: Pick<ElasticsearchLogConfig, 'url' | 'index'>): string {
  return `elasticsearch ${new URL(cfg.url).origin} index ${cfg.index}`;
}

function authFrom(cfg: ElasticsearchLogConfig, env: NodeJS.ProcessEnv) {
  const need = (name: string, what: string): string | HarnessError => {
    const v = env[name];
    if (v === undefined || v === '')
      return new HarnessError(
        'CONFIG_AUTH_ENV',
        `the Elasticsearch ${what} needs environment variable ${name}, which is not set`,
        {
          hint: `export ${name}=…`,
        },
      );
    return v;
  };
  if (cfg.apiKeyEnv) {
    const apiKey = need(cfg.apiKeyEnv, 'API key');
    return apiKey instanceof HarnessError ? apiKey : { apiKey };
  }
  if (cfg.usernameEnv || cfg.passwordEnv) {
    if (!cfg.usernameEnv || !cfg.passwordEnv)
      return new HarnessError('CONFIG_AUTH_ENV', 'Elasticsearch basic auth needs both usernameEnv and passwordEnv');
    const username = need(cfg.usernameEnv, 'user name');
    if (username instanceof HarnessError) return username;
    const password = need(cfg.passwordEnv, 'password');
    return password instanceof HarnessError ? password : { username, password };
  }
  return undefined;
}

/** The client's errors as values with stable codes (never with the credentials). */
export function fromClientError(err: unknown, cfg: Pick<ElasticsearchLogConfig, 'url' | 'index'>): HarnessError {
  const where = describeStore(cfg);
  const origin = new URL(cfg.url).origin;
  if (err instanceof errors.ProductNotSupportedError)
    return new HarnessError('SOURCE_NOT_ELASTICSEARCH', `${origin} does not identify itself as Elasticsearch`, {
      where,
      hint: 'the log source speaks to Elasticsearch 7.14 or later (it checks the X-Elastic-Product header); OpenSearch is not supported',
    });
  if (err instanceof errors.TimeoutError)
    return new HarnessError('SOURCE_TIMEOUT', `Elasticsearch did not answer in time: ${err.message}`, { where });
  if (err instanceof errors.ConnectionError)
    return new HarnessError('SOURCE_UNREACHABLE', `Elasticsearch unreachable: ${err.message}`, {
      where,
      hint: `is Elasticsearch running at ${origin}?`,
    });
  if (err instanceof errors.ResponseError) {
    const status = err.statusCode ?? 0;
    const reason = errorReason(err.body) ?? err.message;
    return new HarnessError(
      status >= 500 ? 'SOURCE_HTTP_5XX' : 'SOURCE_HTTP',
      `Elasticsearch answered HTTP ${status}: ${reason.slice(0, 300)}`,
      {
        where,
        hint:
          status === 401 || status === 403
            ? 'check the credentials (apiKeyEnv, or usernameEnv/passwordEnv) and that they may read the index'
            : undefined,
      },
    );
  }
  return new HarnessError(
    'SOURCE_FAILED',
    `Elasticsearch query failed: ${err instanceof Error ? err.message : String(err)}`,
    {
      where,
      cause: err,
    },
  );
}

function errorReason(body: unknown): string | undefined {
  const e = (body as { error?: { type?: string; reason?: string } } | undefined)?.error;
  return e?.type ? `${e.type}: ${e.reason ?? ''}` : undefined;
}

/** A URL as it may be printed: without any user:password part. */
export function redactUrl(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1…@');
}

interface Page {
  _scroll_id?: string;
  timed_out?: boolean;
  _shards?: { total?: number; failed?: number; failures?: Array<{ reason?: { type?: string; reason?: string } }> };
  hits: {
    total?: number | { value: number; relation?: string };
    hits: Array<{ _source?: Record<string, unknown> }>;
  };
}

/** A page that lacks part of the data is an error, never a smaller truth. */
function partial(page: Pick<Page, 'timed_out' | '_shards'>, what: string): string | undefined {
  if (page.timed_out) return `${what} timed out on the server`;
  const failed = page._shards?.failed ?? 0;
  if (failed > 0) {
    const why = page._shards?.failures?.[0]?.reason;
    return `${what}: ${failed} of ${page._shards?.total ?? '?'} shards failed${why ? ` (${why.type}: ${why.reason})` : ''}`;
  }
  return undefined;
}

/**
 * Application log records from Elasticsearch through the official client. Reads the
 * window by `timeField` with a scroll: every record when the window holds at most `limit`,
 * else a uniform random sample of `limit` (seeded by the window, so a re-run reads the same
 * one), and says which. A timed-out search, a failed shard, a page short of its records or a
 * hit without `_source` is an error (the checks are then inconclusive), never fewer records.
 * Works against Elasticsearch 7.14+, 8 and 9: requests use plain `application/json`, which
 * every one of them accepts, rather than a version-pinned compatibility header.
 */
export function elasticsearchLogSource(
  cfg: ElasticsearchLogConfig,
  env: NodeJS.ProcessEnv = process.env,
  opts: { limit?: number; pageSize?: number; where?: string } = {},
): LogStore | HarnessError {
  const where = opts.where ?? 'logs.url';
  let url: URL;
  try {
    url = new URL(cfg.url);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return new HarnessError('CONFIG_URL', `"${redactUrl(cfg.url)}" is not an http(s) URL of Elasticsearch`, {
      where,
      hint: 'e.g. https://es.example.com:9200',
    });
  if (url.username || url.password)
    return new HarnessError('CONFIG_SECRET_IN_URL', 'the Elasticsearch URL carries credentials', {
      where,
      hint: 'put them in environment variables and name those with apiKeyEnv or usernameEnv/passwordEnv',
    });
  const auth = authFrom(cfg, env);
  if (auth instanceof HarnessError) return auth;
  let ca: string | undefined;
  if (cfg.caFile) {
    try {
      ca = readFileSync(cfg.caFile, 'utf8');
    } catch (err) {
      return new HarnessError('CONFIG_CA_FILE', `cannot read the CA file ${cfg.caFile}`, {
        where,
        cause: err,
        hint: "caFile is a PEM file of the CA that signed the cluster's certificate",
      });
    }
  }
  const limit = opts.limit ?? 50_000;
  const pageSize = Math.min(opts.pageSize ?? PAGE, limit);
  const timeField = cfg.timeField ?? '@timestamp';
  let client: Client;
  try {
    client = new Client({
      node: url.origin + url.pathname.replace(/\/$/, ''),
      ...(auth ? { auth } : {}),
      ...(ca ? { tls: { ca } } : {}),
      requestTimeout: cfg.timeoutMs ?? 10_000,
      maxRetries: cfg.retries ?? 2,
      headers: { accept: 'application/json', 'content-type': 'application/json' },
    });
  } catch (err) {
    return new HarnessError('CONFIG_URL', `the Elasticsearch client refused ${redactUrl(cfg.url)}`, {
      where,
      cause: err,
    });
  }
  const from = [describeStore(cfg)];
  const target = { index: cfg.index, ignore_unavailable: true, allow_no_indices: true };
  const inWindow = (start: number, end: number) => ({
    range: { [timeField]: { gte: Math.floor(start * 1000), lte: Math.ceil(end * 1000), format: 'epoch_millis' } },
  });

  /** Every hit of a query (at most `max`), through a scroll that is always freed. */
  async function scrollAll(
    body: Record<string, unknown>,
    max: number,
    onHit: (src: Record<string, unknown>) => void,
  ): Promise<{ total: number; seen: number; indices: number } | HarnessError> {
    let scrollId: string | undefined;
    try {
      let page = (await client.search({
        ...target,
        scroll: '1m',
        size: Math.min(pageSize, max),
        track_total_hits: true,
        allow_partial_search_results: false,
        ...body,
      })) as unknown as Page;
      scrollId = page._scroll_id;
      const t = page.hits.total;
      const total = typeof t === 'number' ? t : (t?.value ?? 0);
      let seen = 0;
      for (;;) {
        const bad = partial(page, 'the log search');
        if (bad) return new HarnessError('SOURCE_PARTIAL', bad, { where: describeStore(cfg) });
        for (const h of page.hits.hits) {
          if (seen >= max) break;
          if (!h._source || typeof h._source !== 'object')
            return new HarnessError('SOURCE_BAD_RESPONSE', 'a hit came back without its _source', {
              where: describeStore(cfg),
              hint: 'the index must keep _source (it is on by default)',
            });
          onHit(h._source);
          seen++;
        }
        if (page.hits.hits.length === 0 || seen >= max || !scrollId) break;
        page = (await client.scroll({ scroll_id: scrollId, scroll: '1m' })) as unknown as Page;
        scrollId = page._scroll_id ?? scrollId;
      }
      if (seen < Math.min(total, max))
        return new HarnessError('SOURCE_PARTIAL', `the scroll ended after ${seen} of ${Math.min(total, max)} records`, {
          where: describeStore(cfg),
        });
      return { total, seen, indices: page._shards?.total ?? 0 };
    } catch (err) {
      return fromClientError(err, cfg);
    } finally {
      // Frees the server-side cursor; if that fails it expires by itself after a minute.
      if (scrollId) await client.clearScroll({ scroll_id: scrollId }).catch(() => undefined);
    }
  }

  async function count(query: Record<string, unknown>, what: string): Promise<number | HarnessError> {
    try {
      const r = (await client.count({ ...target, query })) as { count?: unknown } & Pick<Page, '_shards'>;
      const bad = partial(r, what);
      if (bad) return new HarnessError('SOURCE_PARTIAL', bad, { where: describeStore(cfg) });
      if (typeof r.count !== 'number')
        return new HarnessError('SOURCE_BAD_RESPONSE', `${what}: the answer has no count`, {
          where: describeStore(cfg),
        });
      return r.count;
    } catch (err) {
      return fromClientError(err, cfg);
    }
  }

  const findTraces: TraceLookup = async (ids, start, end) => {
    const found = new Set<string>();
    // A trace ID is exact text: match it as a keyword field or as its `.keyword` sub-field.
    for (let i = 0; i < ids.length; i += 1000) {
      const chunk = ids.slice(i, i + 1000);
      const r = await scrollAll(
        {
          _source: ['trace_id'],
          query: {
            bool: {
              filter: [inWindow(start, end)],
              should: [{ terms: { trace_id: chunk } }, { terms: { 'trace_id.keyword': chunk } }],
              minimum_should_match: 1,
            },
          },
        },
        Number.MAX_SAFE_INTEGER,
        (src) => {
          if (typeof src.trace_id === 'string') found.add(src.trace_id);
        },
      );
      if (r instanceof HarnessError) return r;
    }
    return { found: [...found], from };
  };

  return {
    store: 'elasticsearch',
    findTraces,
    records: async (start, end) => {
      const obs: LogsObs = { kind: 'logs', store: 'elasticsearch', from, records: [], malformed: undefined, total: 0 };
      if (cfg.malformedQuery) {
        const bad = await count(
          { bool: { filter: [inWindow(start, end), { query_string: { query: cfg.malformedQuery } }] } },
          'the malformed-record count',
        );
        if (bad instanceof HarnessError) return bad;
        obs.malformed = bad;
      }
      const n = await count({ bool: { filter: [inWindow(start, end)] } }, 'the log count');
      if (n instanceof HarnessError) return n;
      const query = { bool: { filter: [inWindow(start, end)] } };
      const r = await scrollAll(
        n > limit
          ? {
              // More than we keep: a uniform sample across the whole window, not its first part.
              query: { function_score: { query, random_score: { seed: Math.floor(start), field: '_seq_no' } } },
              sort: ['_score'],
            }
          : { query, sort: [{ [timeField]: { order: 'asc', unmapped_type: 'date' } }, '_doc'] },
        limit,
        (src) => obs.records.push(src),
      );
      if (r instanceof HarnessError) return r;
      obs.total = r.total;
      obs.sampled = n > limit;
      if (r.total === 0 && r.indices === 0)
        // An empty window and a pattern that matches no index read alike: tell them apart.
        return new HarnessError('SOURCE_NO_INDEX', `no index matches "${cfg.index}"`, {
          where: describeStore(cfg),
          hint: 'check logs.index against `GET _cat/indices` of that cluster',
        });
      return obs;
    },
    close: () => client.close(),
  };
}
