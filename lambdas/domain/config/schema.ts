import * as z from 'zod';
import { WEEKDAYS } from '../calendar';
import { cronProblem } from '../cron';
import { GLUE_RUN_ARGUMENT } from '../glue';
import { EXPECTED_BY_PATTERN } from '../late';
import { isValidTimeZone, parseRunDate } from '../run-date';

/**
 * The configuration schema: the single source of truth for dag-config files.
 * Types come from `z.infer`, and `rsched.schema.json` is generated from it
 * (see json-schema.ts). Semantic checks that span entities (dependencies,
 * cycles, pools, templates, cron) live in ./checks.
 */

export const NAME_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;

const name = (what: string) =>
  z
    .string()
    .max(128, `${what} name is longer than 128 characters`)
    .regex(NAME_PATTERN, `${what} name must match ^[a-z0-9][a-z0-9_-]*$`)
    .refine((s) => !s.includes('__'), `${what} name must not contain "__" (it separates job and date in marker keys)`);

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a wall-clock time "HH:MM" (00:00 to 23:59)');
const minutes = (max: number, min = 0) =>
  z
    .number()
    .int('must be a whole number of minutes')
    .min(min, `must be at least ${min} (minutes)`)
    .max(max, `must be at most ${max} minutes; larger values are almost certainly a unit mistake`);
/**
 * `live` submits; `shadow` does everything but the submit call and records what
 * it would have sent (docs/shadow.md), for teams migrating from another scheduler.
 */
const mode = z
  .enum(['live', 'shadow'])
  .describe('"live" (default) submits; "shadow" records what it would have submitted and never calls the target (docs/shadow.md)');
/** What a job does when one of its upstreams re-delivers after succeeding (docs/markers.md#late-data-onlateupstream). */
export const ON_LATE_UPSTREAM = ['ignore', 'alert', 'rerun'] as const;
const onLateUpstream = z
  .enum(ON_LATE_UPSTREAM)
  .describe(
    'When an upstream of this job writes a newer .done for a run date it already succeeded: ignore, alert (LATE_DATA, the default) or rerun this job and its downstream chain as `rsched replay --downstream` would',
  );
const maxConcurrentReruns = z
  .number()
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(1000, 'must be at most 1000')
  .describe(
    'At most this many late-data reruns (onLateUpstream "rerun") run at once, across the DAG; more wait for a free slot (default 5, docs/markers.md#late-data-onlateupstream)',
  );

const retries = z.number().int('must be a whole number').min(0, 'must be 0 or more').max(10, 'must be at most 10');
const instanceCount = z.number().int('must be a whole number').min(0, 'must be 0 or more').max(1000, 'must be at most 1000 instances');
const cron = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    const problem = cronProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe('5-field cron: minute hour day-of-month month day-of-week');
const timezone = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    if (!isValidTimeZone(value)) {
      ctx.addIssue({ code: 'custom', message: `unknown time zone "${value}" (use an IANA name such as "UTC" or "Europe/Berlin")` });
    }
  })
  .describe('IANA time zone, e.g. "UTC" or "Europe/Berlin"');

/** A week: longer waits are almost certainly a unit mistake (hours or seconds typed as minutes). */
const MAX_WAIT_MINUTES = 7 * 24 * 60;

export const jobSimulationSchema = z
  .strictObject({
    durationMinutes: minutes(MAX_WAIT_MINUTES).optional().describe('How long the job runs in rsched simulate/dev (default 5)'),
    arrivesAt: hhmm.optional().describe('external jobs: when their marker arrives in simulation (default "00:00")'),
  })
  .describe('Used only by rsched simulate and rsched dev');

export const dataPipelineTargetSchema = z.strictObject({
  type: z.literal('datapipeline'),
  pipeline: z.string().min(1).describe('Pipeline name (resolved through ListPipelines) or a df-... id'),
  parameters: z.record(z.string(), z.string()).optional().describe('parameterValues for ActivatePipeline; values may use templates'),
  pool: name('pool').optional().describe('Optional: wait for a live cluster of this pool and expose {{cluster.*}}'),
});

export const emrStepTargetSchema = z.strictObject({
  type: z.literal('emr-step'),
  pool: name('pool').describe('The pool whose live cluster runs the step'),
  step: z.strictObject({
    args: z.array(z.string()).min(1, 'step.args must have at least one element'),
    jar: z.string().min(1).optional().describe('Default command-runner.jar'),
    mainClass: z.string().min(1).optional(),
    actionOnFailure: z.enum(['CONTINUE', 'CANCEL_AND_WAIT', 'TERMINATE_CLUSTER', 'TERMINATE_JOB_FLOW']).optional(),
  }),
});

