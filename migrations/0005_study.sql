CREATE TABLE `review_logs` (
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
	FOREIGN KEY (`flashcard_id`) REFERENCES `flashcards`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`session_id`) REFERENCES `study_sessions`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "review_logs_rating_valid" CHECK("review_logs"."rating" BETWEEN 1 AND 4)
);
--> statement-breakpoint
CREATE INDEX `review_logs_flashcard_reviewed_idx` ON `review_logs` (`flashcard_id`,`reviewed_at`,`id`);--> statement-breakpoint
CREATE INDEX `review_logs_user_reviewed_idx` ON `review_logs` (`user_id`,`reviewed_at`);--> statement-breakpoint
CREATE INDEX `review_logs_session_idx` ON `review_logs` (`session_id`);--> statement-breakpoint
CREATE TABLE `study_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`card_ids` text NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `study_sessions_user_started_idx` ON `study_sessions` (`user_id`,`started_at`);--> statement-breakpoint
CREATE INDEX `flashcards_user_review_due_idx` ON `flashcards` (`user_id`,`due`) WHERE "flashcards"."state" <> 0;--> statement-breakpoint
CREATE INDEX `flashcards_user_new_idx` ON `flashcards` (`user_id`,`created_at`) WHERE "flashcards"."state" = 0;