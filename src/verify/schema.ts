/**
 * The JSON schema of `checks/*.yaml`. Strict: every object has `additionalProperties:
 * false`, and the `source` discriminator picks exactly one branch so errors name the
 * offending field instead of listing every branch's complaints.
 */
const id = { type: 'string', pattern: '^[a-z0-9][a-z0-9.-]*$' };
const reqId = { type: 'string', pattern: '^[A-Z]+-[0-9]+$|^FINDING-[0-9]+$' };
const comparator = { enum: ['<', '<=', '>', '>=', '==', '!='] };
const duration = { type: 'string', pattern: '^([0-9]+(ms|s|m|h|d|w|y))+$' };

const base = {
  id,
  title: { type: 'string', minLength: 1 },
  requirements: { type: 'array', items: reqId, minItems: 1, uniqueItems: true },
  severity: { enum: ['gate', 'warning'] },
  description: { type: 'string' },
  phase: { type: 'string' },
  minTraffic: {
    type: 'object',
    additionalProperties: false,
    properties: { requests: { type: 'integer', minimum: 1 }, executions: { type: 'integer', minimum: 1 } },
  },
};
const baseRequired = ['id', 'title', 'requirements', 'severity', 'source'];

function branch(
  source: string,
  props: Record<string, unknown>,
  required: string[],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    ...extra,
    type: 'object',
    additionalProperties: false,
    required: [...baseRequired, ...required],
    properties: { ...base, source: { const: source }, ...props },
  };
}

const aggregation = {
  type: 'object',
  additionalProperties: false,
  required: ['kind'],
  properties: {
    kind: { enum: ['min', 'avg', 'max', 'last', 'quantile'] },
    q: { type: 'number', minimum: 0, maximum: 1 },
  },
  if: { properties: { kind: { const: 'quantile' } } },
  then: { required: ['q'] },
  else: { not: { required: ['q'] } },
};

const logAssertion = {
  type: 'object',
  required: ['kind'],
  discriminator: { propertyName: 'kind' },
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'required'],
      properties: { kind: { const: 'fields' }, required: { type: 'array', items: { type: 'string' }, minItems: 1 } },
    },
    { type: 'object', additionalProperties: false, required: ['kind'], properties: { kind: { const: 'w3c-ids' } } },
    { type: 'object', additionalProperties: false, required: ['kind'], properties: { kind: { const: 'run-traces' } } },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'message', 'fields', 'atLeast'],
      properties: {
        kind: { const: 'message' },
        message: { type: 'string' },
        fields: { type: 'array', items: { type: 'string' } },
        atLeast: { oneOf: [{ const: 'ledger.executions.created' }, { type: 'integer', minimum: 0 }] },
      },
    },
  ],
};

export const checkSchema = {
  type: 'object',
  required: ['source'],
  discriminator: { propertyName: 'source' },
  oneOf: [
    branch(
      'prometheus',
      {
        query: { type: 'string', minLength: 1 },
        specQuery: {
          type: 'object',
          additionalProperties: false,
          required: ['file', 'heading'],
          properties: { file: { type: 'string' }, heading: { type: 'string' } },
        },
        window: duration,
        mode: { enum: ['range', 'instant'] },
        aggregation,
        comparator,
        target: { type: 'number' },
        unit: { type: 'string' },
      },
      ['mode', 'comparator', 'target', 'unit'],
      // Exactly one of an inline query or a verbatim spec query.
      { oneOf: [{ required: ['query'] }, { required: ['specQuery'] }] },
    ),
    branch(
      'prometheus-series',
      {
        selectors: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
        expect: { enum: ['present', 'absent'] },
      },
      ['selectors'],
    ),
    branch('prometheus-flags', { flag: { type: 'string' }, comparator, target: { type: 'string' } }, [
      'flag',
      'comparator',
      'target',
    ]),
    branch('prometheus-rules', { rulesFile: { type: 'string' }, group: { type: 'string' } }, ['rulesFile', 'group']),
    branch(
      'prometheus-targets',
      {
        jobs: { type: 'array', items: { type: 'string' }, minItems: 1 },
        optionalJobs: { type: 'array', items: { type: 'string' } },
      },
      ['jobs'],
    ),
    branch('prometheus-exemplars', { selector: { type: 'string' }, traceIdLabel: { type: 'string' } }, [
      'selector',
      'traceIdLabel',
    ]),
    branch('prometheus-buckets', { selector: { type: 'string' }, bound: { type: 'number' } }, ['selector', 'bound']),
    branch('alertmanager', { alertnames: { type: 'array', items: { type: 'string' }, minItems: 1 } }, ['alertnames']),
    branch('logs', { assertion: logAssertion, services: { type: 'array', items: { type: 'string' } } }, ['assertion']),
    branch(
      'ledger-vs-prometheus',
      {
        truth: { enum: ['request-count', 'availability', 'latency-p95', 'executions'] },
        relativeTolerance: { type: 'number', minimum: 0 },
        slackSeconds: { type: 'number', minimum: 0 },
        thresholdSeconds: { type: 'number', exclusiveMinimum: 0 },
      },
      ['truth'],
    ),
    branch('statement', { finding: { type: 'string', minLength: 1 } }, ['finding']),
  ],
} as const;

export const checkFileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['checks'],
  properties: {
    description: { type: 'string' },
    checks: { type: 'array', items: checkSchema },
  },
} as const;

export const targetConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    job: { type: 'string' },
    metrics: { type: 'object', additionalProperties: { type: 'string', pattern: '^[a-zA-Z_:][a-zA-Z0-9_:]*$' } },
    executionStatus: { type: 'object', additionalProperties: { type: 'string' } },
    uninstrumentedRoutes: { type: 'array', items: { type: 'string', pattern: '^[A-Za-z]+ /' } },
  },
} as const;
