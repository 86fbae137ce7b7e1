CREATE TABLE `common_passwords` (
	`password` text PRIMARY KEY NOT NULL
);
--> statement-breakpoint
CREATE TABLE `login_throttles` (
	`account_key` text PRIMARY KEY NOT NULL,
	`failures` integer NOT NULL,
	`locked_until` integer,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `login_throttles_updated_idx` ON `login_throttles` (`updated_at`);--> statement-breakpoint
CREATE TABLE `trusted_login_networks` (
	`account_key` text NOT NULL,
	`network_key` text NOT NULL,
	`last_success_at` integer NOT NULL,
	PRIMARY KEY(`account_key`, `network_key`)
);
