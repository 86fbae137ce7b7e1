ALTER TABLE `review_logs` ADD `before_state` integer;--> statement-breakpoint
ALTER TABLE `review_logs` ADD `before_due` integer;--> statement-breakpoint
ALTER TABLE `review_logs` ADD `before_stability` real;--> statement-breakpoint
ALTER TABLE `review_logs` ADD `before_difficulty` real;--> statement-breakpoint
ALTER TABLE `review_logs` ADD `before_elapsed_days` integer;--> statement-breakpoint
ALTER TABLE `review_logs` ADD `before_scheduled_days` integer;--> statement-breakpoint
ALTER TABLE `review_logs` ADD `before_learning_steps` integer;--> statement-breakpoint
ALTER TABLE `review_logs` ADD `before_reps` integer;--> statement-breakpoint
ALTER TABLE `review_logs` ADD `before_lapses` integer;--> statement-breakpoint
ALTER TABLE `review_logs` ADD `before_last_review` integer;