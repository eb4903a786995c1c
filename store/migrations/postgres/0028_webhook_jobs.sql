-- Outgoing webhooks are sent by jobs of the queue (kind webhook-delivery,
-- one per delivery, keyed "delivery ID"). A delivery still pending when
-- the database is upgraded gets its job here, due when the delivery was,
-- with the attempts it has made counted against the job's eight.
INSERT INTO jobs (kind, dedupe_key, payload, state, attempts, max_attempts, run_at, created_at, updated_at)
SELECT 'webhook-delivery', 'delivery ' || id, '{"delivery_id":' || id || '}', 'pending',
       CASE WHEN tries < 7 THEN tries ELSE 7 END, 8, next_at, updated_at, updated_at
FROM webhook_deliveries WHERE status = 'pending';
