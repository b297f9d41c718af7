/** API shapes of the ImageFlowCanvas contract (../shared/spec/imageflow-api.md). */
export const COMPONENT_TYPES = ['resize', 'ai_detection', 'filter', 'enhancement'] as const;

export interface PipelineComponent {
  id: string;
  name: string;
  component_type: string;
  parameters: Record<string, unknown>;
  dependencies: string[];
}

export interface Pipeline {
  id: string;
  name: string;
  description: string | null;
  components: PipelineComponent[];
  created_by: string;
  created_at: string;
  updated_at: string;
}

export type ExecutionStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';
export type StepStatus = 'pending' | 'running' | 'completed' | 'failed' | 'skipped';

export interface ExecutionStep {
  step_id: string;
  name: string;
  component_name: string;
  status: StepStatus;
  started_at: string | null;
  completed_at: string | null;
  error_message: string | null;
  resource_usage: Record<string, number> | null;
  output_data: Record<string, unknown> | null;
}

export interface OutputFile {
  file_id: string;
  filename: string;
  file_size: number;
  content_type: string;
  download_url: string;
}

export interface Execution {
  execution_id: string;
  pipeline_id: string;
  status: ExecutionStatus;
  priority: string;
  parameters: Record<string, unknown>;
  input_files: string[];
  progress: { current_step: string | null; total_steps: number; completed_steps: number; percentage: number };
  steps: ExecutionStep[];
  output_files: OutputFile[];
  workflow_name: string | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  error_message: string | null;
  error_details: { failed_nodes: string[]; processing_errors: string[] } | null;
}

export interface StoredFile {
  file_id: string;
  filename: string;
  content_type: string;
  size: number;
  path: string;
  created_at: string;
}

export const COMPONENT_CATALOG = [
  {
    id: 'resize',
    type: 'resize',
    name: 'Resize',
    description: 'Resize an image',
    parameters: {
      width: { type: 'integer', default: 800 },
      height: { type: 'integer', default: 600 },
      maintain_aspect_ratio: { type: 'boolean', default: true },
    },
  },
  {
    id: 'ai_detection',
    type: 'ai_detection',
    name: 'AI Object Detection',
    description: 'Detect objects (simulated model)',
    parameters: {
      model_name: { type: 'string', default: 'yolo11n' },
      confidence_threshold: { type: 'number', default: 0.5 },
      nms_threshold: { type: 'number', default: 0.4 },
      draw_boxes: { type: 'boolean', default: true },
    },
  },
  {
    id: 'filter',
    type: 'filter',
    name: 'Filter',
    description: 'Apply an image filter',
    parameters: {
      filter_type: {
        type: 'string',
        enum: ['gaussian', 'blur', 'sharpen', 'brightness', 'contrast', 'saturation'],
        default: 'gaussian',
      },
      intensity: { type: 'number', default: 1.0 },
    },
  },
];
