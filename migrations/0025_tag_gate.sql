-- Ownership gate for tag names (bulk remove_tags): inserting (user_id, a JSON array of name keys) aborts
-- the whole batch unless every key is one of the user's tags. Like deck_gate and flashcard_gate
-- (0015): one statement and one bound parameter for any number of tags.
CREATE VIEW `tag_gate` AS SELECT NULL AS `user_id`, NULL AS `tag_keys` WHERE 0;
--> statement-breakpoint
CREATE TRIGGER `tag_gate_check` INSTEAD OF INSERT ON `tag_gate`
BEGIN
  SELECT RAISE(ABORT, 'tag_not_found')
  WHERE EXISTS (
    SELECT 1 FROM json_each(NEW.`tag_keys`) AS `j`
    WHERE NOT EXISTS (SELECT 1 FROM `tags` WHERE `user_id` = NEW.`user_id` AND `name_key` = `j`.`value`)
  );
END;
