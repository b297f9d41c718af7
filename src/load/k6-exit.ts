/**
 * k6's exit codes (errext/exitcodes) as clear messages. `trafficOk` says whether the traffic
 * itself ran to its end: crossed client-side thresholds (99) do not decide the run — the
 * harness's verdicts do.
 */
export interface K6Exit {
  code: number | null;
  trafficOk: boolean;
  /** One line for the terminal. */
  message: string;
  hint?: string;
}

const KNOWN: Record<number, Omit<K6Exit, 'code'>> = {
  0: { trafficOk: true, message: 'k6 finished the planned traffic' },
  99: {
    trafficOk: true,
    message: 'k6 finished; some client-side thresholds (mirrors of the SLOs) were crossed',
    hint: 'this is informational: the verification stage decides pass/fail from the ledger and the observability stack',
  },
  100: {
    trafficOk: false,
    message: 'k6 setup() timed out',
    hint: 'the API did not answer login/pipeline creation in time; check that the target is up',
  },
  101: {
    trafficOk: false,
    message: 'k6 teardown() timed out',
    hint: 'the API did not answer the clean-up calls in time',
  },
  102: { trafficOk: false, message: 'k6 timed out', hint: 'see k6.log in the run directory' },
  103: { trafficOk: false, message: 'k6 was stopped through its REST API' },
  104: {
    trafficOk: false,
    message: 'k6 rejected its configuration',
    hint: 'the generated plan or options are invalid: see k6.log; this is a harness bug if the profile validated',
  },
  105: { trafficOk: false, message: 'k6 was stopped by a signal' },
  106: { trafficOk: false, message: 'k6 could not start its REST API' },
  107: {
    trafficOk: false,
    message: 'the k6 scenario script threw an exception',
    hint: 'see k6.log in the run directory for the stack trace; `npm test` type-checks the scenarios',
  },
  108: {
    trafficOk: false,
    message: 'the scenario aborted the test (test.abort())',
    hint: 'usually setup could not log in or create the harness pipeline: check the API URL and the credentials',
  },
};

export function describeK6Exit(code: number | null, signal: NodeJS.Signals | null = null): K6Exit {
  if (code === null) {
    return { code, trafficOk: false, message: `k6 was killed by ${signal ?? 'a signal'} before it could exit` };
  }
  const known = KNOWN[code];
  if (known) return { code, ...known };
  return { code, trafficOk: false, message: `k6 exited with code ${code}`, hint: 'see k6.log in the run directory' };
}
