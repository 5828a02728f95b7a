import { makeSweeperHandler } from '../handlers/sweeper';
import { lambdaEngineDeps } from '../runtime/aws-deps';
import { powertoolsLog } from '../runtime/powertools';

const { log } = powertoolsLog('rsched-sweeper');
export const handler = makeSweeperHandler(lambdaEngineDeps(log));
