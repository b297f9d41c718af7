import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DEFAULT_SERVICES } from '../../config/telemetry-names.ts';
import type { CheckBase } from '../../model/check.ts';
import type { EvalContext } from '../../model/context.ts';
import type { Ledger } from '../../model/ledger.ts';
import type { TraceRequest } from '../../model/trace.ts';
import { traceEnd } from '../traces/plan.ts';
import { measureLink, traceLink as link } from '../traces/trace-link.ts';
import { isTraceQueryError, parseTraceQuery, type TraceQuery } from '../traces/trace-query.ts';
import { isoRange, unexpected, verdict, violated } from '../verdict.ts';
import { parseRuleGroup } from './prometheus-rules.ts';
import { defineKind } from './kind.ts';

/** What drives the alert's condition, read from the ledger: traffic, a 5xx answer, a failed execution. */
export type Driven = 'traffic' | 'http-5xx' | 'failed-step';

/**
 * TP-5: an alert's `trace_query` annotation (spec rule file) as a Jaeger search over the
 * window; it must find traces when the alert's condition was driven.
 */
export interface AlertTraceLinkCheck extends CheckBase {
  source: 'alert-trace-link';
  /** The spec's rule file (relative to the check's file) and its group. */
  rulesFile: string;
  group: string;
  alert: string;
  driven: Driven;
  /** Traces the search asks for at most (default 200). */
  limit?: number;
  /** Filled in by the loader: the parsed annotation and the annotation itself. */
  query?: TraceQuery;
  traceQuery?: string;
}

const DRIVEN_WHAT: Record<Driven, string> = {
  traffic: 'no request in the ledger',
  'http-5xx': 'no 5xx response in the ledger',
  'failed-step': 'no failed execution in the ledger',
};

/** Whether the ledger shows the condition driven; `undefined` without a ledger. */
export function drivenIn(d: Driven, ledger: Ledger | undefined): boolean | undefined {
  if (!ledger) return undefined;
  if (d === 'traffic') return ledger.requests.total > 0;
  if (d === 'http-5xx') return (ledger.requests.byStatusClass['5xx'] ?? 0) > 0;
  return (ledger.executions.byOutcome.failed ?? 0) > 0;
}

/** The spec's service name as the store holds it: through the target's `services` names. */
export function storeService(specName: string, ctx: EvalContext): string {
  const logical = Object.entries(DEFAULT_SERVICES).find(([, t]) => t === specName)?.[0] ?? specName;
  return ctx.target.services?.[logical] ?? specName;
}

const list = (xs: string[], n = 10) => xs.slice(0, n).join(', ') + (xs.length > n ? `, … (${xs.length - n} more)` : '');

