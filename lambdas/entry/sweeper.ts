import { makeSweeperHandler } from '../handlers/sweeper';
import { lambdaSweeperDeps } from '../runtime/aws-deps';
import { powertoolsLog } from '../runtime/powertools';

const { log } = powertoolsLog('rsched-sweeper');
const { deps, backfills } = lambdaSweeperDeps(log);
export const handler = makeSweeperHandler(deps, backfills);
