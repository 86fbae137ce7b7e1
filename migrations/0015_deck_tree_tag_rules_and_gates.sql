-- Decks, tags and ownership gates: rules that must hold whatever code path writes (ours, sync, import),
-- so they live in SQL. A D1 batch is one transaction and D1 has a single writer: a trigger here sees
-- everything committed before its batch, which is what makes racing moves unable to form a cycle.

-- Before a deck is created: the parent must be the same user's deck, at most 2,000 decks per user,
-- at most 8 levels (depth of a deck = the number of its ancestors including itself).
CREATE TRIGGER `decks_before_insert` BEFORE INSERT ON `decks`
BEGIN
  SELECT RAISE(ABORT, 'deck_not_found')
  WHERE NEW.`parent_id` IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM `decks` WHERE `id` = NEW.`parent_id` AND `user_id` = NEW.`user_id`);
  SELECT RAISE(ABORT, 'deck_limit_reached')
  WHERE (SELECT count(*) FROM `decks` WHERE `user_id` = NEW.`user_id`) >= 2000;
  SELECT RAISE(ABORT, 'deck_too_deep')
  WHERE NEW.`parent_id` IS NOT NULL
    AND (SELECT count(*) FROM `deck_tree` WHERE `descendant_id` = NEW.`parent_id`) >= 8;
END;
--> statement-breakpoint
-- The new deck's closure rows: the parent's ancestors (one step further away) and itself.
CREATE TRIGGER `decks_after_insert` AFTER INSERT ON `decks`
BEGIN
  INSERT INTO `deck_tree` (`user_id`, `ancestor_id`, `descendant_id`, `distance`)
  SELECT NEW.`user_id`, `ancestor_id`, NEW.`id`, `distance` + 1 FROM `deck_tree` WHERE `descendant_id` = NEW.`parent_id`
  UNION ALL
  SELECT NEW.`user_id`, NEW.`id`, NEW.`id`, 0;
END;
--> statement-breakpoint
-- Before a move: the new parent must be the user's deck and must not be the deck or one of its
-- descendants (a cycle), and the moved subtree must still fit in 8 levels.
CREATE TRIGGER `decks_before_move` BEFORE UPDATE OF `parent_id` ON `decks`
WHEN NEW.`parent_id` IS NOT OLD.`parent_id`
BEGIN
  SELECT RAISE(ABORT, 'deck_not_found')
  WHERE NEW.`parent_id` IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM `decks` WHERE `id` = NEW.`parent_id` AND `user_id` = NEW.`user_id`);
  SELECT RAISE(ABORT, 'deck_cycle')
  WHERE EXISTS (SELECT 1 FROM `deck_tree` WHERE `ancestor_id` = NEW.`id` AND `descendant_id` = NEW.`parent_id`);
  SELECT RAISE(ABORT, 'deck_too_deep')
  WHERE coalesce((SELECT count(*) FROM `deck_tree` WHERE `descendant_id` = NEW.`parent_id`), 0)
      + (SELECT max(`distance`) FROM `deck_tree` WHERE `ancestor_id` = NEW.`id`) + 1 > 8;
END;
--> statement-breakpoint
-- After a move: unlink the subtree from its old ancestors, link it under the new parent's ancestors.
CREATE TRIGGER `decks_after_move` AFTER UPDATE OF `parent_id` ON `decks`
WHEN NEW.`parent_id` IS NOT OLD.`parent_id`
BEGIN
  DELETE FROM `deck_tree`
  WHERE `descendant_id` IN (SELECT `descendant_id` FROM `deck_tree` WHERE `ancestor_id` = NEW.`id`)
    AND `ancestor_id` NOT IN (SELECT `descendant_id` FROM `deck_tree` WHERE `ancestor_id` = NEW.`id`);
  INSERT INTO `deck_tree` (`user_id`, `ancestor_id`, `descendant_id`, `distance`)
  SELECT NEW.`user_id`, `above`.`ancestor_id`, `below`.`descendant_id`, `above`.`distance` + `below`.`distance` + 1
  FROM `deck_tree` AS `above`, `deck_tree` AS `below`
  WHERE `above`.`descendant_id` = NEW.`parent_id` AND `below`.`ancestor_id` = NEW.`id`;
END;
--> statement-breakpoint
-- At most 20 tags per card, however the links are written (a bulk add_tags fails whole).
CREATE TRIGGER `flashcard_tags_max_per_card` AFTER INSERT ON `flashcard_tags`
BEGIN
  SELECT RAISE(ABORT, 'too_many_tags')
  WHERE (SELECT count(*) FROM `flashcard_tags` WHERE `flashcard_id` = NEW.`flashcard_id`) > 20;
END;
--> statement-breakpoint
-- A tag exists exactly while a card carries it: the last link's removal (also through a card's
-- deletion) removes the tag, so GET /tags never lists a tag with no cards.
CREATE TRIGGER `flashcard_tags_prune_unused` AFTER DELETE ON `flashcard_tags`
BEGIN
  DELETE FROM `tags`
  WHERE `id` = OLD.`tag_id` AND NOT EXISTS (SELECT 1 FROM `flashcard_tags` WHERE `tag_id` = OLD.`tag_id`);
END;
--> statement-breakpoint
-- Ownership gates for id lists: inserting (user_id, a JSON array of ids) aborts the whole batch unless
-- every id is the user's. One statement and one bound parameter for any number of ids (D1 allows 100
-- parameters per statement and 50 statements per request on Workers Free). NULLs in the list are skipped.
CREATE VIEW `deck_gate` AS SELECT NULL AS `user_id`, NULL AS `deck_ids` WHERE 0;
--> statement-breakpoint
CREATE TRIGGER `deck_gate_check` INSTEAD OF INSERT ON `deck_gate`
BEGIN
  SELECT RAISE(ABORT, 'deck_not_found')
  WHERE EXISTS (
    SELECT 1 FROM json_each(NEW.`deck_ids`) AS `j`
    WHERE `j`.`value` IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM `decks` WHERE `id` = `j`.`value` AND `user_id` = NEW.`user_id`)
  );
END;
--> statement-breakpoint
CREATE VIEW `flashcard_gate` AS SELECT NULL AS `user_id`, NULL AS `flashcard_ids` WHERE 0;
--> statement-breakpoint
CREATE TRIGGER `flashcard_gate_check` INSTEAD OF INSERT ON `flashcard_gate`
BEGIN
  SELECT RAISE(ABORT, 'flashcard_not_found')
  WHERE EXISTS (
    SELECT 1 FROM json_each(NEW.`flashcard_ids`) AS `j`
    WHERE `j`.`value` IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM `flashcards` WHERE `id` = `j`.`value` AND `user_id` = NEW.`user_id`)
  );
END;
--> statement-breakpoint
CREATE VIEW `generation_list_gate` AS SELECT NULL AS `user_id`, NULL AS `generation_ids` WHERE 0;
--> statement-breakpoint
CREATE TRIGGER `generation_list_gate_check` INSTEAD OF INSERT ON `generation_list_gate`
BEGIN
  SELECT RAISE(ABORT, 'generation_not_found')
  WHERE EXISTS (
    SELECT 1 FROM json_each(NEW.`generation_ids`) AS `j`
    WHERE `j`.`value` IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM `generations` WHERE `id` = `j`.`value` AND `user_id` = NEW.`user_id`)
  );
END;
