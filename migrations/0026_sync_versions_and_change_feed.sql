CREATE TABLE `changes` (
	`user_id` text NOT NULL,
	`seq` integer NOT NULL,
	`entity` text NOT NULL,
	`entity_id` text NOT NULL,
	`op` text NOT NULL,
	`changed_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `seq`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `changes_user_entity_unique` ON `changes` (`user_id`,`entity`,`entity_id`);--> statement-breakpoint
CREATE INDEX `changes_tombstones_idx` ON `changes` (`changed_at`,`user_id`,`seq`) WHERE "changes"."op" = 'delete';--> statement-breakpoint
CREATE TABLE `sync_counters` (
	`user_id` text PRIMARY KEY NOT NULL,
	`seq` integer DEFAULT 0 NOT NULL,
	`pruned_seq` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `decks` ADD `version` integer DEFAULT 0 NOT NULL;