import { Counter, Rate, Trend } from 'k6/metrics';

/**
 * Custom metrics the harness ledger reads (src/load/ledger.ts METRIC must use the same
 * names). Execution outcome is a tag with a handful of values; execution and trace IDs
 * travel as metadata.
 */
export const executionCreated = new Counter('ifc_execution_created');
/** Creation → terminal status observed by polling, in ms; tags: outcome, create_status. */
export const executionDuration = new Trend('ifc_execution_duration', true);
/** true when an execution ended failed/error/timeout: mirrors SLI-4 for a client threshold. */
export const executionFailed = new Rate('ifc_execution_failed');
