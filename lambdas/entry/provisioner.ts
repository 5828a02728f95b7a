import { makeProvisionerHandler } from '../handlers/fleet';
import { lambdaFleetDeps } from '../runtime/fleet-deps';
import { powertoolsLog } from '../runtime/powertools';

const { log } = powertoolsLog('rsched-provisioner');
export const handler = makeProvisionerHandler(lambdaFleetDeps(log));