export const externalTargetSchema = z.strictObject({
  type: z.literal('external'),
});

/**
 * A field that names *what* runs or *with which rights* (application, role,
 * job, state machine, function). No templates at all: IAM is scoped to these
 * names at synth time (lib/submit-grants.ts), and a marker must never choose
 * them (docs/params.md, docs/targets.md).
 */
const identity = (what: string, max: number) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .max(max, `${what} is longer than ${max} characters`)
    .refine((s) => !s.includes('{{'), `${what} may not use templates: IAM is scoped to it at deploy time (docs/targets.md)`);

/** JSON handed to a state machine or a function: strings inside may use templates. */
const jsonObject = z.record(z.string(), z.unknown());

export const emrServerlessTargetSchema = z.strictObject({
  type: z.literal('emr-serverless'),
  application: identity('application', 64).describe('EMR Serverless application id, or its name (resolved through ListApplications)'),
  // An IAM role ARN has no room for "{{": templates are refused by the pattern itself.
  executionRole: z
    .string()
    .max(2048)
    .regex(
      /^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]+$/,
      'executionRole must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), without templates',
    )
    .describe('The job run execution role (passed to emr-serverless.amazonaws.com only)'),
  entryPoint: z
    .string()
    .regex(/^s3:\/\/[^/]+\/.+/, 'entryPoint must be an s3:// URI of the script or jar')
    .max(4096)
    .describe('sparkSubmit entryPoint; may use date templates, never {{params.*}}'),
  arguments: z.array(z.string().max(10240)).max(1024).optional().describe('entryPointArguments; may use templates'),
  sparkSubmitParameters: z.string().min(1).max(102400).optional().describe('e.g. "--conf spark.executor.cores=4"; may use templates'),
});

export const glueTargetSchema = z.strictObject({
  type: z.literal('glue'),
  jobName: identity('jobName', 255).describe('The Glue job to start'),
  arguments: z
    .record(z.string(), z.string().max(10240))
    // Keys checked here rather than by a key schema: zod reports a bad key only as "Invalid key in record".
    .superRefine((args, ctx) => {
      for (const key of Object.keys(args)) {
        if (!/^--[A-Za-z0-9_.-]+$/.test(key))
          ctx.addIssue({ code: 'custom', path: [key], message: `a Glue argument name must look like "--name", got "${key}"` });
      }
    })
    .refine((args) => !Object.hasOwn(args, GLUE_RUN_ARGUMENT), `${GLUE_RUN_ARGUMENT} is set by the scheduler (it finds the run by it)`)
    .optional()
    .describe('Job arguments ("--date": "{{date}}"); values may use templates. "--rsched-run" is reserved'),
});

export const stepFunctionsTargetSchema = z.strictObject({
  type: z.literal('stepfunctions'),
  stateMachine: identity('stateMachine', 2048).describe(
    'A Standard state machine: its ARN, or its name (resolved through ListStateMachines)',
  ),
  input: jsonObject.optional().describe('Execution input; strings inside may use templates'),
});

export const lambdaTargetSchema = z.strictObject({
  type: z.literal('lambda'),
  function: identity('function', 256).describe('Function name or ARN, invoked asynchronously (InvocationType Event)'),
  payload: jsonObject.optional().describe('The event; strings inside may use templates'),
});

export const targetSchema = z.discriminatedUnion('type', [
  dataPipelineTargetSchema,
  emrStepTargetSchema,
  externalTargetSchema,
  emrServerlessTargetSchema,
  glueTargetSchema,
  stepFunctionsTargetSchema,
  lambdaTargetSchema,
]);

/** A rule for one upstream marker param: an anchored regular expression, or a list of allowed values. */
export const paramRuleSchema = z.union([
  z.strictObject({
    pattern: z
      .string()
      .min(2)
      .max(500)
      .refine((p) => p.startsWith('^') && p.endsWith('$'), 'pattern must be anchored: start with ^ and end with $')
      .refine((p) => {
        try {
          new RegExp(p);
          return true;
        } catch {
          return false;
        }
      }, 'pattern is not a valid regular expression')
      .describe('Anchored regular expression the value must match, e.g. "^[a-z_]{1,64}$"'),
  }),
  z.strictObject({
    enum: z.array(z.string().min(1).max(256)).min(1, 'enum needs at least one value').describe('The values allowed'),
  }),
]);

