-- The acceptance gate (issue #12 item 3): `INSERT INTO proposal_acceptance_gate (user_id, items, at)` with
-- `items` a JSON array of `{"g": generation id, "i": proposal index, "h": text hash or null}` (h only for
-- ai-full cards) aborts the whole batch with 'not_a_proposal' (an index the generation did not propose, or an
-- ai-full text that is not the proposal's) or 'proposal_already_accepted' (accepted before, or named twice in
-- the request), else marks the proposals accepted. One statement and one JSON parameter for any number of
-- items. A D1 batch is one transaction on a single writer: of two simultaneous accepts, the second sees the
-- first's accepted_at.
CREATE VIEW `proposal_acceptance_gate` AS SELECT NULL AS `user_id`, NULL AS `items`, NULL AS `at` WHERE 0;
--> statement-breakpoint
CREATE TRIGGER `proposal_acceptance_gate_check` INSTEAD OF INSERT ON `proposal_acceptance_gate`
BEGIN
  SELECT RAISE(ABORT, 'not_a_proposal')
  WHERE EXISTS (
    SELECT 1 FROM json_each(NEW.`items`) AS `j`
    LEFT JOIN `generation_proposals` AS `p`
      ON `p`.`generation_id` = `j`.`value` ->> '$.g'
      AND `p`.`proposal_index` = `j`.`value` ->> '$.i'
      AND `p`.`user_id` = NEW.`user_id`
    WHERE `p`.`generation_id` IS NULL
      OR (`j`.`value` ->> '$.h' IS NOT NULL AND `p`.`text_hash` IS NOT `j`.`value` ->> '$.h')
  );
  SELECT RAISE(ABORT, 'proposal_already_accepted')
  WHERE EXISTS (
    SELECT 1 FROM json_each(NEW.`items`) AS `j`
    JOIN `generation_proposals` AS `p`
      ON `p`.`generation_id` = `j`.`value` ->> '$.g' AND `p`.`proposal_index` = `j`.`value` ->> '$.i'
    WHERE `p`.`accepted_at` IS NOT NULL
  )
  OR (SELECT count(*) FROM json_each(NEW.`items`))
    > (SELECT count(*) FROM (SELECT DISTINCT `value` ->> '$.g', `value` ->> '$.i' FROM json_each(NEW.`items`)));
  UPDATE `generation_proposals` SET `accepted_at` = NEW.`at`
  WHERE `user_id` = NEW.`user_id`
    AND (`generation_id`, `proposal_index`) IN (
      SELECT `value` ->> '$.g', `value` ->> '$.i' FROM json_each(NEW.`items`)
    );
END;
