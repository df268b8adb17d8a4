import type { Static } from '@sinclair/typebox';
import type {
  ActiveAlert as ActiveAlertSchema,
  ActiveAlerts as ActiveAlertsSchema,
  HistoryResult as HistoryResultSchema,
  RuleInfo as RuleInfoSchema,
  RulesResult as RulesResultSchema,
} from '../../../api/src/alerts/schemas.ts';
import type {
  DeliveriesResult as DeliveriesResultSchema,
  DeliveryView as DeliveryViewSchema,
  SilenceView as SilenceViewSchema,
  SilencesResult as SilencesResultSchema,
} from '../../../api/src/alerts/notify/api-schemas.ts';
import type { LabelMatcher as LabelMatcherSchema } from '../../../api/src/alerts/notify/matchers.ts';
import type { AlertDeploys as AlertDeploysSchema } from '../../../api/src/alerts/deploys-schemas.ts';

/** The alerts API's answers, type-only from its TypeBox schemas (as lib/types.ts does for the rest). */
export type ActiveAlert = Static<typeof ActiveAlertSchema>;
export type ActiveAlerts = Static<typeof ActiveAlertsSchema>;
export type RuleInfo = Static<typeof RuleInfoSchema>;
export type RulesResult = Static<typeof RulesResultSchema>;
export type HistoryResult = Static<typeof HistoryResultSchema>;
export type Transition = HistoryResult['transitions'][number];
export type SilenceView = Static<typeof SilenceViewSchema>;
export type SilencesResult = Static<typeof SilencesResultSchema>;
export type LabelMatcher = Static<typeof LabelMatcherSchema>;
export type MatcherOp = LabelMatcher['op'];
export type DeliveryView = Static<typeof DeliveryViewSchema>;
export type DeliveriesResult = Static<typeof DeliveriesResultSchema>;
export type AlertDeploys = Static<typeof AlertDeploysSchema>;

/** What POST /api/alerts/silences takes from the form. */
export interface SilenceInput {
  matchers: LabelMatcher[];
  reason: string;
  startsAt?: string;
  endsAt?: string;
  duration?: string;
}
