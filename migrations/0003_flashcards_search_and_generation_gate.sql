-- Full-text search over flashcards: an FTS5 external-content table (the text lives only in
-- `flashcards`; the index refers to its rowid) kept in sync by triggers.
-- trigram: substring matching (also for languages written without spaces), case- and
-- diacritic-insensitive. Queries need at least 3 characters to use the index.
-- NOTE: a migration that rebuilds `flashcards` (drizzle's __new_flashcards) changes rowids: it must end
-- with INSERT INTO flashcards_fts(flashcards_fts) VALUES('rebuild').
CREATE VIRTUAL TABLE `flashcards_fts` USING fts5(
  front, back,
  content='flashcards', content_rowid='rowid',
  tokenize='trigram case_sensitive 0 remove_diacritics 1'
);
--> statement-breakpoint
CREATE TRIGGER `flashcards_fts_after_insert` AFTER INSERT ON `flashcards` BEGIN
  INSERT INTO flashcards_fts(rowid, front, back) VALUES (NEW.rowid, NEW.front, NEW.back);
END;
--> statement-breakpoint
CREATE TRIGGER `flashcards_fts_after_delete` AFTER DELETE ON `flashcards` BEGIN
  INSERT INTO flashcards_fts(flashcards_fts, rowid, front, back) VALUES ('delete', OLD.rowid, OLD.front, OLD.back);
END;
--> statement-breakpoint
-- Only text changes touch the index: reviews update the row often and must stay cheap.
CREATE TRIGGER `flashcards_fts_after_update` AFTER UPDATE OF front, back ON `flashcards` BEGIN
  INSERT INTO flashcards_fts(flashcards_fts, rowid, front, back) VALUES ('delete', OLD.rowid, OLD.front, OLD.back);
  INSERT INTO flashcards_fts(rowid, front, back) VALUES (NEW.rowid, NEW.front, NEW.back);
END;
--> statement-breakpoint
-- The generation gate: `INSERT INTO generation_gate (generation_id, user_id)` aborts the whole batch
-- with 'generation_not_found' unless the generation exists and belongs to the user. A foreign key
-- only proves existence; this proves ownership, in the same round trip as the inserts it guards.
CREATE VIEW `generation_gate` AS SELECT NULL AS `generation_id`, NULL AS `user_id` WHERE 0;
--> statement-breakpoint
CREATE TRIGGER `generation_gate_check` INSTEAD OF INSERT ON `generation_gate`
BEGIN
  SELECT RAISE(ABORT, 'generation_not_found')
  WHERE NOT EXISTS (
    SELECT 1 FROM `generations` WHERE `id` = NEW.`generation_id` AND `user_id` = NEW.`user_id`
  );
END;
