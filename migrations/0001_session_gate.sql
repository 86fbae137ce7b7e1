-- The session gate: every authenticated D1 batch starts with
--   INSERT INTO session_gate (session_id, user_id, at) VALUES (?, ?, ?)
-- The view stores nothing; its INSTEAD OF trigger aborts the statement, and so the whole batch
-- (a D1 batch is one transaction), when the session is revoked, expired or not the user's.
-- This makes logout and account deletion take effect immediately at no extra round trip.
CREATE VIEW `session_gate` AS SELECT NULL AS `session_id`, NULL AS `user_id`, NULL AS `at` WHERE 0;
--> statement-breakpoint
CREATE TRIGGER `session_gate_check` INSTEAD OF INSERT ON `session_gate`
BEGIN
  SELECT RAISE(ABORT, 'session_invalid')
  WHERE NOT EXISTS (
    SELECT 1 FROM `sessions`
    WHERE `id` = NEW.`session_id` AND `user_id` = NEW.`user_id`
      AND `revoked_at` IS NULL AND `expires_at` > NEW.`at`
  );
END;