export const alertTraceLink = defineKind<AlertTraceLinkCheck>({
  source: 'alert-trace-link',
  schema: {
    properties: {
      rulesFile: { type: 'string' },
      group: { type: 'string' },
      alert: { type: 'string' },
      driven: { enum: ['traffic', 'http-5xx', 'failed-step'] },
      limit: { type: 'integer', minimum: 1, maximum: 1000 },
    },
    required: ['rulesFile', 'group', 'alert', 'driven'],
  },
  async load(check, { dir, where, problems }) {
    let text: string;
    try {
      text = await readFile(resolve(dir, check.rulesFile), 'utf8');
    } catch (err) {
      problems.push(`${where}/rulesFile: cannot read ${check.rulesFile}: ${(err as Error).message}`);
      return;
    }
    const g = parseRuleGroup(text, check.group);
    if (typeof g === 'string') return void problems.push(`${where}/group: ${g} in ${check.rulesFile}`);
    const rule = g.rules.find((r) => r.alert === check.alert);
    if (!rule) return void problems.push(`${where}/alert: no alert ${check.alert} in ${check.rulesFile}`);
    const tq = rule.annotations.trace_query;
    if (tq === undefined) return void problems.push(`${where}/alert: ${check.alert} has no trace_query annotation`);
    const q = parseTraceQuery(tq);
    if (isTraceQueryError(q))
      return void problems.push(`${where}/alert: ${check.alert}'s trace_query col ${q.col}: ${q.error} in "${tq}"`);
    check.query = q;
    check.traceQuery = tq;
  },
  requests(check, ctx, _ledger, win) {
    const q = check.query;
    if (!q) return [];
    const service = storeService(q.service, ctx);
    const reqs: TraceRequest[] = [
      { key: 'services', backend: 'traces', op: 'services' },
      {
        key: 'found',
        backend: 'traces',
        op: 'find',
        service,
        ...(q.operation !== undefined ? { operation: q.operation } : {}),
        start: win.start,
        // Traces the run began: none after its end (5 s for clock skew).
        end: traceEnd(ctx) + 5,
        limit: check.limit ?? 200,
      },
    ];
    if (q.operation !== undefined) reqs.push({ key: 'operations', backend: 'traces', op: 'operations', service });
    return reqs;
  },
  evaluate(check, obs, ctx, ledger, win) {
    const q = check.query;
    const common = {
      queries: check.traceQuery ? [check.traceQuery] : [],
      range: isoRange({ start: win.start, end: traceEnd(ctx) }),
      expected: `the search finds traces of ${check.alert}'s trace_query when its condition was driven`,
    };
    if (!q) return verdict(check, 'inconclusive', 'no trace_query loaded', { ...common, reason: 'not loaded' });
    const service = storeService(q.service, ctx);
    const named = service === q.service ? `"${service}"` : `"${service}" (the link's "${q.service}")`;
    const services = obs.services;
    const found = obs.found;
    if (services?.kind !== 'trace-services')
      return verdict(check, 'inconclusive', 'unexpected observation', {
        ...common,
        reason: unexpected(services, 'trace-services'),
      });
    if (found?.kind !== 'trace-find')
      return verdict(check, 'inconclusive', 'unexpected observation', {
        ...common,
        reason: unexpected(found, 'trace-find'),
      });
    if (!services.services.includes(service))
      return verdict(
        check,
        violated(check),
        `Jaeger knows no service ${named}; it has: ${list(services.services) || 'none'}`,
        {
          ...common,
          observed: `services: ${services.services.join(', ')}`,
          details: { services: services.services },
        },
      );
    const ops = obs.operations;
    if (q.operation !== undefined) {
      if (ops?.kind !== 'trace-operations')
        return verdict(check, 'inconclusive', 'unexpected observation', {
          ...common,
          reason: unexpected(ops, 'trace-operations'),
        });
      if (!ops.operations.includes(q.operation))
        return verdict(
          check,
          violated(check),
          `Jaeger has no operation "${q.operation}" for ${named}; its operations: ${list(ops.operations) || 'none'}`,
          { ...common, observed: `${ops.operations.length} operations`, details: { operations: ops.operations } },
        );
    }
    const m = measureLink(q, service, found);
    const details = { service, query: q, traces: m.traces, matched: m.matched.length, tags: m.tags };
    if (m.matched.length > 0)
      return verdict(
        check,
        'pass',
        `${m.matched.length} of ${m.traces} traces of ${service} in the window match ${check.alert}'s trace_query`,
        {
          ...common,
          observed: `${m.matched.length} matching traces`,
          details,
          links: m.matched.slice(0, 3).map((id) => link(found.from, id)),
        },
      );
    const never = m.tags.find((t) => t.never);
    if (never)
      return verdict(check, violated(check), `${check.alert}'s trace_query can never match: ${never.never}`, {
        ...common,
        observed: `0 of ${m.traces} traces match; ${never.key} values seen: ${list(never.seen.map(String))}`,
        details,
      });
    const driven = drivenIn(check.driven, ledger);
    if (driven !== true)
      return verdict(
        check,
        'inconclusive',
        `condition not driven in this run (${driven === undefined ? 'no ledger to tell' : DRIVEN_WHAT[check.driven]}): 0 of ${m.traces} traces of ${service} match`,
        { ...common, observed: `0 of ${m.traces} traces match`, details, reason: 'condition not driven in this run' },
      );
    const seen = m.tags.map((t) => `${t.key}: ${list(t.seen.map(String)) || 'none'}`).join('; ');
    return verdict(
      check,
      violated(check),
      `0 of ${m.traces} traces of ${service} in the window match ${check.alert}'s trace_query although its condition was driven${seen ? ` (values seen: ${seen})` : ''}`,
      { ...common, observed: `0 of ${m.traces} traces match`, details },
    );
  },
});
