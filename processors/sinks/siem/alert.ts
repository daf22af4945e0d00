// TrajectoryAlert: a cross-session or trajectory signal (quarantine included) on `arbiter.alerts`.
// Mirrors schemas/TrajectoryAlert.avsc field for field; the SIEM forwarders format it as a finding.

export type AlertSeverity = 'info' | 'low' | 'medium' | 'high' | 'critical';

export interface TrajectoryAlert {
  readonly alertId: string;
  /** What was detected, e.g. "cross_session_exfiltration", "quarantine". */
  readonly kind: string;
  readonly severity: AlertSeverity;
  readonly tenantId: string;
  readonly agentId: string;
  readonly sessionIds: readonly string[];
  readonly summary: string;
  /** fact name -> value as text: what the correlator saw. */
  readonly facts: Readonly<Record<string, string>>;
  readonly atMs: number;
}
