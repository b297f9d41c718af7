import type { PipelineOutcome } from '../telemetry/metrics.ts';
import type { WorkflowEvent } from '../workflows/protocol.ts';
import type { Execution, OutputFile } from './types.ts';

export const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

export interface Applied {
  /** Set when this event ended the execution: the value pipeline_executions_total counts. */
  outcome?: PipelineOutcome;
  ignored?: string;
}

/**
 * Applies one workflow event to an execution (the status machine of the API contract).
 * Pure apart from mutating `exec`; outputs were already stored by the caller.
 */
export function applyEvent(exec: Execution, ev: WorkflowEvent, now: string, outputs: OutputFile[] = []): Applied {
  if (TERMINAL.has(exec.status)) return { ignored: `execution is ${exec.status}` };
  const step = 'step_index' in ev ? exec.steps[ev.step_index] : undefined;
  if ('step_index' in ev && !step) return { ignored: `no step ${ev.step_index}` };
  switch (ev.type) {
    case 'execution_started':
      exec.status = 'running';
      exec.started_at = now;
      exec.workflow_name = ev.workflow_name;
      return {};
    case 'step_started':
      if (step) {
        step.status = 'running';
        step.started_at = now;
        exec.progress.current_step = step.name;
      }
      return {};
    case 'step_completed':
      if (step) {
        step.status = 'completed';
        step.completed_at = now;
        step.resource_usage = ev.resource_usage;
        step.output_data = {
          output_files: outputs.map((o) => o.file_id),
          ...(ev.detections !== undefined ? { detections: ev.detections } : {}),
        };
        exec.output_files.push(...outputs);
        exec.progress.completed_steps++;
        exec.progress.percentage = Math.round(
          (exec.progress.completed_steps / Math.max(1, exec.progress.total_steps)) * 100,
        );
      }
      return {};
    case 'step_failed':
      if (step) {
        step.status = 'failed';
        step.completed_at = now;
        step.error_message = ev.error_message;
      }
      return {};
    case 'execution_completed':
      exec.status = 'completed';
      exec.completed_at = now;
      exec.progress.current_step = null;
      exec.progress.percentage = 100;
      return { outcome: 'success' };
    case 'execution_failed':
      finishFailed(exec, now, ev.error_message, ev.failed_nodes, []);
      return { outcome: 'failed' };
    case 'execution_error':
      // The API has no "error" status: a crash is a failed execution whose details say why.
      finishFailed(exec, now, ev.error_message, [], [ev.error_message]);
      return { outcome: 'error' };
  }
}

function finishFailed(exec: Execution, now: string, message: string, nodes: string[], processing: string[]): void {
  exec.status = 'failed';
  exec.completed_at = now;
  exec.error_message = message;
  exec.error_details = { failed_nodes: nodes, processing_errors: processing };
  for (const s of exec.steps) if (s.status === 'pending' || s.status === 'running') s.status = 'skipped';
}
