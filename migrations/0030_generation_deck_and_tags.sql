-- Options of POST /generations (issue #17): the deck and tags that cards accepted from the generation get
-- when they bring none of their own. A deleted deck leaves the generation without one (SET NULL; drizzle-kit
-- drops ON DELETE from ALTER TABLE … ADD, so it is written here by hand, as the schema says).
ALTER TABLE `generations` ADD `deck_id` text REFERENCES decks(id) ON DELETE SET NULL;--> statement-breakpoint
ALTER TABLE `generations` ADD `tags` text;--> statement-breakpoint
CREATE INDEX `generations_deck_idx` ON `generations` (`deck_id`);
