/**
 * Deterministic, realistic flashcard text for the seed: questions and answers of the length and mix a
 * real collection has (mostly 30–150 characters, some long answers, a little non-ASCII), drawn from a
 * seeded PRNG so every run seeds the same text.
 */

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [min, max]. */
export const intIn = (rand, min, max) => min + Math.floor(rand() * (max - min + 1));

/** One element of a list. */
export const pick = (rand, list) => list[Math.floor(rand() * list.length)];

/** A version-4 UUID (valid for the app's `z.uuid()`) drawn from the PRNG. */
export function uuid(rand) {
  const hex = [];
  for (let i = 0; i < 32; i++) hex.push(Math.floor(rand() * 16).toString(16));
  hex[12] = "4";
  hex[16] = "89ab"[Math.floor(rand() * 4)];
  const s = hex.join("");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

const TERMS = [
  "photosynthesis",
  "the Krebs cycle",
  "osmosis",
  "the Treaty of Westphalia",
  "plate tectonics",
  "the TCP handshake",
  "a binary search tree",
  "the Roman Senate",
  "entropy",
  "the Doppler effect",
  "supply and demand",
  "the Vistula",
  "the Copernican model",
  "DNS resolution",
  "a hash table",
  "the Magna Carta",
  "continental drift",
  "bebop",
  "the French Revolution",
  "a neural network",
  "the citric acid cycle",
  "inflation",
  "the Silk Road",
  "a prime number",
  "the water cycle",
  "Kraków's Old Town",
  "an eigenvector",
  "the Baroque period",
  "the immune response",
  "a closure",
];
const VERBS = ["explains", "describes", "causes", "limits", "drives", "shapes", "regulates", "measures"];
const PEOPLE = [
  "Mikołaj Kopernik",
  "Marie Skłodowska-Curie",
  "Ada Lovelace",
  "Charles Darwin",
  "Isaac Newton",
  "Hypatia",
  "Alan Turing",
  "Miles Davis",
  "Julius Caesar",
  "Emmy Noether",
];
const LANGUAGES = ["Polish", "German", "Spanish", "Japanese", "French", "Italian"];
const WORDS = [
  ["library", "biblioteka"],
  ["apple", "jabłko"],
  ["river", "rzeka"],
  ["to remember", "pamiętać"],
  ["school", "学校"],
  ["thank you", "ありがとう"],
  ["window", "okno"],
  ["bread", "chleb"],
  ["friend", "przyjaciel"],
  ["heart", "serce"],
];
const FRAGMENTS = [
  "It converts light energy into chemical energy stored in glucose",
  "The process takes place mainly inside eukaryotic cells",
  "It was signed in 1648 and ended the Thirty Years' War",
  "The client sends SYN, the server answers SYN-ACK, and the client confirms with ACK",
  "Average lookup time is O(1), worst case O(n) when many keys collide",
  "It moved the Sun to the centre of the model and the Earth into orbit around it",
  "Lithospheric plates move a few centimetres per year over the asthenosphere",
  "Prices rise when demand grows faster than supply",
  "The observed frequency rises as the source approaches and falls as it recedes",
  "It limited the power of the king and protected the barons' rights",
  "Each node's left subtree holds smaller keys and its right subtree larger ones",
  "The Senate advised the magistrates and controlled public finances",
  "Entropy of an isolated system never decreases over time",
  "Names are resolved recursively from the root servers down to the authoritative server",
  "Improvised lines over fast chord changes became its signature",
  "A function keeps access to the variables of the scope it was created in",
  "Antibodies bind to antigens and mark them for destruction",
  "Water evaporates, condenses into clouds and returns as precipitation",
];
/** The search term the benchmark looks for, and the share of cards that contain it. */
export const SEARCH_TERM = "mitochondria";
/** A search term no card contains (the worst case for a search that pages through the user's cards). */
export const MISSING_TERM = "xylophone";
/**
 * A 2-character query (a Japanese word, in about 1.5 % of the cards): too short for the trigram index,
 * so the app answers it with a bounded walk of the user's newest cards.
 */
export const SHORT_TERM = "学校";
const SEARCH_SHARE = 0.005;
const RARE_FACT = "Mitochondria produce most of a cell's ATP.";
const YEARS = [1473, 1543, 1596, 1648, 1789, 1815, 1859, 1905, 1945, 1969, 1989, 2004];

/** A question side: 15–200 characters. */
function front(rand) {
  switch (intIn(rand, 0, 6)) {
    case 0:
      return `What is ${pick(rand, TERMS)}?`;
    case 1:
      return `Which idea ${pick(rand, VERBS)} ${pick(rand, TERMS)}, and why does it matter for ${pick(rand, TERMS)}?`;
    case 2:
      return `Who is associated with ${pick(rand, TERMS)} and what did ${pick(rand, PEOPLE)} contribute?`;
    case 3: {
      const [en] = pick(rand, WORDS);
      return `Translate "${en}" into ${pick(rand, LANGUAGES)}.`;
    }
    case 4:
      return `In which year did the events around ${pick(rand, TERMS)} begin?`;
    case 5:
      return `Compare ${pick(rand, TERMS)} with ${pick(rand, TERMS)}.`;
    default:
      return `Explain ${pick(rand, TERMS)} in one sentence.`;
  }
}

/** An answer side: 10–500 characters, most around 60–200. */
function back(rand) {
  const roll = rand();
  if (roll < 0.15) {
    const [, translated] = pick(rand, WORDS);
    return translated;
  }
  if (roll < 0.25) return `${pick(rand, YEARS)} — ${pick(rand, PEOPLE)}.`;
  const sentences = roll < 0.9 ? intIn(rand, 1, 2) : intIn(rand, 3, 5);
  const parts = [];
  for (let i = 0; i < sentences; i++) parts.push(`${pick(rand, FRAGMENTS)}.`);
  // The searched word: in about 1 card of 200, as a specific term is in a real collection.
  if (rand() < SEARCH_SHARE) parts.push(RARE_FACT);
  return parts.join(" ").slice(0, 500);
}

/** A card's two sides. */
export const cardText = (rand) => ({ front: front(rand), back: back(rand) });
