import type { Evidence, Outcome, Verdict } from '../model/verdict.ts';
import { REQUIREMENT_IDS } from '../model/requirements.ts';

export interface RequirementCoverage {
  id: string;
  /** The worst outcome among the checks naming this ID; undefined when no check covers it. */
  outcome?: Outcome;
  checks: Array<{ checkId: string; outcome: Outcome; evidence: Evidence }>;
  /**
   * Whether the requirement was seen *working* (a behaviour verdict that passed), or only
   * found *as written* (conformance passed, no behaviour passed), or neither.
   */
  shown: 'behaviour' | 'conformance only' | 'not shown';
}

/** Worst first: what a reader of a requirement's row must see. */
const RANK: Record<Outcome, number> = { fail: 0, inconclusive: 1, warn: 2, skipped: 3, pass: 4 };

/** Coverage per requirement ID of REQUIREMENTS.md (spec findings included), in the catalog order. */
export function coverageOf(verdicts: Verdict[]): RequirementCoverage[] {
  const byId = new Map<string, RequirementCoverage>();
  for (const id of REQUIREMENT_IDS) byId.set(id, { id, checks: [], shown: 'not shown' });
  for (const v of verdicts) {
    for (const id of v.requirements) {
      const row = byId.get(id) ?? { id, checks: [], shown: 'not shown' };
      const evidence = v.evidence ?? 'behaviour';
      row.checks.push({ checkId: v.checkId, outcome: v.outcome, evidence });
      if (v.outcome === 'pass' && evidence === 'behaviour') row.shown = 'behaviour';
      else if (v.outcome === 'pass' && row.shown === 'not shown') row.shown = 'conformance only';
      if (row.outcome === undefined || RANK[v.outcome] < RANK[row.outcome]) row.outcome = v.outcome;
      byId.set(id, row);
    }
  }
  return [...byId.values()];
}
