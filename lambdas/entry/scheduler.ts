import { makeSchedulerHandler } from '../handlers/scheduler';
import { powertoolsLog } from '../runtime/powertools';
import { lambdaSchedulerDeps } from '../runtime/scheduler-deps';

// Built once per execution environment (cold start); failures surface at init with the variable's name.
const { log } = powertoolsLog('rsched-scheduler');
export const handler = makeSchedulerHandler(lambdaSchedulerDeps(log));
