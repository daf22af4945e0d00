-- ApprovalEvent v2 adds ApprovalRequested.review (what a reviewer needs to decide). Stored as its JSON text: the
-- context is read whole, per approval, by people; '' for v1 events and for resolutions.
ALTER TABLE {{local:approval_events}} {{on_cluster}} ADD COLUMN IF NOT EXISTS review String DEFAULT '' AFTER reason;
