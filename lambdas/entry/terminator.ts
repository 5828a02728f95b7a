import { makeTerminatorHandler } from '../handlers/fleet';
import { lambdaFleetDeps } from '../runtime/fleet-deps';
import { powertoolsLog } from '../runtime/powertools';

const { log } = powertoolsLog('rsched-terminator');
export const handler = makeTerminatorHandler(lambdaFleetDeps(log));
