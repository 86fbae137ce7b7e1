CREATE TABLE `generation_proposals` (
	`generation_id` text NOT NULL,
	`proposal_index` integer NOT NULL,
	`user_id` text NOT NULL,
	`text_hash` text NOT NULL,
	`accepted_at` integer,
	PRIMARY KEY(`generation_id`, `proposal_index`),
	FOREIGN KEY (`generation_id`) REFERENCES `generations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `generation_proposals_user_idx` ON `generation_proposals` (`user_id`);