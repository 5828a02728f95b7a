import { FAILED_STEP_STATES } from '../domain/fleet/emr-states';
import type { ClusterStateChange, StepStatusChange } from '../engine/fleet/registry';

/** The EventBridge detail types of the EMR events the registry handles. */
export const EMR_DETAIL_TYPES = { cluster: 'EMR Cluster State Change', step: 'EMR Step Status Change' } as const;

/** Every state an "EMR Cluster State Change" reports. */
export const EMR_CLUSTER_STATES = [
  'STARTING',
  'BOOTSTRAPPING',
  'RUNNING',
  'WAITING',
  'TERMINATING',
  'TERMINATED',
  'TERMINATED_WITH_ERRORS',
] as const;

/**
 * The `detail.state` values the registry acts on: every cluster state, and
 * the step states that end an attempt as failed. The EventBridge rule filters
 * on them, so PENDING and COMPLETED steps (most step events) never wake the
 * registry; a step RUNNING still passes (a cluster state of the same name)
 * and is ignored.
 */
export const HANDLED_EMR_STATES: readonly string[] = [...new Set<string>([...EMR_CLUSTER_STATES, ...FAILED_STEP_STATES])];

/**
 * EMR events from EventBridge ("EMR Cluster State Change", "EMR Step Status
 * Change"), as delivered through the cluster-events SNS topic or directly.
 * `stateChangeReason` is a JSON-encoded string in these events.
 */
export type EmrEvent =
  | { readonly kind: 'cluster'; readonly change: ClusterStateChange }
  | { readonly kind: 'step'; readonly change: StepStatusChange }
  | { readonly kind: 'other'; readonly detailType: string };

interface EventBridgeEnvelope {
  readonly source?: string;
  readonly 'detail-type'?: string;
  readonly time?: string;
  readonly detail?: Record<string, unknown>;
}

function reasonOf(detail: Record<string, unknown>): string | undefined {
  const raw = detail.stateChangeReason;
  if (typeof raw === 'string' && raw !== '') {
    try {
      const parsed = JSON.parse(raw) as { message?: string; code?: string };
      return [parsed.code, parsed.message].filter(Boolean).join(': ') || undefined;
    } catch {
      return raw;
    }
  }
  return typeof detail.message === 'string' ? detail.message : undefined;
}

export function parseEmrEvent(envelope: unknown): EmrEvent {
  const e = envelope as EventBridgeEnvelope;
  const detailType = e?.['detail-type'] ?? 'unknown';
  const d = e?.detail ?? {};
  if (e?.source !== 'aws.emr' || typeof d.clusterId !== 'string' || typeof d.state !== 'string') return { kind: 'other', detailType };
  if (detailType === EMR_DETAIL_TYPES.cluster) {
    const name = typeof d.name === 'string' && d.name !== '' ? { name: d.name } : {};
    return { kind: 'cluster', change: { clusterId: d.clusterId, state: d.state, reason: reasonOf(d), ...name } };
  }
  if (detailType === EMR_DETAIL_TYPES.step && typeof d.stepId === 'string') {
    return {
      kind: 'step',
      change: {
        clusterId: d.clusterId,
        stepId: d.stepId,
        name: typeof d.name === 'string' ? d.name : '',
        state: d.state,
        reason: reasonOf(d),
        at: e.time ?? new Date().toISOString(),
      },
    };
  }
  return { kind: 'other', detailType };
}

/** EventBridge events inside an SNS event (or one direct event). */
export function emrEventsIn(event: unknown): EmrEvent[] {
  const records = (event as { Records?: { Sns?: { Message?: string } }[] })?.Records;
  if (!Array.isArray(records)) return [parseEmrEvent(event)];
  return records.map((r) => {
    try {
      return parseEmrEvent(JSON.parse(r.Sns?.Message ?? ''));
    } catch {
      return { kind: 'other', detailType: 'unparseable SNS message' } as const;
    }
  });
}
