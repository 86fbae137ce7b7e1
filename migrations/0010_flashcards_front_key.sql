ALTER TABLE `flashcards` ADD `front_key` text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE INDEX `flashcards_user_front_key_idx` ON `flashcards` (`user_id`,`front_key`);