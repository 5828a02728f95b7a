import type { Command } from 'commander';
import { renderDot, renderMermaid } from '../../../lambdas/domain/graph-render';
import { DEFAULT_CONFIG_DIR, loadDagFromDir } from '../config';
import { UsageError } from '../run';

export function registerGraph(program: Command): void {
  program
    .command('graph')
    .description('print the job DAG as Mermaid or Graphviz dot')
    .argument('[dir]', 'config directory', DEFAULT_CONFIG_DIR)
    .option('--format <format>', 'mermaid or dot', 'mermaid')
    .action((dir: string, opts: { format: string }) => {
      if (opts.format !== 'mermaid' && opts.format !== 'dot') {
        throw new UsageError(`--format must be "mermaid" or "dot", got "${opts.format}"`);
      }
      const dag = loadDagFromDir(dir);
      process.stdout.write(opts.format === 'dot' ? renderDot(dag) : renderMermaid(dag));
    });
}
