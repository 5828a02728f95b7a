import type { Command } from 'commander';
import { printJson } from '../options';
import { bold, dim, table } from '../output/format';

const usd = (n: number) => `$${n.toFixed(2)}`;

export function registerCost(program: Command): void {
  program
    .command('cost')
    .description("the fleet's EMR + EC2 cost per day and month from the config (on-demand list prices), next to the control plane's")
    .argument('[dir]', 'config directory', 'dag-config')
    .option('--slack', 'count the Slack notifier (its function and alarms)')
    .option('--json', 'machine-readable output')
    .action(async (dir: string, opts: { slack?: boolean; json?: boolean }) => {
      const [{ loadDagFromDir }, { costReport, US_EAST_1 }] = await Promise.all([import('../config.js'), import('../cost/model.js')]);
      const dag = loadDagFromDir(dir);
      const report = costReport(dag, US_EAST_1, new Date(), { slack: opts.slack });
      if (opts.json) return printJson(report);
      const w = (s: string) => process.stdout.write(s);
      w(`${bold('Fleet (EMR + EC2, on demand)')} ${dim(`— ${report.region} list prices as of ${report.asOf}`)}\n`);
      const rows = report.clusters.map((c) => [
        c.name,
        c.groups.map((g) => `${g.count}× ${g.type}${g.market === 'SPOT' ? ' (spot)' : ''}`).join(' + '),
        `${c.hoursPerDay} h`,
        usd(c.perDay),
        usd(c.perMonth),
      ]);
      rows.push(['total', '', '', usd(report.fleet.perDay), usd(report.fleet.perMonth)]);
      w(`${table(rows, ['cluster', 'instances', 'per day', '$/day', '$/month'])}\n`);
      w(
        `${bold('Control plane')} ${usd(report.controlPlane.perMonth)}/month ${dim(
          Object.entries(report.controlPlane.items)
            .map(([k, v]) => `${k} ${usd(v)}`)
            .join(', '),
        )}\n`,
      );
      const m = report.mwaa;
      w(
        `${bold('The same schedule on MWAA')} mw1.small ${usd(m.smallPerMonth)}/month (always on); MWAA Serverless ${usd(
          m.serverlessMinimumPerMonth,
        )}–${usd(m.serverlessWholeRunPerMonth)}/month ${dim(
          `(${m.tasksPerMonth} tasks: each billed its 1-minute minimum … each as long as its job; task-hour price of ${m.serverlessPriceRegion})`,
        )}\n`,
      );
      for (const note of report.notes) w(`${dim(`note: ${note}`)}\n`);
      w(`${dim(`sources: ${report.sources.join(' ')}`)}\n`);
    });
}
