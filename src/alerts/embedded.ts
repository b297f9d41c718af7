/**
 * The live alert check on the embedded stack (I/O): brings the stack up with the spec rules
 * (time-compressed by `factor` unless it is 1), makes sure the running Prometheus loaded the
 * expected rules, runs the check and stops the stack if it started it.
 */
import { readFile } from 'node:fs/promises';
import { HarnessError } from '../util/errors.ts';
import { parseDuration } from '../util/duration.ts';
import { SPEC_RULE_FILE, type ComponentName } from '../stack/config.ts';
import { stackDown, stackUp, stackUrls, type StackState } from '../stack/lifecycle.ts';
import type { Verdict } from '../model/verdict.ts';
import { compressRules } from '../rules/compress.ts';
import { SPEC_ALERTS, modelsFromRules, type AlertModel } from '../rules/model.ts';
import { runLiveAlerts } from './live.ts';
import { loadedForSeconds, type LiveUrls } from './watch.ts';

/** What the live check needs: the reference system, Prometheus, Alertmanager, the sink. */
export const LIVE_COMPONENTS: ComponentName[] = [
  'alert-sink',
  'alertmanager',
  'processing',
  'workflows',
  'backend-api',
  'prometheus',
];

export function liveUrls(state: StackState): LiveUrls {
  const u = stackUrls(state);
  return {
    prometheus: u.prometheus,
    alertmanager: u.alertmanager,
    alertSink: u.alertSink,
    backendApi: u.backendApi,
    adminToken: u.adminToken,
  };
}

/** The models of the rules the stack should be running: the spec's, compressed by factor (1 = verbatim). */
export async function expectedModels(factor: number): Promise<AlertModel[]> {
  const spec = await readFile(SPEC_RULE_FILE, 'utf8');
  return modelsFromRules(factor === 1 ? spec : compressRules(spec, factor));
}

/**
 * An already running stack may have loaded other rules (`up` is idempotent): say so instead
 * of judging the wrong rules (a usage error: stop it or use another state dir).
 */
export async function assertLoadedRules(
  prometheus: string,
  models: AlertModel[],
  factor: number,
  stateDir: string,
): Promise<void> {
  const loaded = await loadedForSeconds(prometheus);
  const wrong = SPEC_ALERTS.map((a) => a.alert).filter(
    (n) => loaded[n] !== models.find((m) => m.alert === n)?.forSeconds,
  );
  if (wrong.length > 0) {
    throw new HarnessError(
      'CONFIG_STACK_RULES',
      `the running stack's Prometheus has other rules for ${wrong.join(', ')} than the ${factor === 1 ? 'verbatim' : `×${factor} compressed`} spec rules`,
      { where: stateDir, hint: 'stop it (`slo-harness stack down`) or use another --state-dir' },
    );
  }
}

export interface EmbeddedLiveOptions {
  stateDir?: string;
  factor: number;
  slackSeconds?: number;
  scrapeInterval?: string;
  portStrategy?: 'defaults' | 'ephemeral';
  alerts?: string[];
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export async function liveOnEmbedded(o: EmbeddedLiveOptions): Promise<Verdict[]> {
  const log = o.log ?? (() => {});
  const models = await expectedModels(o.factor);
  const up = await stackUp({
    ...(o.stateDir ? { stateDir: o.stateDir } : {}),
    ...(o.portStrategy ? { portStrategy: o.portStrategy } : {}),
    scrapeInterval: o.scrapeInterval ?? '1s',
    ...(o.factor === 1 ? {} : { ruleCompression: o.factor }),
    components: LIVE_COMPONENTS,
    ...(o.signal ? { signal: o.signal } : {}),
    log,
  });
  try {
    const urls = liveUrls(up.state);
    await assertLoadedRules(urls.prometheus, models, o.factor, up.state.stateDir);
    return await runLiveAlerts({
      urls,
      models,
      scrapeSeconds: parseDuration(up.state.scrapeInterval) ?? 1,
      evaluationSeconds: parseDuration(up.state.evaluationInterval) ?? 1,
      slackSeconds: o.slackSeconds ?? 5,
      ...(o.factor === 1 ? {} : { compression: o.factor }),
      ...(o.alerts ? { alerts: o.alerts } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      log,
    });
  } finally {
    if (up.started) await stackDown({ stateDir: up.state.stateDir });
  }
}
