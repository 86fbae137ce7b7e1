-- Maintained card counters (issue #15): one row per (user, deck or '' for no deck, state, suspended).
-- GET /stats and deck counts read these few rows instead of counting cards, so they cost the same at
-- 1,000 and 100,000 cards. Triggers keep them in the transaction of every write to flashcards (single
-- and bulk writes, reviews, imports, moves, cascades): no write path can forget them.
-- An insert creates its row if missing (INSERT OR IGNORE) and increments it. A delete only decrements:
-- its row exists, and a user's cascade delete must not insert rows for a user being deleted.
CREATE TRIGGER `card_counts_after_insert` AFTER INSERT ON `flashcards`
BEGIN
  INSERT OR IGNORE INTO `card_counts` (`user_id`, `deck_key`, `state`, `suspended`, `n`)
  VALUES (NEW.`user_id`, coalesce(NEW.`deck_id`, ''), NEW.`state`, NEW.`suspended`, 0);
  UPDATE `card_counts` SET `n` = `n` + 1
  WHERE `user_id` = NEW.`user_id` AND `deck_key` = coalesce(NEW.`deck_id`, '') AND `state` = NEW.`state`
    AND `suspended` = NEW.`suspended`;
END;
--> statement-breakpoint
CREATE TRIGGER `card_counts_after_delete` AFTER DELETE ON `flashcards`
BEGIN
  UPDATE `card_counts` SET `n` = `n` - 1
  WHERE `user_id` = OLD.`user_id` AND `deck_key` = coalesce(OLD.`deck_id`, '') AND `state` = OLD.`state`
    AND `suspended` = OLD.`suspended`;
END;
--> statement-breakpoint
-- Reviews set `state` on every write; the WHEN clause keeps the counters' work to real changes.
CREATE TRIGGER `card_counts_after_update` AFTER UPDATE OF `state`, `suspended`, `deck_id` ON `flashcards`
WHEN OLD.`state` IS NOT NEW.`state` OR OLD.`suspended` IS NOT NEW.`suspended` OR OLD.`deck_id` IS NOT NEW.`deck_id`
BEGIN
  UPDATE `card_counts` SET `n` = `n` - 1
  WHERE `user_id` = OLD.`user_id` AND `deck_key` = coalesce(OLD.`deck_id`, '') AND `state` = OLD.`state`
    AND `suspended` = OLD.`suspended`;
  INSERT OR IGNORE INTO `card_counts` (`user_id`, `deck_key`, `state`, `suspended`, `n`)
  VALUES (NEW.`user_id`, coalesce(NEW.`deck_id`, ''), NEW.`state`, NEW.`suspended`, 0);
  UPDATE `card_counts` SET `n` = `n` + 1
  WHERE `user_id` = NEW.`user_id` AND `deck_key` = coalesce(NEW.`deck_id`, '') AND `state` = NEW.`state`
    AND `suspended` = NEW.`suspended`;
END;
--> statement-breakpoint
-- A deck is deleted only without cards (or after its cards): its rows are all zero by then.
CREATE TRIGGER `card_counts_after_deck_delete` AFTER DELETE ON `decks`
BEGIN
  DELETE FROM `card_counts` WHERE `user_id` = OLD.`user_id` AND `deck_key` = OLD.`id`;
END;
--> statement-breakpoint
-- Backfill from the cards that exist.
INSERT INTO `card_counts` (`user_id`, `deck_key`, `state`, `suspended`, `n`)
SELECT `user_id`, coalesce(`deck_id`, ''), `state`, `suspended`, count(*)
FROM `flashcards`
GROUP BY `user_id`, coalesce(`deck_id`, ''), `state`, `suspended`;
