-- Issue #14: versions and the change feed, kept by triggers so that every write path — today's routes
-- and those added later (imports, card states, settings, bulk edits) — moves versions and records its
-- change inside its own statement, transaction and batch, with no code in the handler.

-- Version safety net: a write that did not bump `version` itself gets bumped (routes that answer an
-- ETag bump in their own UPDATE so RETURNING shows the new version; this catches every other path).
-- A write that bumps it itself (reviews, undo, PATCH) is not bumped twice.
CREATE TRIGGER `flashcards_version_bump` AFTER UPDATE ON `flashcards`
WHEN NEW.`version` = OLD.`version`
BEGIN
  UPDATE `flashcards` SET `version` = `version` + 1 WHERE `id` = NEW.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `decks_version_bump` AFTER UPDATE ON `decks`
WHEN NEW.`version` = OLD.`version`
BEGIN
  UPDATE `decks` SET `version` = `version` + 1 WHERE `id` = NEW.`id`;
END;
--> statement-breakpoint
-- A card's JSON shows its tag names: linking, unlinking or relinking (a merge) records a change of the
-- card. Its version is not moved here: a review batch links a leech tag between reading the card's
-- version and its conditional update (routes that answer an ETag bump the version themselves).
CREATE TRIGGER `flashcard_tags_change_insert` AFTER INSERT ON `flashcard_tags`
BEGIN
  INSERT INTO `change_log` SELECT NEW.`user_id`, 'flashcard', NEW.`flashcard_id`, 'upsert'
  WHERE EXISTS (SELECT 1 FROM `flashcards` WHERE `id` = NEW.`flashcard_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `flashcard_tags_change_delete` AFTER DELETE ON `flashcard_tags`
BEGIN
  INSERT INTO `change_log` SELECT OLD.`user_id`, 'flashcard', OLD.`flashcard_id`, 'upsert'
  WHERE EXISTS (SELECT 1 FROM `flashcards` WHERE `id` = OLD.`flashcard_id`);
END;
--> statement-breakpoint
CREATE TRIGGER `flashcard_tags_change_update` AFTER UPDATE ON `flashcard_tags`
BEGIN
  INSERT INTO `change_log` SELECT OLD.`user_id`, 'flashcard', OLD.`flashcard_id`, 'upsert'
  WHERE EXISTS (SELECT 1 FROM `flashcards` WHERE `id` = OLD.`flashcard_id`);
  INSERT INTO `change_log` SELECT NEW.`user_id`, 'flashcard', NEW.`flashcard_id`, 'upsert'
  WHERE NEW.`flashcard_id` <> OLD.`flashcard_id` AND EXISTS (SELECT 1 FROM `flashcards` WHERE `id` = NEW.`flashcard_id`);
END;
--> statement-breakpoint
-- A respelled tag changes every card that shows it.
CREATE TRIGGER `tags_rename_version` AFTER UPDATE OF `name` ON `tags`
WHEN NEW.`name` IS NOT OLD.`name`
BEGIN
  UPDATE `flashcards` SET `version` = `version` + 1
  WHERE `id` IN (SELECT `flashcard_id` FROM `flashcard_tags` WHERE `tag_id` = NEW.`id`);
END;
--> statement-breakpoint
-- A renamed or moved deck changes the path of its subdecks (the subtree is the same before and after a move).
CREATE TRIGGER `decks_path_version` AFTER UPDATE OF `name`, `parent_id` ON `decks`
WHEN NEW.`name` IS NOT OLD.`name` OR NEW.`parent_id` IS NOT OLD.`parent_id`
BEGIN
  UPDATE `decks` SET `version` = `version` + 1
  WHERE `id` IN (SELECT `descendant_id` FROM `deck_tree` WHERE `ancestor_id` = NEW.`id` AND `distance` > 0);
END;
--> statement-breakpoint
-- The one recording routine: inserting (user_id, entity, entity_id, op) assigns the user's next seq
-- (the counter row is written inside the writing transaction, and D1 has one writer, so seqs follow
-- commit order) and replaces the entity's previous change. Nothing is recorded once the user row is
-- gone (an account deletion cascading): the feed rows go with the user.
CREATE VIEW `change_log` AS SELECT NULL AS `user_id`, NULL AS `entity`, NULL AS `entity_id`, NULL AS `op` WHERE 0;
--> statement-breakpoint
CREATE TRIGGER `change_log_record` INSTEAD OF INSERT ON `change_log`
WHEN EXISTS (SELECT 1 FROM `users` WHERE `id` = NEW.`user_id`)
BEGIN
  INSERT INTO `sync_counters` (`user_id`, `seq`, `pruned_seq`)
  SELECT NEW.`user_id`, 0, 0 WHERE NOT EXISTS (SELECT 1 FROM `sync_counters` WHERE `user_id` = NEW.`user_id`);
  UPDATE `sync_counters` SET `seq` = `seq` + 1 WHERE `user_id` = NEW.`user_id`;
  DELETE FROM `changes`
  WHERE `user_id` = NEW.`user_id` AND `entity` = NEW.`entity` AND `entity_id` = NEW.`entity_id`;
  INSERT INTO `changes` (`user_id`, `seq`, `entity`, `entity_id`, `op`, `changed_at`)
  SELECT NEW.`user_id`, `seq`, NEW.`entity`, NEW.`entity_id`, NEW.`op`, CAST(unixepoch('subsec') * 1000 AS INTEGER)
  FROM `sync_counters` WHERE `user_id` = NEW.`user_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `flashcards_change_insert` AFTER INSERT ON `flashcards`
BEGIN
  INSERT INTO `change_log` VALUES (NEW.`user_id`, 'flashcard', NEW.`id`, 'upsert');
END;
--> statement-breakpoint
-- Every update ends with a version change (the bump trigger above): recorded once, on that one.
CREATE TRIGGER `flashcards_change_update` AFTER UPDATE ON `flashcards`
WHEN NEW.`version` <> OLD.`version`
BEGIN
  INSERT INTO `change_log` VALUES (NEW.`user_id`, 'flashcard', NEW.`id`, 'upsert');
END;
--> statement-breakpoint
CREATE TRIGGER `flashcards_change_delete` AFTER DELETE ON `flashcards`
BEGIN
  INSERT INTO `change_log` VALUES (OLD.`user_id`, 'flashcard', OLD.`id`, 'delete');
END;
--> statement-breakpoint
CREATE TRIGGER `decks_change_insert` AFTER INSERT ON `decks`
BEGIN
  INSERT INTO `change_log` VALUES (NEW.`user_id`, 'deck', NEW.`id`, 'upsert');
END;
--> statement-breakpoint
CREATE TRIGGER `decks_change_update` AFTER UPDATE ON `decks`
WHEN NEW.`version` <> OLD.`version`
BEGIN
  INSERT INTO `change_log` VALUES (NEW.`user_id`, 'deck', NEW.`id`, 'upsert');
END;
--> statement-breakpoint
CREATE TRIGGER `decks_change_delete` AFTER DELETE ON `decks`
BEGIN
  INSERT INTO `change_log` VALUES (OLD.`user_id`, 'deck', OLD.`id`, 'delete');
END;
--> statement-breakpoint
CREATE TRIGGER `tags_change_insert` AFTER INSERT ON `tags`
BEGIN
  INSERT INTO `change_log` VALUES (NEW.`user_id`, 'tag', NEW.`id`, 'upsert');
END;
--> statement-breakpoint
CREATE TRIGGER `tags_change_update` AFTER UPDATE ON `tags`
BEGIN
  INSERT INTO `change_log` VALUES (NEW.`user_id`, 'tag', NEW.`id`, 'upsert');
END;
--> statement-breakpoint
CREATE TRIGGER `tags_change_delete` AFTER DELETE ON `tags`
BEGIN
  INSERT INTO `change_log` VALUES (OLD.`user_id`, 'tag', OLD.`id`, 'delete');
END;
--> statement-breakpoint
CREATE TRIGGER `study_sessions_change_insert` AFTER INSERT ON `study_sessions`
BEGIN
  INSERT INTO `change_log` VALUES (NEW.`user_id`, 'study_session', NEW.`id`, 'upsert');
END;
--> statement-breakpoint
CREATE TRIGGER `study_sessions_change_update` AFTER UPDATE ON `study_sessions`
BEGIN
  INSERT INTO `change_log` VALUES (NEW.`user_id`, 'study_session', NEW.`id`, 'upsert');
END;
--> statement-breakpoint
CREATE TRIGGER `study_sessions_change_delete` AFTER DELETE ON `study_sessions`
BEGIN
  INSERT INTO `change_log` VALUES (OLD.`user_id`, 'study_session', OLD.`id`, 'delete');
END;
--> statement-breakpoint
CREATE TRIGGER `review_logs_change_insert` AFTER INSERT ON `review_logs`
BEGIN
  INSERT INTO `change_log` VALUES (NEW.`user_id`, 'review', NEW.`id`, 'upsert');
END;
--> statement-breakpoint
CREATE TRIGGER `review_logs_change_update` AFTER UPDATE ON `review_logs`
BEGIN
  INSERT INTO `change_log` VALUES (NEW.`user_id`, 'review', NEW.`id`, 'upsert');
END;
--> statement-breakpoint
-- An undone review leaves a tombstone; a review that goes with its card does not (the card's
-- tombstone stands for its reviews), and its feed row goes. FK cascades delete the parent row first,
-- so here the card is already gone.
CREATE TRIGGER `review_logs_change_delete` AFTER DELETE ON `review_logs`
BEGIN
  DELETE FROM `changes` WHERE `user_id` = OLD.`user_id` AND `entity` = 'review' AND `entity_id` = OLD.`id`;
  INSERT INTO `change_log`
  SELECT OLD.`user_id`, 'review', OLD.`id`, 'delete'
  WHERE EXISTS (SELECT 1 FROM `flashcards` WHERE `id` = OLD.`flashcard_id`);
END;
--> statement-breakpoint
-- If-Match: inserting (user_id, entity, id, versions) aborts with 'precondition_failed' when the row
-- exists at another version (`versions` is '*' or a JSON array). Put first in the write's own batch, it
-- is atomic with the write; a missing row passes (the write answers 404).
CREATE VIEW `version_gate` AS SELECT NULL AS `user_id`, NULL AS `entity`, NULL AS `id`, NULL AS `versions` WHERE 0;
--> statement-breakpoint
CREATE TRIGGER `version_gate_check` INSTEAD OF INSERT ON `version_gate`
BEGIN
  SELECT RAISE(ABORT, 'precondition_failed')
  WHERE NEW.`entity` = 'flashcard' AND NEW.`versions` <> '*'
    AND EXISTS (
      SELECT 1 FROM `flashcards` WHERE `id` = NEW.`id` AND `user_id` = NEW.`user_id`
        AND `version` NOT IN (SELECT `value` FROM json_each(NEW.`versions`))
    );
  SELECT RAISE(ABORT, 'precondition_failed')
  WHERE NEW.`entity` = 'deck' AND NEW.`versions` <> '*'
    AND EXISTS (
      SELECT 1 FROM `decks` WHERE `id` = NEW.`id` AND `user_id` = NEW.`user_id`
        AND `version` NOT IN (SELECT `value` FROM json_each(NEW.`versions`))
    );
END;
--> statement-breakpoint
-- What exists already becomes the start of each user's feed (decks first, reviews last).
INSERT INTO `changes` (`user_id`, `seq`, `entity`, `entity_id`, `op`, `changed_at`)
SELECT `user_id`, row_number() OVER (PARTITION BY `user_id` ORDER BY `ord`, `at`, `id`), `entity`, `id`, 'upsert',
  CAST(unixepoch('subsec') * 1000 AS INTEGER)
FROM (
  SELECT `user_id`, 1 AS `ord`, `created_at` AS `at`, `id`, 'deck' AS `entity` FROM `decks`
  UNION ALL SELECT `user_id`, 2, `created_at`, `id`, 'tag' FROM `tags`
  UNION ALL SELECT `user_id`, 3, `created_at`, `id`, 'flashcard' FROM `flashcards`
  UNION ALL SELECT `user_id`, 4, `started_at`, `id`, 'study_session' FROM `study_sessions`
  UNION ALL SELECT `user_id`, 5, `reviewed_at`, `id`, 'review' FROM `review_logs`
);
--> statement-breakpoint
INSERT INTO `sync_counters` (`user_id`, `seq`, `pruned_seq`)
SELECT `user_id`, max(`seq`), 0 FROM `changes` GROUP BY `user_id`;
