/**
 * A shadow decision (docs/shadow.md): what a shadow job's run would have
 * submitted, and when. Pure data, kept on the run and described in its history.
 */

/** The rendered submit request, exactly as the submitter would have received it. */
export interface ShadowRequest {
  /** The rendered target (`type` plus every templated field rendered), as sent to the control plane. */
  readonly target: { readonly type: string } & Readonly<Record<string, unknown>>;
  /** The live cluster it would have gone to (pool targets only). */
  readonly cluster?: { readonly id: string; readonly name: string; readonly masterIp?: string };
}

export interface ShadowDecision {
  /** When the run was claimed for submission: the moment a live job would have called the control plane. */
  readonly at: string;
  readonly attempt: number;
  readonly request: ShadowRequest;
}

/** The history line of a shadow decision: the whole rendered request, so `rsched log` shows what would have gone out. */
export function describeShadowDecision(d: ShadowDecision): string {
  const where = d.request.cluster ? ` to cluster ${d.request.cluster.name} (${d.request.cluster.id})` : '';
  return `shadow: would have submitted ${JSON.stringify(d.request.target)}${where}; nothing was sent`;
}

/** Decodes a stored decision; undefined when the value is not one (an error names it at the caller). */
export function asShadowDecision(value: unknown): ShadowDecision | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const request = v.request as Record<string, unknown> | undefined;
  const target = request?.target as Record<string, unknown> | undefined;
  if (typeof v.at !== 'string' || typeof v.attempt !== 'number' || typeof target?.type !== 'string') return undefined;
  return value as ShadowDecision;
}
