CREATE TABLE `flashcards` (
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
	CONSTRAINT "flashcards_source_valid" CHECK("flashcards"."source" IN ('manual', 'ai-full', 'ai-edited')),
	CONSTRAINT "flashcards_state_valid" CHECK("flashcards"."state" BETWEEN 0 AND 3)
);
--> statement-breakpoint
CREATE INDEX `flashcards_user_created_idx` ON `flashcards` (`user_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `flashcards_user_updated_idx` ON `flashcards` (`user_id`,`updated_at`,`id`);--> statement-breakpoint
CREATE INDEX `flashcards_user_due_idx` ON `flashcards` (`user_id`,`due`,`id`);--> statement-breakpoint
CREATE INDEX `flashcards_user_generation_idx` ON `flashcards` (`user_id`,`generation_id`);--> statement-breakpoint
CREATE TABLE `generations` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`model` text NOT NULL,
	`source_text_hash` text NOT NULL,
	`source_text_length` integer NOT NULL,
	`generated_count` integer NOT NULL,
	`accepted_unedited_count` integer DEFAULT 0 NOT NULL,
	`accepted_edited_count` integer DEFAULT 0 NOT NULL,
	`duration_ms` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "generations_counts_non_negative" CHECK("generations"."accepted_unedited_count" >= 0 AND "generations"."accepted_edited_count" >= 0),
	CONSTRAINT "generations_accepted_within_generated" CHECK("generations"."accepted_unedited_count" + "generations"."accepted_edited_count" <= "generations"."generated_count")
);
--> statement-breakpoint
CREATE INDEX `generations_user_created_idx` ON `generations` (`user_id`,`created_at`,`id`);