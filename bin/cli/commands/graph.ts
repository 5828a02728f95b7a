import type { Command } from 'commander';
import { DEFAULT_CONFIG_DIR } from '../defaults';
import { UsageError } from '../run';

export function registerGraph(program: Command): void {
  program
    .command('graph')
    .description('print the job DAG as Mermaid or Graphviz dot')
    .argument('[dir]', 'config directory', DEFAULT_CONFIG_DIR)
    .option('--format <format>', 'mermaid or dot', 'mermaid')
    .action(async (dir: string, opts: { format: string }) => {
      if (opts.format !== 'mermaid' && opts.format !== 'dot') {
        throw new UsageError(`--format must be "mermaid" or "dot", got "${opts.format}"`);
      }
      const [{ renderDot, renderMermaid }, { loadDagFromDir }] = await Promise.all([
        import('../../../lambdas/domain/graph-render.js'),
        import('../config.js'),
      ]);
      const dag = loadDagFromDir(dir);
      process.stdout.write(opts.format === 'dot' ? renderDot(dag) : renderMermaid(dag));
    });
}
