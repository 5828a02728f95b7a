/** The Glue job argument that carries the run's submission name, so GetJobRuns can find a lost submission. */
export const GLUE_RUN_ARGUMENT = '--rsched-run';
