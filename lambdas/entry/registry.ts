import { makeRegistryHandler } from '../handlers/fleet';
import { lambdaFleetDeps } from '../runtime/fleet-deps';
import { powertoolsLog } from '../runtime/powertools';

const { log } = powertoolsLog('rsched-registry');
export const handler = makeRegistryHandler(lambdaFleetDeps(log));
