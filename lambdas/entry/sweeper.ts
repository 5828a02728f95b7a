import { makeSweeperHandler } from '../handlers/sweeper';
import { powertoolsLog } from '../runtime/powertools';
import { lambdaSweeperDeps } from '../runtime/sweeper-deps';

const { log } = powertoolsLog('rsched-sweeper');
const { deps, backfills } = lambdaSweeperDeps(log);
export const handler = makeSweeperHandler(deps, backfills);
