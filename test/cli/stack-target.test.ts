import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfigDir } from '../../lambdas/domain/config/read-dir';
import { loadDag } from '../../lambdas/domain/config/validate';
import { LOCAL_TABLES } from '../../lambdas/local/runtime';
import { SimulationSession } from '../../lambdas/local/simulate';
import { STACK_OUTPUTS } from '../../lib/stack-outputs';
import { rsched } from '../support/cli';

/**
 * `--stack` resolves a deployed stack through CloudFormation's outputs. Here a
 * stub CloudFormation endpoint answers for stack "Demo" with the names of the
 * local emulators' tables, and the SDK's standard per-service endpoint
 * variables point DynamoDB at dynalite: the very code path used against AWS.
 */
const DATE = '2026-11-22';
let session: SimulationSession;
let cloudFormation: Server;
let cfnEndpoint: string;

function describeStacksXml(outputs: Record<string, string>): string {
  const members = Object.entries(outputs)
    .map(([k, v]) => `<member><OutputKey>${k}</OutputKey><OutputValue>${v}</OutputValue></member>`)
    .join('');
  return `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member><StackName>Demo</StackName><StackStatus>CREATE_COMPLETE</StackStatus><Outputs>${members}</Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeStacksResponse>`;
}

const missingXml =
  '<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id Nope does not exist</Message></Error><RequestId>r</RequestId></ErrorResponse>';

beforeAll(async () => {
  const dag = loadDag(readConfigDir('dag-config'));
  session = await SimulationSession.start({ dag, start: SimulationSession.dayStart(dag, DATE as never), transport: 'http' });
  session.scheduleDay(DATE as never);
  await session.run();
  cloudFormation = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const demo = body.includes('StackName=Demo');
      res.writeHead(demo ? 200 : 400, { 'content-type': 'text/xml' });
      res.end(
        demo
          ? describeStacksXml({
              [STACK_OUTPUTS.markerBucket]: session.runtime.endpoints.bucket,
              [STACK_OUTPUTS.runsTable]: LOCAL_TABLES.runs,
              [STACK_OUTPUTS.clustersTable]: LOCAL_TABLES.clusters,
              [STACK_OUTPUTS.alertTopic]: 'arn:aws:sns:us-east-1:000000000000:alerts',
            })
          : missingXml,
      );
    });
  });
  await new Promise<void>((r) => cloudFormation.listen(0, '127.0.0.1', r));
  cfnEndpoint = `http://127.0.0.1:${(cloudFormation.address() as { port: number }).port}`;
});

afterAll(async () => {
  cloudFormation?.close();
  await session?.stop();
});

const awsEnv = () => ({
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_ENDPOINT_URL_CLOUDFORMATION: cfnEndpoint,
  AWS_ENDPOINT_URL_DYNAMODB: session.runtime.endpoints.dynamodb,
});

describe('commands against a deployed stack (--stack)', () => {
  it('reads the stack outputs and reports status with the same code as --local', async () => {
    const { code, stdout, stderr } = await rsched(['status', '--stack', 'Demo', '--date', DATE, '--json'], { env: awsEnv() });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const status = JSON.parse(stdout);
    // evening_report is on the business-days calendar and the date is a Sunday (docs/calendars.md).
    expect(
      Object.entries<{ state: string }>(status.jobs).every(
        ([name, j]) => j.state === (name === 'evening_report' ? 'SKIPPED' : 'SUCCEEDED'),
      ),
    ).toBe(true);
    expect(status.clusters.length).toBeGreaterThan(0);
  });

  it('says clearly when the stack does not exist or there are no credentials', async () => {
    const missing = await rsched(['status', '--stack', 'Nope', '--date', DATE], { env: awsEnv() });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('stack "Nope" does not exist in region us-east-1');
    const noCredentials = await rsched(['status', '--stack', 'Demo', '--date', DATE], {
      env: {
        ...awsEnv(),
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_PROFILE: '',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
        AWS_CONFIG_FILE: '/nonexistent',
        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '',
        AWS_CONTAINER_CREDENTIALS_FULL_URI: '',
        AWS_WEB_IDENTITY_TOKEN_FILE: '',
      },
    });
    expect(noCredentials.code).toBe(2);
    expect(noCredentials.stderr).toContain('no AWS credentials found');
  });
});
