-- The one rebuild of `flashcards` and `review_logs` (issue #11): it widens every CHECK later issues need,
-- so nobody else has to rebuild these tables.
--   flashcards.source IN ('manual','ai-full','ai-edited','imported')          (`imported`: issue #16)
--   flashcards.generation_id IS NULL unless source IN ('ai-full','ai-edited')  (the db-plan invariant)
--   review_logs.rating BETWEEN 0 AND 4                                         (0 = ts-fsrs Rating.Manual, #15)
--
-- Written by hand, not drizzle's generated rebuild, because on D1:
-- * `PRAGMA foreign_keys=OFF` is ignored (migrations run in a transaction), so `DROP TABLE flashcards`
--   would delete every review through review_logs' ON DELETE CASCADE. Here nothing references the old
--   `flashcards` when it is dropped: the new review_logs references `__new_flashcards`, and the rename
--   below rewrites that reference to `flashcards`.
-- * `flashcards_fts` is external-content FTS5 keyed on rowid: rowids are copied explicitly, so the index
--   stays true. Triggers on a dropped table are dropped with it (and do not fire on the implicit delete),
--   so the FTS triggers are created again; the 'rebuild' at the end makes the index exact regardless.
-- CHECKs use unqualified column names so they read the same after the rename.
CREATE TABLE `__new_flashcards` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`generation_id` text,
	`front` text NOT NULL,
	`back` text NOT NULL,
	`source` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`state` integer DEFAULT 0 NOT NULL,
	`due` integer NOT NULL,
	`stability` real DEFAULT 0 NOT NULL,
	`difficulty` real DEFAULT 0 NOT NULL,
	`elapsed_days` integer DEFAULT 0 NOT NULL,
	`scheduled_days` integer DEFAULT 0 NOT NULL,
	`learning_steps` integer DEFAULT 0 NOT NULL,
	`reps` integer DEFAULT 0 NOT NULL,
	`lapses` integer DEFAULT 0 NOT NULL,
	`last_review` integer,
	`version` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`generation_id`) REFERENCES `generations`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "flashcards_source_valid" CHECK("source" IN ('manual', 'ai-full', 'ai-edited', 'imported')),
	CONSTRAINT "flashcards_generation_only_for_ai" CHECK("generation_id" IS NULL OR "source" IN ('ai-full', 'ai-edited')),
	CONSTRAINT "flashcards_state_valid" CHECK("state" BETWEEN 0 AND 3)
);
--> statement-breakpoint
INSERT INTO `__new_flashcards`("rowid", "id", "user_id", "generation_id", "front", "back", "source", "created_at", "updated_at", "state", "due", "stability", "difficulty", "elapsed_days", "scheduled_days", "learning_steps", "reps", "lapses", "last_review", "version") SELECT "rowid", "id", "user_id", "generation_id", "front", "back", "source", "created_at", "updated_at", "state", "due", "stability", "difficulty", "elapsed_days", "scheduled_days", "learning_steps", "reps", "lapses", "last_review", "version" FROM `flashcards`;
--> statement-breakpoint
CREATE TABLE `__new_review_logs` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`flashcard_id` text NOT NULL,
	`session_id` text,
	`rating` integer NOT NULL,
	`state` integer NOT NULL,
	`due` integer NOT NULL,
	`stability` real NOT NULL,
	`difficulty` real NOT NULL,
	`elapsed_days` integer NOT NULL,
	`last_elapsed_days` integer NOT NULL,
	`scheduled_days` integer NOT NULL,
	`learning_steps` integer NOT NULL,
	`next_due` integer NOT NULL,
	`duration_ms` integer,
	`reviewed_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`flashcard_id`) REFERENCES `__new_flashcards`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`session_id`) REFERENCES `study_sessions`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "review_logs_rating_valid" CHECK("rating" BETWEEN 0 AND 4)
);
--> statement-breakpoint
INSERT INTO `__new_review_logs`("rowid", "id", "user_id", "flashcard_id", "session_id", "rating", "state", "due", "stability", "difficulty", "elapsed_days", "last_elapsed_days", "scheduled_days", "learning_steps", "next_due", "duration_ms", "reviewed_at") SELECT "rowid", "id", "user_id", "flashcard_id", "session_id", "rating", "state", "due", "stability", "difficulty", "elapsed_days", "last_elapsed_days", "scheduled_days", "learning_steps", "next_due", "duration_ms", "reviewed_at" FROM `review_logs`;
--> statement-breakpoint
-- Children first: dropping review_logs cascades nowhere; then nothing references the old flashcards.
DROP TABLE `review_logs`;
--> statement-breakpoint
DROP TABLE `flashcards`;
--> statement-breakpoint
ALTER TABLE `__new_flashcards` RENAME TO `flashcards`;
--> statement-breakpoint
ALTER TABLE `__new_review_logs` RENAME TO `review_logs`;
--> statement-breakpoint
CREATE INDEX `flashcards_user_created_idx` ON `flashcards` (`user_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `flashcards_user_updated_idx` ON `flashcards` (`user_id`,`updated_at`,`id`);--> statement-breakpoint
CREATE INDEX `flashcards_user_due_idx` ON `flashcards` (`user_id`,`due`,`id`);--> statement-breakpoint
CREATE INDEX `flashcards_user_generation_idx` ON `flashcards` (`user_id`,`generation_id`);--> statement-breakpoint
CREATE INDEX `flashcards_user_review_due_idx` ON `flashcards` (`user_id`,`due`,`id`) WHERE "flashcards"."state" <> 0;--> statement-breakpoint
CREATE INDEX `flashcards_user_new_idx` ON `flashcards` (`user_id`,`created_at`,`id`) WHERE "flashcards"."state" = 0;--> statement-breakpoint
CREATE INDEX `flashcards_user_learning_due_idx` ON `flashcards` (`user_id`,`due`,`state`) WHERE "flashcards"."state" IN (1, 3);--> statement-breakpoint
CREATE INDEX `review_logs_flashcard_reviewed_idx` ON `review_logs` (`flashcard_id`,`reviewed_at`,`id`);--> statement-breakpoint
CREATE INDEX `review_logs_user_reviewed_idx` ON `review_logs` (`user_id`,`reviewed_at`);--> statement-breakpoint
CREATE INDEX `review_logs_session_idx` ON `review_logs` (`session_id`);--> statement-breakpoint
CREATE INDEX `review_logs_user_first_reviews_idx` ON `review_logs` (`user_id`,`reviewed_at`,`state`) WHERE "review_logs"."state" = 0;--> statement-breakpoint
CREATE TRIGGER `flashcards_fts_after_insert` AFTER INSERT ON `flashcards` BEGIN
  INSERT INTO flashcards_fts(rowid, front, back) VALUES (NEW.rowid, NEW.front, NEW.back);
END;
--> statement-breakpoint
CREATE TRIGGER `flashcards_fts_after_delete` AFTER DELETE ON `flashcards` BEGIN
  INSERT INTO flashcards_fts(flashcards_fts, rowid, front, back) VALUES ('delete', OLD.rowid, OLD.front, OLD.back);
END;
--> statement-breakpoint
CREATE TRIGGER `flashcards_fts_after_update` AFTER UPDATE OF front, back ON `flashcards` BEGIN
  INSERT INTO flashcards_fts(flashcards_fts, rowid, front, back) VALUES ('delete', OLD.rowid, OLD.front, OLD.back);
  INSERT INTO flashcards_fts(rowid, front, back) VALUES (NEW.rowid, NEW.front, NEW.back);
END;
--> statement-breakpoint
INSERT INTO flashcards_fts(flashcards_fts) VALUES('rebuild');