/** Who may write a job's markers, and where (docs/threat-model.md). */
export const markerRulesSchema = z
  .strictObject({
    prefix: z
      .string()
      .max(200)
      .regex(/^([A-Za-z0-9_.-]+\/)*$/, 'prefix must be folders ending in "/", e.g. "teamA/"')
      .optional()
      .describe('Markers of this job are accepted only under this key prefix'),
    writers: z
      .array(
        z
          .string()
          .regex(/^arn:aws[a-z-]*:(iam|sts)::\d{12}:[A-Za-z0-9+=,.@_/*-]+$/, 'writer must be an IAM role/user ARN (wildcards allowed)'),
      )
      .min(1)
      .optional()
      .describe("IAM principal ARNs (wildcards allowed) that may write this job's markers; everyone else is denied by the bucket policy"),
  })
  .describe('Who may write the markers of this job, and under which prefix');

export const calendarName = name('calendar');

const calendarDate = z.string().refine((s) => parseRunDate(s) !== undefined, 'must be a real day written YYYY-MM-DD, e.g. "2026-12-25"');

/** A named run-date calendar (docs/calendars.md): the dates the jobs that name it run on. */
export const calendarSchema = z
  .strictObject({
    description: z.string().max(1000).optional(),
    weekdays: z
      .array(z.enum(WEEKDAYS))
      .min(1, 'a calendar must run on at least one weekday')
      .optional()
      .describe('The weekdays it runs on (default: all seven), e.g. ["MON","TUE","WED","THU","FRI"]'),
    exclude: z.array(calendarDate).default([]).describe('Dates it does not run on (holidays), YYYY-MM-DD'),
    include: z.array(calendarDate).default([]).describe('Dates it runs on although their weekday is not in weekdays, YYYY-MM-DD'),
  })
  .describe('A run-date calendar: a job that names it is not triggered, and its runs are SKIPPED, on other dates (docs/calendars.md)');

export const jobSchema = z.strictObject({
  name: name('job'),
  description: z.string().max(1000).optional(),
  owner: z.string().max(200).optional().describe('Who to talk to when it fails; shown in alerts'),
  dependsOn: z.array(name('job')).default([]),
  schedule: cron.optional().describe('Root jobs only: when the run of the day starts (default: defaults.schedule)'),
  timezone: timezone.optional(),
  timeoutMinutes: minutes(MAX_WAIT_MINUTES, 1).optional().describe('Wait-for-all-upstreams limit, from the first upstream success'),
  maxRuntimeMinutes: minutes(MAX_WAIT_MINUTES, 1).optional().describe('Submitted but no marker by then: TIMED_OUT'),
  retries: retries.optional(),
  retryDelayMinutes: minutes(24 * 60).optional(),
  onLateUpstream: onLateUpstream.optional(),
  expectedBy: z
    .string()
    .regex(EXPECTED_BY_PATTERN, 'must be "HH:MM" (on the run date) or "+Nd HH:MM" (N = 1 to 7 days after it), e.g. "06:00" or "+1d 06:00"')
    .optional()
    .describe(
      'LATE alert once if the run has not SUCCEEDED by this wall-clock time in `timezone`: "HH:MM" on the run date, "+1d HH:MM" the next day; must fall after the job\'s start',
    ),
  notBefore: z
    .string()
    .regex(EXPECTED_BY_PATTERN, 'must be "HH:MM" (on the run date) or "+Nd HH:MM" (N = 1 to 7 days after it), e.g. "06:00" or "+1d 06:00"')
    .optional()
    .describe(
      'Not submitted before this wall-clock time in `timezone`, even when every upstream is done: "HH:MM" on the run date, "+1d HH:MM" the next day (docs/scheduling.md#time-gates-notbefore)',
    ),
  target: targetSchema,
  simulation: jobSimulationSchema.optional(),
  params: z
    .record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'param key must match [A-Za-z0-9_.-]+'), paramRuleSchema)
    .optional()
    .describe('The marker params this job accepts from its upstreams, each with a rule (docs/params.md)'),
  markers: markerRulesSchema.optional(),
  granularity: z
    .enum(['daily', 'hourly'])
    .optional()
    .describe(
      '"daily" (default): one run per day, markers <job>__<YYYYMMDD>.done; "hourly": one run per UTC hour, markers <job>__<YYYYMMDDHH>.done (docs/hourly.md)',
    ),
  hourlyDependency: z
    .record(name('job'), z.enum(['all', 'last']))
    .optional()
    .describe(
      'Daily jobs only, per hourly upstream: "all" (default) waits for all 24 hours of the day, "last" only for hour 23 (docs/hourly.md#dependency-mappings)',
    ),
  mode: mode.optional(),
  calendar: calendarName
    .optional()
    .describe(
      'A calendar from "calendars": on the dates it does not run on, this job is not triggered and its run is SKIPPED (docs/calendars.md)',
    ),
  completion: z
    .enum(['events', 'marker'])
    .optional()
    .describe(
      'Who writes the marker: "events" (the scheduler, from the service\'s state-change event or a status poll past maxRuntimeMinutes; default for emr-step, emr-serverless, glue, stepfunctions) or "marker" (the job itself; always for external and datapipeline). See docs/completion.md',
    ),
});

export const clusterSchema = z.strictObject({
  name: name('cluster'),
  description: z.string().max(1000).optional(),
  pools: z.array(name('pool')).min(1, 'a cluster must serve at least one pool'),
  start: cron,
  stop: cron,
  timezone: timezone.optional(),
  releaseLabel: z.string().regex(/^emr-\d+\.\d+\.\d+$/, 'releaseLabel must look like "emr-7.5.0"'),
  applications: z.array(z.string().min(1)).default(['Spark']),
  instances: z.strictObject({
    master: z.string().min(1).describe('Instance type, e.g. m5.xlarge'),
    core: z.strictObject({ type: z.string().min(1), count: instanceCount }).optional(),
    task: z
      .strictObject({
        type: z.string().min(1),
        count: instanceCount,
        market: z.enum(['ON_DEMAND', 'SPOT']).optional(),
      })
      .optional(),
  }),
  stepConcurrency: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(256, 'must be at most 256 (EMR StepConcurrencyLevel limit)')
    .default(10)
    .describe('StepConcurrencyLevel'),
  graceMinutes: minutes(24 * 60)
    .default(30)
    .describe('At stop, running steps may finish for this long'),
  configurations: z.array(z.record(z.string(), z.unknown())).optional().describe('EMR Configurations, passed through'),
  tags: z.record(z.string(), z.string()).optional(),
  simulation: z.strictObject({ provisionMinutes: minutes(180).optional() }).optional(),
});

export const defaultsSchema = z.strictObject({
  timezone: timezone.optional(),
  schedule: cron.optional().describe('Start of root jobs without their own schedule (default "0 0 * * *")'),
  timeoutMinutes: minutes(MAX_WAIT_MINUTES, 1).optional(),
  maxRuntimeMinutes: minutes(MAX_WAIT_MINUTES, 1).optional(),
  retries: retries.optional(),
  retryDelayMinutes: minutes(24 * 60).optional(),
  onLateUpstream: onLateUpstream.optional(),
  maxConcurrentReruns: maxConcurrentReruns.optional(),
  mode: mode.optional(),
});

/** One file under dag-config/. Entities are validated one at a time (see load.ts) so errors name them. */
export const configFileSchema = z.strictObject({
  $schema: z.string().optional(),
  defaults: defaultsSchema.optional(),
  clusters: z.array(clusterSchema).optional(),
  jobs: z.array(jobSchema).optional(),
  calendars: z.record(calendarName, calendarSchema).optional().describe('Named run-date calendars (docs/calendars.md)'),
});

export type JobSpec = z.infer<typeof jobSchema>;
export type ClusterSpec = z.infer<typeof clusterSchema>;
export type CalendarSpec = z.infer<typeof calendarSchema>;
export type Defaults = z.infer<typeof defaultsSchema>;
export type OnLateUpstream = (typeof ON_LATE_UPSTREAM)[number];
export type Target = z.infer<typeof targetSchema>;
export type DataPipelineTarget = z.infer<typeof dataPipelineTargetSchema>;
export type EmrStepTarget = z.infer<typeof emrStepTargetSchema>;
export type EmrServerlessTarget = z.infer<typeof emrServerlessTargetSchema>;
export type GlueTarget = z.infer<typeof glueTargetSchema>;
export type StepFunctionsTarget = z.infer<typeof stepFunctionsTargetSchema>;
export type LambdaTarget = z.infer<typeof lambdaTargetSchema>;
export type ConfigFile = z.infer<typeof configFileSchema>;
export type ParamRule = z.infer<typeof paramRuleSchema>;
export type MarkerRules = z.infer<typeof markerRulesSchema>;
