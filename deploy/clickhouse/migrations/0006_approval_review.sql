-- ApprovalEvent v2 adds ApprovalRequested.review (what a reviewer needs to decide). Stored as its JSON text: the
-- context is read whole, per approval, by people; '' for v1 events and for resolutions.
-- On a cluster both the shard-local table and the Distributed table over it need the column; on a single node the
-- two statements name the same table and the second is a no-op.
ALTER TABLE {{local:approval_events}} {{on_cluster}} ADD COLUMN IF NOT EXISTS review String DEFAULT '' AFTER reason;
ALTER TABLE approval_events {{on_cluster}} ADD COLUMN IF NOT EXISTS review String DEFAULT '' AFTER reason;
