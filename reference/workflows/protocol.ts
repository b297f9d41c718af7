/** Messages between backend-api and workflows (internal, JSON over loopback HTTP). */
import type { WireFile } from '../processing/service.ts';

export interface WorkflowComponent {
  name: string;
  component_type: string;
  parameters: Record<string, unknown>;
}

export interface WorkflowSubmission {
  execution_id: string;
  pipeline_id: string;
  user_id?: string | null;
  components: WorkflowComponent[];
  input_files: Array<WireFile & { file_id: string }>;
  parameters: Record<string, unknown>;
}

export type WorkflowEvent =
  | { type: 'execution_started'; workflow_name: string }
  | { type: 'step_started'; step_index: number }
  | {
      type: 'step_completed';
      step_index: number;
      outputs: WireFile[];
      resource_usage: Record<string, number>;
      detections?: unknown;
    }
  | { type: 'step_failed'; step_index: number; error_message: string }
  | { type: 'execution_completed' }
  | { type: 'execution_failed'; error_message: string; failed_nodes: string[] }
  /** The engine itself broke (crash): counted as pipeline_executions_total{status="error"}. */
  | { type: 'execution_error'; error_message: string };

export const STEP_TIMEOUT_MS: Record<string, number> = {
  resize: 30_000,
  ai_detection: 60_000,
  filter: 30_000,
  enhancement: 30_000,
};

/**
 * Parameters one step receives: the component's own, then execution-level overrides either
 * nested by component name (`{"resize": {"width": 640}}`) or flat with the component type as
 * prefix (`{"resize_width": 800}`, the design's log example).
 */
export function stepParameters(c: WorkflowComponent, exec: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...c.parameters };
  const prefix = `${c.component_type}_`;
  for (const [k, v] of Object.entries(exec)) {
    if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  }
  const nested = exec[c.name];
  if (nested && typeof nested === 'object' && !Array.isArray(nested)) Object.assign(out, nested);
  return out;
}
