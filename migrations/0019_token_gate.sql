-- The token gate: every write batch authenticated by a personal access token starts with
--   INSERT INTO token_gate (token_id, user_id, at) VALUES (?, ?, ?)
-- The view stores nothing; its INSTEAD OF trigger aborts the statement, and so the whole batch
-- (a D1 batch is one transaction, on the primary), when the token was deleted (revoked), has
-- expired or is not the user's. Reads use the read-only SELECT equivalent (src/db/token-gate.ts).
CREATE VIEW `token_gate` AS SELECT NULL AS `token_id`, NULL AS `user_id`, NULL AS `at` WHERE 0;
--> statement-breakpoint
CREATE TRIGGER `token_gate_check` INSTEAD OF INSERT ON `token_gate`
BEGIN
  SELECT RAISE(ABORT, 'token_invalid')
  WHERE NOT EXISTS (
    SELECT 1 FROM `personal_access_tokens`
    WHERE `id` = NEW.`token_id` AND `user_id` = NEW.`user_id`
      AND (`expires_at` IS NULL OR `expires_at` > NEW.`at`)
  );
END;
