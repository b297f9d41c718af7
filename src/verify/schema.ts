/**
 * The JSON schema of `checks/*.yaml`. Strict: every object has `additionalProperties:
 * false`, and the `source` discriminator picks exactly one branch so errors name the
 * offending field instead of listing every branch's complaints. Each branch is one check
 * kind's own fields (`kinds/<kind>.ts`) plus the fields every check has.
 */
import { KINDS } from './kinds/index.ts';
import type { KindSchema } from './kinds/kind.ts';
import { checkId, requirementId } from './schema-parts.ts';

const base = {
  id: checkId,
  title: { type: 'string', minLength: 1 },
  requirements: { type: 'array', items: requirementId, minItems: 1, uniqueItems: true },
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

function branch(source: string, s: KindSchema): Record<string, unknown> {
  return {
    ...(s.extra ?? {}),
    type: 'object',
    additionalProperties: false,
    required: [...baseRequired, ...s.required],
    properties: { ...base, source: { const: source }, ...s.properties },
  };
}

export const checkSchema = {
  type: 'object',
  required: ['source'],
  discriminator: { propertyName: 'source' },
  oneOf: Object.values(KINDS).map((k) => branch(k.source, k.schema)),
};

export const checkFileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['checks'],
  properties: {
    description: { type: 'string' },
    checks: { type: 'array', items: checkSchema },
  },
};
