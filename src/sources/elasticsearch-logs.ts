import { Client, errors } from '@elastic/elasticsearch';
import { HarnessError } from '../util/errors.ts';
import type { LogsObs } from '../verify/types.ts';
import type { LogSource } from './logs.ts';

/**
 * Where the application logs are stored in Elasticsearch (ARCH-4: apps → Fluentd → ES).
 * Secrets never sit in config: the credentials are named by environment variables.
 */
export interface ElasticsearchLogConfig {
  url: string;
  /** Index name or pattern, e.g. `imageflow-*` (comma-separated lists work too). */
  index: string;
  /** The record time field (default `timestamp`, LOG-1's; shippers often add `@timestamp`). */
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

/**
 * Application log records from Elasticsearch through the official client. Reads the
 * window by `timeField` with a scroll (the exact total is counted, at most `limit` records
 * kept), and counts malformed documents when `malformedQuery` says how to find them.
 * Works against Elasticsearch 7.14+, 8 and 9: requests use plain `application/json`, which
 * every one of them accepts, rather than a version-pinned compatibility header.
 */
export function elasticsearchLogSource(
  cfg: ElasticsearchLogConfig,
  env: NodeJS.ProcessEnv = process.env,
  opts: { limit?: number; pageSize?: number } = {},
): LogSource | HarnessError {
  let url: URL;
  try {
    url = new URL(cfg.url);
  } catch {
    return new HarnessError('CONFIG_URL', `"${cfg.url}" is not a valid Elasticsearch URL`);
  }
  if (url.username || url.password)
    return new HarnessError('CONFIG_SECRET_IN_URL', 'the Elasticsearch URL carries credentials', {
      where: 'logs.url',
      hint: 'put them in environment variables and name those with apiKeyEnv or usernameEnv/passwordEnv',
    });
  const auth = authFrom(cfg, env);
  if (auth instanceof HarnessError) return auth;
  const limit = opts.limit ?? 50_000;
  const pageSize = opts.pageSize ?? PAGE;
  const timeField = cfg.timeField ?? 'timestamp';
  const client = new Client({
    node: url.origin + url.pathname.replace(/\/$/, ''),
    ...(auth ? { auth } : {}),
    requestTimeout: cfg.timeoutMs ?? 10_000,
    maxRetries: cfg.retries ?? 2,
    headers: { accept: 'application/json', 'content-type': 'application/json' },
  });
  const from = [describeStore(cfg)];

  return {
    store: 'elasticsearch',
    records: async (start, end) => {
      const inWindow = {
        range: { [timeField]: { gte: Math.floor(start * 1000), lte: Math.ceil(end * 1000), format: 'epoch_millis' } },
      };
      const target = { index: cfg.index, ignore_unavailable: true, allow_no_indices: true };
      const obs: LogsObs = { kind: 'logs', store: 'elasticsearch', from, records: [], malformed: 0, total: 0 };
      let scrollId: string | undefined;
      try {
        if (cfg.malformedQuery) {
          const bad = await client.count({
            ...target,
            query: { bool: { filter: [inWindow, { query_string: { query: cfg.malformedQuery } }] } },
          });
          obs.malformed = bad.count;
        } else obs.malformed = undefined;
        let page = await client.search<Record<string, unknown>>({
          ...target,
          scroll: '1m',
          size: Math.min(pageSize, limit),
          track_total_hits: true,
          sort: [{ [timeField]: { order: 'asc', unmapped_type: 'date' } }, '_doc'],
          query: { bool: { filter: [inWindow] } },
        });
        scrollId = page._scroll_id;
        const total = page.hits.total;
        obs.total = typeof total === 'number' ? total : (total?.value ?? 0);
        for (;;) {
          for (const h of page.hits.hits) {
            if (obs.records.length >= limit) break;
            if (h._source && typeof h._source === 'object') obs.records.push(h._source);
          }
          if (page.hits.hits.length === 0 || obs.records.length >= limit || !scrollId) break;
          page = await client.scroll<Record<string, unknown>>({ scroll_id: scrollId, scroll: '1m' });
          scrollId = page._scroll_id ?? scrollId;
        }
        if (obs.total === 0) {
          // An empty window and a pattern that matches no index read alike: tell them apart.
          const indices = await client.cat
            .indices({ index: cfg.index, format: 'json', expand_wildcards: 'open' })
            .catch((err: unknown) =>
              err instanceof errors.ResponseError && err.statusCode === 404 ? [] : Promise.reject(err),
            );
          if (Array.isArray(indices) && indices.length === 0)
            return new HarnessError('SOURCE_NO_INDEX', `no index matches "${cfg.index}"`, {
              where: describeStore(cfg),
              hint: 'check logs.index against `GET _cat/indices` of that cluster',
            });
        }
        return obs;
      } catch (err) {
        return fromClientError(err, cfg);
      } finally {
        // Free the server-side cursor; failing to is harmless (it expires after a minute).
        if (scrollId) await client.clearScroll({ scroll_id: scrollId }).catch(() => undefined);
      }
    },
    close: () => client.close(),
  };
}
