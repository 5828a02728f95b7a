import { makeSchedulerHandler } from '../handlers/scheduler';
import { lambdaEngineDeps } from '../runtime/aws-deps';
import { powertoolsLog } from '../runtime/powertools';

// Built once per execution environment (cold start); failures surface at init with the variable's name.
const { log } = powertoolsLog('rsched-scheduler');
export const handler = makeSchedulerHandler(lambdaEngineDeps(log));
