-- Fills flashcards.front_key for the cards written before the column existed (issue #16).
-- SQLite has no NFC and no Unicode case folding or punctuation classes, so this is the key of
-- src/lib/front-key.ts for ASCII text (ASCII punctuation and symbols removed, whitespace runs of up to
-- 64 collapsed, lower-cased, trimmed) and an approximation for other scripts. Every write path computes
-- the exact key in JavaScript; a card whose front is edited gets it then.
UPDATE `flashcards` SET `front_key` = trim(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(lower(front), '!', ''), '"', ''), '#', ''), '$', ''), '%', ''), '&', ''), '''', ''), '(', ''), ')', ''), '*', ''), '+', ''), ',', ''), '-', ''), '.', ''), '/', ''), ':', ''), ';', ''), '<', ''), '=', ''), '>', ''), '?', ''), '@', ''), '[', ''), '\', ''), ']', ''), '^', ''), '_', ''), '`', ''), '{', ''), '|', ''), '}', ''), '~', ''), char(9), ' '), char(10), ' '), char(13), ' '), '  ', ' '), '  ', ' '), '  ', ' '), '  ', ' '), '  ', ' '), '  ', ' '));--> statement-breakpoint
-- A front made only of punctuation keeps it, as frontKey() does.
UPDATE `flashcards` SET `front_key` = trim(lower(`front`)) WHERE `front_key` = '';
