import type { Command } from 'commander';
import { registerSetup } from './setup.ts';
import { registerStack } from './stack.ts';
import { registerChecks } from './checks.ts';
import { registerVerify } from './verify.ts';
import { registerRun } from './run.ts';
import { registerRules } from './rules.ts';

/** Each subcommand lives in its own module and registers itself here. */
export function registerCommands(program: Command): void {
  registerSetup(program);
  registerStack(program);
  registerChecks(program);
  registerVerify(program);
  registerRun(program);
  registerRules(program);
}
