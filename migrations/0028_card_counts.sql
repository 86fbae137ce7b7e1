CREATE TABLE `card_counts` (
	`user_id` text NOT NULL,
	`deck_key` text NOT NULL,
	`state` integer NOT NULL,
	`suspended` integer NOT NULL,
	`n` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`user_id`, `deck_key`, `state`, `suspended`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
