/**
 * Source texts for generation tests: built from plain sentences to an exact length.
 */

const SENTENCES = [
  "The Vistula is the longest river in Poland, flowing about 1,047 kilometres from the Beskids to the Baltic Sea.",
  "Warsaw became the capital of Poland in 1596, when King Sigismund III Vasa moved the royal court from Kraków.",
  "Photosynthesis is the process by which green plants turn light energy into chemical energy stored in sugar.",
  "The Copernican model places the Sun near the centre of the universe, with the planets moving around it.",
  "Mitochondria are organelles that produce most of the chemical energy needed by a eukaryotic cell.",
  "The Treaty of Westphalia was signed in 1648 and ended the Thirty Years' War in the Holy Roman Empire.",
];

/** A text of exactly `length` characters that trimming leaves intact (the caller may pad it). */
export function textOfLength(length: number): string {
  let text = "";
  for (let i = 0; text.length < length; i++) text += (text ? " " : "") + SENTENCES[i % SENTENCES.length];
  text = text.slice(0, length);
  return text.endsWith(" ") ? `${text.slice(0, -1)}.` : text;
}
