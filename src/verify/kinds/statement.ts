import type { CheckBase } from '../../model/check.ts';
import { verdict } from '../verdict.ts';
import { defineKind } from './kind.ts';

/** A spec inconsistency that cannot be measured: always reported as `warn`. */
export interface StatementCheck extends CheckBase {
  source: 'statement';
  finding: string;
}

export const statement = defineKind<StatementCheck>({
  source: 'statement',
  evidence: 'conformance',
  schema: { properties: { finding: { type: 'string', minLength: 1 } }, required: ['finding'] },
  requests: () => [],
  evaluate: (check) => verdict(check, 'warn', check.finding, { reason: 'spec finding (not measurable)' }),
});
