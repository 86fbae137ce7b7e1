/**
 * Column projections shared by several modules (routes and the study queue): the columns a flashcard
 * response is built from. Here, not in a route folder, so domain modules need not reach into routes.
 */
import { type FlashcardRow, flashcards } from "./schema";

/** The columns every flashcard response is built from (not the owner, not the version). */
export const flashcardColumns = {
  id: flashcards.id,
  front: flashcards.front,
  back: flashcards.back,
  source: flashcards.source,
  generationId: flashcards.generationId,
  createdAt: flashcards.createdAt,
  updatedAt: flashcards.updatedAt,
  state: flashcards.state,
  due: flashcards.due,
  stability: flashcards.stability,
  difficulty: flashcards.difficulty,
  elapsedDays: flashcards.elapsedDays,
  scheduledDays: flashcards.scheduledDays,
  learningSteps: flashcards.learningSteps,
  reps: flashcards.reps,
  lapses: flashcards.lapses,
  lastReview: flashcards.lastReview,
};

/** A flashcard as `flashcardColumns` selects it (everything but owner, version and duplicate key). */
// (deck_id joins the response with the decks endpoints; until then it is not shown.)
export type FlashcardView = Omit<FlashcardRow, "userId" | "version" | "frontKey" | "deckId">;
