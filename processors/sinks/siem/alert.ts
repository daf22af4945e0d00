// TrajectoryAlert: a cross-session or trajectory signal (quarantine included) on `arbiter.alerts`. The type is the
// one generated from schemas/TrajectoryAlert.avsc (single source); the SIEM forwarders format it as a finding.
export type { TrajectoryAlert } from '../../../schemas/generated/TrajectoryAlert.ts';
export type { AlertSeverity } from '../../../schemas/generated/AlertSeverity.ts';
