-- Issue #14: the learner's study settings join the change feed (entity `settings`, id = the user's id):
-- a device studying offline needs the same time zone, day start, limits and FSRS weights. The row is
-- only ever inserted (first PATCH /settings) and updated; it goes with the account.
CREATE TRIGGER `user_settings_change_insert` AFTER INSERT ON `user_settings`
BEGIN
  INSERT INTO `change_log` VALUES (NEW.`user_id`, 'settings', NEW.`user_id`, 'upsert');
END;
--> statement-breakpoint
CREATE TRIGGER `user_settings_change_update` AFTER UPDATE ON `user_settings`
BEGIN
  INSERT INTO `change_log` VALUES (NEW.`user_id`, 'settings', NEW.`user_id`, 'upsert');
END;
--> statement-breakpoint
-- Settings saved before this migration become a change of their user's feed.
INSERT INTO `change_log` SELECT `user_id`, 'settings', `user_id`, 'upsert' FROM `user_settings`;
