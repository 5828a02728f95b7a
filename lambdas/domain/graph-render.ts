import { type Dag, type Job, jobOf } from './config/dag';

/** A short label of how a job runs. */
function targetLabel(job: Job): string {
  switch (job.target.type) {
    case 'external':
      return 'external';
    case 'datapipeline':
      return `pipeline ${job.target.pipeline}`;
    case 'emr-step':
      return `emr ${job.target.pool}`;
    case 'emr-serverless':
      return `emr-serverless ${job.target.application}`;
    case 'glue':
      return `glue ${job.target.jobName}`;
    case 'stepfunctions':
      return `sfn ${job.target.stateMachine.slice(job.target.stateMachine.lastIndexOf(':') + 1)}`;
    case 'lambda':
      return `lambda ${job.target.function.slice(job.target.function.lastIndexOf(':') + 1)}`;
  }
}

/** Mermaid flowchart: external jobs as parallelograms, roots show their schedule. */
export function renderMermaid(dag: Dag): string {
  const lines = ['flowchart LR'];
  for (const name of dag.topologicalOrder) {
    const job = jobOf(dag, name);
    const label = `${name}<br/><small>${targetLabel(job)}${job.schedule ? ` @ ${job.schedule}` : ''}</small>`;
    lines.push(job.target.type === 'external' ? `  ${name}[/"${label}"/]` : `  ${name}["${label}"]`);
  }
  for (const name of dag.topologicalOrder) {
    for (const child of jobOf(dag, name).dependents) lines.push(`  ${name} --> ${child}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Graphviz dot, left to right. */
export function renderDot(dag: Dag): string {
  const lines = ['digraph rsched {', '  rankdir=LR;', '  node [shape=box, fontname="Helvetica"];'];
  for (const name of dag.topologicalOrder) {
    const job = jobOf(dag, name);
    const shape = job.target.type === 'external' ? ', shape=parallelogram' : '';
    lines.push(`  "${name}" [label="${name}\\n${targetLabel(job)}"${shape}];`);
  }
  for (const name of dag.topologicalOrder) {
    for (const child of jobOf(dag, name).dependents) lines.push(`  "${name}" -> "${child}";`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
