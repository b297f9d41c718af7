import manifestJson from './manifest.json' with { type: 'json' };

export interface GoTool {
  kind: 'go';
  version: string;
  module: string;
  package: string;
  binary: string;
  versionArgs: string[];
}
export interface AptTool {
  kind: 'apt';
  debPackage: string;
  binaries: string[];
}
export type ToolSpec = GoTool | AptTool;
export type ToolName = 'k6' | 'jaeger' | 'prometheus' | 'alertmanager' | 'node-exporter';

const { $comment: _comment, ...tools } = manifestJson;
export const MANIFEST = tools as Record<ToolName, ToolSpec>;
