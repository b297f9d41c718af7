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
/**
 * A tool assembled from Maven Central: each part's artifact and its runtime dependencies are
 * copied into a directory of the tool's home, then the listed directories and files are added.
 */
export interface MavenTool {
  kind: 'maven';
  version: string;
  /** Not needed by the embedded default: `setup` provisions it only when asked (`--with`). */
  optional?: boolean;
  /** groupId:artifactId:version of the maven-dependency-plugin that copies the jars. */
  dependencyPlugin: string;
  /** The Java feature releases the tool runs on (inclusive). */
  java?: { min: number; max: number };
  parts: Array<{ into: string; artifact: string; exclusions?: string[] }>;
  dirs?: string[];
  /** Relative path → its lines. */
  files?: Record<string, string[]>;
}
export type ToolSpec = GoTool | AptTool | MavenTool;
export type ToolName = 'k6' | 'jaeger' | 'prometheus' | 'alertmanager' | 'node-exporter' | 'elasticsearch';

const { $comment: _comment, ...tools } = manifestJson;
export const MANIFEST = tools as Record<ToolName, ToolSpec>;

/** The Maven tool of this name (a typed view of its manifest entry). */
export function mavenSpec(name: ToolName): MavenTool {
  const spec = MANIFEST[name];
  if (spec.kind !== 'maven') throw new Error(`${name} is not a Maven tool in src/tools/manifest.json`);
  return spec;
}
