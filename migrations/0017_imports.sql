CREATE TABLE `imports` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`format` text NOT NULL,
	`target_deck_id` text,
	`duplicates` text NOT NULL,
	`total_rows` integer NOT NULL,
	`created` integer NOT NULL,
	`skipped_duplicates` integer NOT NULL,
	`rejected` integer NOT NULL,
	`decks_created` integer NOT NULL,
	`warnings` text NOT NULL,
	`rejected_rows` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `imports_user_created_idx` ON `imports` (`user_id`,`created_at`,`id`);