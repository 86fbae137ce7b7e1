ALTER TABLE `flashcards` ADD `suspended` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `flashcards` ADD `buried_until` integer;--> statement-breakpoint
ALTER TABLE `flashcards` ADD `leech` integer DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX `flashcards_user_learning_offered_idx` ON `flashcards` (`user_id`,`due`,`state`,`suspended`,`buried_until`) WHERE "flashcards"."state" IN (1, 3);--> statement-breakpoint
ALTER TABLE `review_logs` ADD `before_suspended` integer;--> statement-breakpoint
ALTER TABLE `review_logs` ADD `before_buried_until` integer;--> statement-breakpoint
ALTER TABLE `review_logs` ADD `before_leech` integer;