import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderConfigs, renderTemplate } from './render.ts';
import { DEFAULT_PORTS, SPEC_RULE_FILE, parsePortFlags } from './config.ts';
import { requireDurationMs, parseDuration, formatDuration } from '../util/duration.ts';

const input = {
  host: '127.0.0.1',
  ports: { ...DEFAULT_PORTS, prometheus: 40001, backendApi: 40002 },
  scrapeInterval: '5s',
  scrapeTimeoutMs: 4000,
  evaluationInterval: '5s',
  ruleFiles: [SPEC_RULE_FILE],
  jaegerMaxTraces: 1000,
};

describe('renderTemplate', () => {
  it('fills placeholders and refuses a missing value instead of rendering an empty string', () => {
    expect(renderTemplate('a ${X} b', { X: 1 })).toBe('a 1 b');
    expect(() => renderTemplate('a ${X} ${Y}', { X: 1 }, 't.yml')).toThrow(/t\.yml: no value for Y/);
  });
});

describe('renderConfigs', () => {
  const cfg = renderConfigs(input);
  const prom = parse(cfg.prometheus!.content) as {
    global: Record<string, string>;
    rule_files: string[];
    scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
    alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> };
  };

  it('gives Prometheus the job names the spec queries use, each on loopback', () => {
    const jobs = Object.fromEntries(prom.scrape_configs.map((j) => [j.job_name, j.static_configs[0]!.targets[0]]));
    expect(jobs['backend-api']).toBe('127.0.0.1:40002');
    expect(Object.keys(jobs)).toEqual(
      expect.arrayContaining(['backend-api', 'workflows', 'processing', 'node-exporter', 'jaeger', 'alertmanager']),
    );
    for (const t of Object.values(jobs)) expect(t).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(jobs.jaeger).toBe(`127.0.0.1:${DEFAULT_PORTS.jaegerMetrics}`);
  });

  it('loads the spec rule file and uses the configured intervals', () => {
    expect(prom.rule_files).toEqual([SPEC_RULE_FILE]);
    expect(prom.global.scrape_interval).toBe('5s');
    expect(prom.global.evaluation_interval).toBe('5s');
    expect(prom.global.scrape_timeout).toBe('4000ms');
    expect(prom.alerting.alertmanagers[0]!.static_configs[0]!.targets).toEqual([
      `127.0.0.1:${DEFAULT_PORTS.alertmanager}`,
    ]);
  });

  it('routes every alert to the webhook sink with resolved notifications', () => {
    const am = parse(cfg.alertmanager!.content) as {
      route: { receiver: string };
      receivers: Array<{ name: string; webhook_configs: Array<{ url: string; send_resolved: boolean }> }>;
    };
    expect(am.route.receiver).toBe('harness-webhook');
    expect(am.receivers[0]!.webhook_configs[0]).toEqual({
      url: `http://127.0.0.1:${DEFAULT_PORTS.alertSink}/alerts`,
      send_resolved: true,
    });
  });

  it('binds every Jaeger endpoint to loopback on the chosen ports', () => {
    const endpoints = [...cfg.jaeger!.content.matchAll(/endpoint: (\S+)/g)].map((m) => m[1]);
    expect(endpoints).toHaveLength(5);
    for (const e of endpoints) expect(e).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(endpoints).toContain(`127.0.0.1:${DEFAULT_PORTS.jaegerOtlpHttp}`);
  });
});

describe('config parsing', () => {
  it('parses durations and rejects nonsense with a hint', () => {
    expect(requireDurationMs('5s', 'x')).toBe(5000);
    expect(requireDurationMs('2m', 'x')).toBe(120_000);
    expect(() => requireDurationMs('5 seconds', '--scrape-interval')).toThrow(/invalid duration/);
    expect(() => requireDurationMs('0s', '--scrape-interval')).toThrow(/invalid duration/);
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('1.5m')).toBe(90);
    expect(parseDuration('180d')).toBe(180 * 86400);
    expect(parseDuration('5')).toBeUndefined();
    expect(formatDuration(300)).toBe('5m');
    expect(formatDuration(90)).toBe('90s');
  });
  it('parses --port flags and names the valid port names on a typo', () => {
    expect(parsePortFlags(['prometheus=9999'])).toEqual({ prometheus: 9999 });
    expect(() => parsePortFlags(['promethus=1'])).toThrow(/unknown port name/);
    expect(() => parsePortFlags(['prometheus=99999'])).toThrow(/not a port number/);
  });
});
