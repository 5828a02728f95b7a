import type { ConfigIssue } from '../issues';
import type { ParsedConfig } from '../parse';
import { checkCalendars } from './calendars';
import { checkCompletion } from './completion';
import { checkCycles } from './cycles';
import { checkDeadlines } from './deadlines';
import { checkDefaults } from './defaults';
import { checkDependencies } from './dependencies';
import { checkDuplicateNames } from './duplicate-names';
import { checkHourly } from './hourly';
import { checkMarkerWriters } from './marker-writers';
import { checkNotBefore } from './not-before';
import { checkParams } from './params';
import { checkPools } from './pools';
import { checkSchedules } from './schedules';
import { checkShadowMode } from './shadow-mode';
import { checkTemplates } from './templates';

export type ConfigCheck = (config: ParsedConfig) => ConfigIssue[];

/** Each check is pure and independent; all run so that every problem is reported at once. */
export const CHECKS: readonly ConfigCheck[] = [
  checkDuplicateNames,
  checkDependencies,
  checkCycles,
  checkSchedules,
  checkPools,
  checkTemplates,
  checkParams,
  checkMarkerWriters,
  checkDefaults,
  checkDeadlines,
  checkNotBefore,
  checkShadowMode,
  checkCompletion,
  checkCalendars,
  checkHourly,
];
