-- The proposal acceptance gate (0022) marks the accepted proposals with
-- `user_id = ? AND (generation_id, proposal_index) IN (the request's items)`. Without planner statistics
-- SQLite drove that UPDATE from `generation_proposals_user_idx`, walking every proposal the user ever
-- received (50 per generation) on each accept. `+user_id` leaves the primary key to the items; the owner
-- check stays. The rest of the trigger is unchanged.
DROP TRIGGER `proposal_acceptance_gate_check`;
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
  WHERE +`user_id` = NEW.`user_id`
    AND (`generation_id`, `proposal_index`) IN (
      SELECT `value` ->> '$.g', `value` ->> '$.i' FROM json_each(NEW.`items`)
    );
END;
