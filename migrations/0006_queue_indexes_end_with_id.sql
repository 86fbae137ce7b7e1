DROP INDEX `flashcards_user_review_due_idx`;--> statement-breakpoint
DROP INDEX `flashcards_user_new_idx`;--> statement-breakpoint
CREATE INDEX `flashcards_user_review_due_idx` ON `flashcards` (`user_id`,`due`,`id`) WHERE "flashcards"."state" <> 0;--> statement-breakpoint
CREATE INDEX `flashcards_user_new_idx` ON `flashcards` (`user_id`,`created_at`,`id`) WHERE "flashcards"."state" = 0;