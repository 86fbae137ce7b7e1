CREATE TABLE `user_settings` (
	`user_id` text PRIMARY KEY NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`updated_at` integer NOT NULL,
	`timezone` text,
	`day_starts_at` integer,
	`desired_retention` real,
	`maximum_interval_days` integer,
	`new_cards_per_day` integer,
	`reviews_per_day` integer,
	`learning_steps` text,
	`relearning_steps` text,
	`enable_fuzz` integer,
	`leech_threshold` integer,
	`leech_action` text,
	`fsrs_parameters` text,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "user_settings_leech_action_valid" CHECK("user_settings"."leech_action" IN ('tag', 'suspend'))
);
