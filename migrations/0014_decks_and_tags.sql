CREATE TABLE `deck_tree` (
	`user_id` text NOT NULL,
	`ancestor_id` text NOT NULL,
	`descendant_id` text NOT NULL,
	`distance` integer NOT NULL,
	PRIMARY KEY(`ancestor_id`, `descendant_id`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`ancestor_id`) REFERENCES `decks`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`descendant_id`) REFERENCES `decks`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `deck_tree_descendant_idx` ON `deck_tree` (`descendant_id`,`distance`,`ancestor_id`);--> statement-breakpoint
CREATE TABLE `decks` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`parent_id` text,
	`name` text NOT NULL,
	`name_key` text NOT NULL,
	`description` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`parent_id`) REFERENCES `decks`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `decks_sibling_name_unique` ON `decks` (`user_id`,`parent_id`,`name_key`) WHERE "decks"."parent_id" IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `decks_root_name_unique` ON `decks` (`user_id`,`name_key`) WHERE "decks"."parent_id" IS NULL;--> statement-breakpoint
CREATE INDEX `decks_user_idx` ON `decks` (`user_id`,`id`);--> statement-breakpoint
CREATE INDEX `decks_parent_idx` ON `decks` (`parent_id`);--> statement-breakpoint
CREATE TABLE `flashcard_tags` (
	`flashcard_id` text NOT NULL,
	`tag_id` text NOT NULL,
	`user_id` text NOT NULL,
	PRIMARY KEY(`flashcard_id`, `tag_id`),
	FOREIGN KEY (`flashcard_id`) REFERENCES `flashcards`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`tag_id`) REFERENCES `tags`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `flashcard_tags_tag_idx` ON `flashcard_tags` (`tag_id`,`flashcard_id`);--> statement-breakpoint
CREATE TABLE `tags` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`name` text NOT NULL,
	`name_key` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tags_user_key_unique` ON `tags` (`user_id`,`name_key`);--> statement-breakpoint
ALTER TABLE `flashcards` ADD `deck_id` text REFERENCES decks(id);--> statement-breakpoint
CREATE INDEX `flashcards_deck_state_due_idx` ON `flashcards` (`deck_id`,`state`,`due`,`user_id`);--> statement-breakpoint
CREATE INDEX `flashcards_deck_created_idx` ON `flashcards` (`deck_id`,`created_at`,`id`);