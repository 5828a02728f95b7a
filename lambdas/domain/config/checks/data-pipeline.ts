import type { Dag } from '../dag';
import type { ConfigIssue } from '../issues';

/**
 * AWS Data Pipeline is closed to new customers: "AWS Data Pipeline is no
 * longer available to new customers. Existing customers of AWS Data Pipeline
 * can continue to use the service as normal" (AWS Data Pipeline Developer
 * Guide, banner since 2024-07-25), and it runs in a few regions only. A config
 * that uses it is valid (existing customers), but a fresh account cannot
 * create the pipelines it names: one warning naming those jobs, and `rsched doctor`
 * checks the region. See docs/deploy.md, "Data Pipeline targets".
 *
 * An advisory about the account, not about the config: `rsched validate` and
 * `cdk synth` print it as a `warning:` line and still exit 0; validateConfig
 * (what the Lambdas and tests load) does not report it.
 */
export function dataPipelineAdvisory(dag: Dag): ConfigIssue[] {
  const jobs = [...dag.jobs.values()].filter((job) => job.target.type === 'datapipeline');
  const [first] = jobs;
  if (!first) return [];
  const names = jobs.map((job) => job.name);
  return [
    {
      severity: 'warning',
      file: first.file,
      entity: { kind: 'job', name: first.name },
      field: 'target.type',
      message: `AWS Data Pipeline is closed to new customers and runs in a few regions only; ${names.length} job${names.length === 1 ? '' : 's'} use${names.length === 1 ? 's' : ''} it (${names.join(', ')}): they run only in an account that already has Data Pipeline (check with rsched doctor). New work belongs on EMR steps, Glue, Step Functions or MWAA.`,
    },
  ];
}
